#include "agent/config/conf_directive.h"

#include <gtest/gtest.h>

namespace rc::agent {
namespace {

TEST(ParseConfText, SkipsCommentsAndBlankLinesAndLowercasesNames) {
  auto parsed = ParseConfText("# comment\n\n  MaxMemory 100mb\nsave 900 1\r\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0], (Directive{"maxmemory", {"100mb"}}));
  EXPECT_EQ((*parsed)[1], (Directive{"save", {"900", "1"}}));
}

TEST(ParseConfText, GroupsQuotedArguments) {
  auto parsed =
      ParseConfText("save \"\"\nrequirepass \"a b\\\"c\"\nrename-command 'FLUSHALL' ''\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].args, std::vector<std::string>{""});
  EXPECT_EQ((*parsed)[1].args, std::vector<std::string>{"a b\"c"});
  EXPECT_EQ((*parsed)[2].args, (std::vector<std::string>{"FLUSHALL", ""}));
}

TEST(ParseConfText, RejectsUnbalancedQuotesNamingTheLine) {
  auto parsed = ParseConfText("maxmemory 1mb\nrequirepass \"open\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("line 2"), std::string::npos);
  EXPECT_NE(parsed.status().message().find("unbalanced quotes"), std::string::npos);
}

TEST(ParseConfText, RejectsADirectiveWithoutValue) {
  auto parsed = ParseConfText("appendonly\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("needs a value"), std::string::npos);
}

TEST(FormatDirective, QuotesOnlyWhenNeededAndRoundTrips) {
  EXPECT_EQ(FormatDirective({"maxmemory", {"1gb"}}), "maxmemory 1gb");
  EXPECT_EQ(FormatDirective({"save", {""}}), "save \"\"");
  Directive tricky{"requirepass", {"p a\"s\\s\nw#rd"}};
  std::string line = FormatDirective(tricky);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = ParseConfText(line);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0], tricky);
}

}  // namespace
}  // namespace rc::agent
