// Which redis-server the tests start, and what version it is. Tests take the
// binary from RC_REDIS_SERVER (a path), else `redis-server` on PATH, so one
// build can be tested against Redis 5.0 ... Valkey 8 without a rebuild.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace rc::testing {

// $RC_REDIS_SERVER when set and not empty, else "redis-server" (PATH lookup).
std::string RedisServerBinary();

struct TestServerVersion {
  bool valkey = false;
  int major = 0;
  int minor = 0;
  int patch = 0;
  // "redis 7.0.15", "valkey 8.0.1"; what a skip message names.
  std::string ToString() const;
  // Redis-compatible major.minor: Valkey 7.2+ accepts what Redis 7.2 accepts.
  bool AtLeast(int want_major, int want_minor) const;
  // An image reference the agent's `--image` / REDIS_IMAGE parse as this
  // version ("redis:6.2.16", "valkey/valkey:8.0.1").
  std::string Image() const;
};

// The version RedisServerBinary() reports with `--version` ("Redis server
// v=7.0.15 ...", "Valkey server v=8.0.1 ..."), read once. Aborts the test
// binary with a message when the binary cannot be run or parsed.
const TestServerVersion& TestServer();

}  // namespace rc::testing

// Skips the running test, naming the feature and both versions, when the
// server under test is older than major.minor (a feature it cannot have).
#define RC_SKIP_UNLESS_SERVER_AT_LEAST(major, minor, feature)                               \
  if (::rc::testing::TestServer().AtLeast(major, minor)) {                                  \
  } else                                                                                    \
    GTEST_SKIP() << feature << " needs Redis >= " #major "." #minor "; RC_REDIS_SERVER is " \
                 << ::rc::testing::TestServer().ToString()
