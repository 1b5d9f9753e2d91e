#include "agent/reconcile/readiness.h"

#include <gtest/gtest.h>

#include "tests/unit/agent/reconcile/cluster_builder.h"

namespace rc::agent {
namespace {

using testing::Build;
using testing::PodSpec;

// A settled 3 masters + 3 replicas cluster, as each pod's redis reports it.
Observation Settled() {
  return Build(
      6, {PodSpec(0, "M", "0-5460"), PodSpec(1, "M", "5461-10922"), PodSpec(2, "M", "10923-16383"),
          PodSpec(3, "S", "", 0), PodSpec(4, "S", "", 1), PodSpec(5, "S", "", 2)});
}

TEST(Readiness, AMasterOwningSlotsIsReady) {
  auto r = JudgeReadiness(Settled().nodes[0], true);
  EXPECT_TRUE(r.ready) << r.reason;
  EXPECT_NE(r.reason.find("master of 5461 slots"), std::string::npos) << r.reason;
}

TEST(Readiness, AReplicaIsReadyOnlyOnceItsLinkIsUp) {
  ObservedNode replica = Settled().nodes[3];
  replica.replication_link_up = true;
  EXPECT_TRUE(JudgeReadiness(replica, true).ready);
  replica.replication_link_up = false;  // still in its first full sync
  auto r = JudgeReadiness(replica, true);
  EXPECT_FALSE(r.ready);
  EXPECT_NE(r.reason.find("sync"), std::string::npos) << r.reason;
}

TEST(Readiness, AnEmptyPodBackInAnExistingClusterIsNotReady) {
  // The rolling-update case: the replaced pod came back without data; the
  // rollout must not go on to stop its shard's master until it has joined and synced.
  Observation obs = Build(6, {PodSpec(0, "M", "0-16383"), PodSpec(1, "-")});
  auto r = JudgeReadiness(obs.nodes[1], /*cluster_exists=*/true);
  EXPECT_FALSE(r.ready);
  EXPECT_NE(r.reason.find("not part of the cluster"), std::string::npos) << r.reason;
}

TEST(Readiness, BeforeTheClusterExistsEveryAnsweringNodeIsReady) {
  Observation obs = Build(6, {PodSpec(0, "-"), PodSpec(1, "-")});
  EXPECT_TRUE(JudgeReadiness(obs.nodes[0], /*cluster_exists=*/false).ready);
}

TEST(Readiness, AnUnreachableRedisIsNotReady) {
  ObservedNode node = Settled().nodes[0];
  node.reachable = false;
  node.error = "connection refused";
  auto r = JudgeReadiness(node, true);
  EXPECT_FALSE(r.ready);
  EXPECT_NE(r.reason.find("connection refused"), std::string::npos) << r.reason;
}

TEST(Readiness, AMasterWithoutSlotsWaitsForARole) {
  Observation obs = Build(8, {PodSpec(0, "M", "0-16383"), PodSpec(6, "M", "")});
  EXPECT_FALSE(JudgeReadiness(obs.nodes[1], true).ready);
}

}  // namespace
}  // namespace rc::agent
