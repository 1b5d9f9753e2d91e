#include "agent/config/server_version.h"

#include <gtest/gtest.h>

namespace rc::agent {
namespace {

struct ImageCase {
  const char* image;
  bool known;
  bool valkey;
  int major, minor, patch;
};

TEST(ParseImageVersion, ReadsTheTagOfEveryCommonReference) {
  const ImageCase cases[] = {
      {"redis:5.0.4", true, false, 5, 0, 4},
      {"redis:7.0", true, false, 7, 0, 0},
      {"redis:7", true, false, 7, 0, 0},
      {"redis:6.2-alpine", true, false, 6, 2, 0},
      {"docker.io/library/redis:7.2.4-bookworm", true, false, 7, 2, 4},
      {"registry.local:5000/cache/redis:6.0.9", true, false, 6, 0, 9},
      {"redis:7.0@sha256:abcdef", true, false, 7, 0, 0},
      {"valkey/valkey:8", true, true, 8, 0, 0},
      {"valkey/valkey:7.2.5", true, true, 7, 2, 5},
      {"redis:latest", false, false, 0, 0, 0},
      {"redis", false, false, 0, 0, 0},
      {"registry.local:5000/redis", false, false, 0, 0, 0},
      {"redis@sha256:abcdef", false, false, 0, 0, 0},
      {"", false, false, 0, 0, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.image);
    ServerVersion v = ParseImageVersion(c.image);
    EXPECT_EQ(v.known, c.known);
    EXPECT_EQ(v.valkey, c.valkey);
    EXPECT_EQ(v.major, c.major);
    EXPECT_EQ(v.minor, c.minor);
    EXPECT_EQ(v.patch, c.patch);
  }
}

TEST(ServerVersion, UnknownVersionsOnlySatisfyTheOldestSupported) {
  ServerVersion unknown = ParseImageVersion("redis:latest");
  EXPECT_TRUE(unknown.AtLeast(5, 0));
  EXPECT_FALSE(unknown.AtLeast(6, 0));
}

TEST(ServerVersion, ValkeyCountsAsRedis72) {
  ServerVersion v8 = ParseImageVersion("valkey/valkey:8");
  EXPECT_TRUE(v8.AtLeast(7, 2));
  EXPECT_FALSE(v8.AtLeast(7, 4));
  EXPECT_TRUE(ParseImageVersion("valkey/valkey:7.2").AtLeast(7, 0));
}

TEST(ServerVersion, ComparesMajorThenMinor) {
  ServerVersion v = ParseImageVersion("redis:6.2.14");
  EXPECT_TRUE(v.AtLeast(6, 2));
  EXPECT_TRUE(v.AtLeast(5, 9));
  EXPECT_FALSE(v.AtLeast(7, 0));
}

TEST(ParseInfoServer, ReadsRedisAndValkey) {
  ServerVersion redis =
      ParseInfoServer("# Server\r\nredis_version:7.0.15\r\nredis_mode:cluster\r\n");
  EXPECT_TRUE(redis.known);
  EXPECT_FALSE(redis.valkey);
  EXPECT_EQ(redis.major, 7);
  EXPECT_EQ(redis.patch, 15);

  ServerVersion valkey = ParseInfoServer(
      "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\n");
  EXPECT_TRUE(valkey.valkey);
  EXPECT_EQ(valkey.major, 8);
  EXPECT_TRUE(valkey.AtLeast(7, 2));

  EXPECT_FALSE(ParseInfoServer("# Server\r\n").known);
}

}  // namespace
}  // namespace rc::agent
