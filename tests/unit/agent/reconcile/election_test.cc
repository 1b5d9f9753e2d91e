#include "agent/reconcile/election.h"

#include <gtest/gtest.h>

#include "tests/unit/agent/reconcile/pod_snapshot_builder.h"

namespace rc::agent {
namespace {

using std::chrono::milliseconds;

PodSnapshot Pods(const std::vector<std::pair<int, bool>>& ordinal_ready, int replicas = 6) {
  return testing::PodsByReadiness(ordinal_ready, replicas);
}

TEST(WantsToCoordinate, PodZeroAlwaysCoordinatesWhenItRuns) {
  auto pods = Pods({{0, true}, {1, true}, {2, true}});
  EXPECT_TRUE(WantsToCoordinate(0, pods, milliseconds(0), milliseconds(15000)));
  EXPECT_FALSE(WantsToCoordinate(1, pods, milliseconds(0), milliseconds(15000)));
}

TEST(WantsToCoordinate, TheLowestReadyOrdinalTakesOverOnlyAfterTheLease) {
  auto pods = Pods({{0, false}, {1, false}, {2, true}, {3, true}});
  EXPECT_FALSE(WantsToCoordinate(2, pods, milliseconds(5000), milliseconds(15000)))
      << "pod-0 may just be restarting";
  EXPECT_TRUE(WantsToCoordinate(2, pods, milliseconds(16000), milliseconds(15000)));
  EXPECT_FALSE(WantsToCoordinate(3, pods, milliseconds(16000), milliseconds(15000)));
}

TEST(WantsToCoordinate, ALeavingPodNeverTakesOver) {
  auto pods = Pods({{4, true}}, 3);
  EXPECT_FALSE(WantsToCoordinate(4, pods, milliseconds(60000), milliseconds(15000)));
}

}  // namespace
}  // namespace rc::agent
