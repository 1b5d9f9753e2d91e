// What /readyz answers before and after the loop has judged readiness.
#include "agent/sidecar/published_readiness.h"

#include <gtest/gtest.h>

namespace rc::agent {
namespace {

TEST(PublishedReadiness, NotReadyUntilTheLoopHasLookedAtRedis) {
  PublishedReadiness readiness;
  Readiness now = readiness.Get();
  EXPECT_FALSE(now.ready);
  EXPECT_EQ(now.reason, "the agent has not looked at this pod's redis yet");
}

TEST(PublishedReadiness, TheLastJudgementIsWhatIsRead) {
  PublishedReadiness readiness;
  readiness.Set({true, "master owning 5461 slots"});
  EXPECT_TRUE(readiness.Get().ready);
  EXPECT_EQ(readiness.Get().reason, "master owning 5461 slots");
  readiness.Set({false, "replica whose link to its master is down"});
  EXPECT_FALSE(readiness.Get().ready);
  EXPECT_EQ(readiness.Get().reason, "replica whose link to its master is down");
}

}  // namespace
}  // namespace rc::agent
