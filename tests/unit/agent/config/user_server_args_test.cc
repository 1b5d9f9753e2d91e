#include "agent/config/user_server_args.h"

#include <gtest/gtest.h>

namespace rc::agent {
namespace {

TEST(ParseUserServerArgs, EmptyMeansNothingToMerge) {
  for (const char* text : {"", "  ", "[]"}) {
    auto parsed = ParseUserServerArgs(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_TRUE(parsed->config_file.empty());
    EXPECT_TRUE(parsed->directives.empty());
  }
}

TEST(ParseUserServerArgs, KeepsTheConfigFileAndDirectivesInOrder) {
  auto parsed = ParseUserServerArgs(
      R"(["/usr/local/bin/redis-server", "/conf/redis.conf", "--maxmemory", "1gb",
          "--save", "", "--loadmodule", "/m.so", "arg1"])");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->config_file, "/conf/redis.conf");
  ASSERT_EQ(parsed->directives.size(), 3u);
  EXPECT_EQ(parsed->directives[0], (Directive{"maxmemory", {"1gb"}}));
  EXPECT_EQ(parsed->directives[1], (Directive{"save", {""}}));
  EXPECT_EQ(parsed->directives[2], (Directive{"loadmodule", {"/m.so", "arg1"}}));
}

TEST(ParseUserServerArgs, AcceptsArgsWithoutTheBinaryAndValkey) {
  auto args_only = ParseUserServerArgs(R"(["/etc/redis.conf", "--port", "7000"])");
  ASSERT_TRUE(args_only.ok());
  EXPECT_EQ(args_only->config_file, "/etc/redis.conf");
  auto valkey = ParseUserServerArgs(R"(["valkey-server", "--maxmemory", "5mb"])");
  ASSERT_TRUE(valkey.ok());
  EXPECT_TRUE(valkey->config_file.empty());
  EXPECT_EQ(valkey->directives.size(), 1u);
}

TEST(ParseUserServerArgs, RejectsWhatCannotBeMerged) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {R"({"a":1})", "not a JSON array"},
      {R"(["redis-server", 5])", "non-string"},
      {R"(["sh", "-c", "redis-server /x.conf"])", "not redis-server"},
      {R"(["redis-server", "-"])", "stdin"},
      {R"(["redis-server", "--maxmemory"])", "has no value"},
      {R"(["redis-server", "/a.conf", "oops"])", "expected --directive"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseUserServerArgs(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_NE(parsed.status().message().find(c.says), std::string::npos)
        << c.text << " -> " << parsed.status().message();
  }
}

}  // namespace
}  // namespace rc::agent
