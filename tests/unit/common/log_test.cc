// Secret redaction corner cases (the basic format and redaction tests are in status_test.cc).
#include "common/log.h"

#include <gtest/gtest.h>

namespace rc {
namespace {

TEST(LogRedaction, ASecretContainingAShorterOneIsReplacedWhole) {
  log::RegisterSecret("abc123");
  log::RegisterSecret("abc123-rest-of-the-long-secret");
  EXPECT_EQ(log::Redact("token abc123-rest-of-the-long-secret and abc123"),
            "token <redacted> and <redacted>");
}

TEST(LogRedaction, RegisteringTwiceChangesNothing) {
  for (int i = 0; i < 3; ++i) log::RegisterSecret("again-and-again");
  EXPECT_EQ(log::Redact("x again-and-again y"), "x <redacted> y");
}

TEST(LogRedaction, EmptySecretIsIgnored) {
  log::RegisterSecret("");
  EXPECT_EQ(log::Redact("nothing to hide"), "nothing to hide");
}

}  // namespace
}  // namespace rc
