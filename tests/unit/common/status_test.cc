#include "common/status.h"

#include <gtest/gtest.h>

#include "common/log.h"

namespace rc {
namespace {

TEST(Status, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(Timeout("node 1.2.3.4:6379 did not answer").ToString(),
            "TIMEOUT: node 1.2.3.4:6379 did not answer");
  EXPECT_EQ(Status::Ok().ToString(), "OK");
}

TEST(Status, WithContextPrefixes) {
  EXPECT_EQ(NotFound("no pod").WithContext("discovery").message(), "discovery: no pod");
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> good = 3;
  Result<int> bad = InvalidArgument("nope");
  EXPECT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

TEST(Result, OkStatusWithoutValueIsAnError) {
  Result<int> weird = Status::Ok();
  EXPECT_FALSE(weird.ok());
  EXPECT_EQ(weird.status().code(), ErrorCode::kInternal);
}

TEST(Log, KlogLineFormat) {
  std::string line = log::FormatLine(log::Severity::kWarning, "/src/agent/x.cc", 42, "hello");
  // W1125 09:06:00.123456   12345 x.cc:42] hello
  ASSERT_GE(line.size(), 30u);
  EXPECT_EQ(line[0], 'W');
  EXPECT_EQ(line[5], ' ');
  EXPECT_EQ(line[8], ':');
  EXPECT_EQ(line[14], '.');
  EXPECT_NE(line.find(" x.cc:42] hello"), std::string::npos) << line;
}

TEST(Log, RedactsRegisteredSecrets) {
  log::RegisterSecret("s3cret-pass");
  EXPECT_EQ(log::Redact("AUTH s3cret-pass failed; s3cret-pass"),
            "AUTH <redacted> failed; <redacted>");
}

}  // namespace
}  // namespace rc
