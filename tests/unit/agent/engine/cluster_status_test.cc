// What `status` says: the verdict line first, then details; JSON for scripts.
#include "agent/engine/cluster_status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/agent/engine/fake_cluster_test_util.h"

namespace rc::engine {
namespace {

using rc::testing::FakeConnector;
using rc::testing::FakeRedisCluster;
using testing::BuildThreeMasters;

ClusterStatus StatusOf(FakeRedisCluster& cluster) {
  FakeConnector connector(cluster);
  auto v = ObserveCluster(connector, "10.0.0.1:6379");
  EXPECT_TRUE(v.ok());
  return SummarizeCluster(*v);
}

TEST(ClusterStatusTest, ABalancedConsistentClusterIsOk) {
  FakeRedisCluster cluster;
  BuildThreeMasters(cluster, 1);
  cluster.AddNode("10.0.0.9");
  cluster.MakeReplica(4, 0);
  cluster.FillOwned(300);
  ClusterStatus st = StatusOf(cluster);
  EXPECT_TRUE(st.healthy);
  EXPECT_EQ(st.verdict.rfind("OK: 3 masters with slots, 1 replicas", 0), 0u) << st.verdict;
  EXPECT_NE(st.verdict.find("1 empty master"), std::string::npos);
  EXPECT_EQ(st.total_keys, 300);
  ASSERT_EQ(st.masters.size(), 4u);
  EXPECT_EQ(st.masters[0].replicas, 1);
  std::string text = RenderStatusText(st);
  EXPECT_EQ(text.rfind(st.verdict + "\n", 0), 0u);
  EXPECT_NE(text.find("replicas:"), std::string::npos);
}

TEST(ClusterStatusTest, AnUnevenClusterIsUnbalancedAndSaysWhatToRun) {
  FakeRedisCluster cluster;
  for (int i = 0; i < 3; ++i) cluster.AddNode("10.0.0." + std::to_string(i + 1));
  cluster.AssignSlots(0, 0, 9999);
  cluster.AssignSlots(1, 10000, 15000);
  cluster.AssignSlots(2, 15001, 16383);
  ClusterStatus st = StatusOf(cluster);
  EXPECT_FALSE(st.healthy);
  EXPECT_TRUE(st.consistent);
  EXPECT_EQ(st.verdict.rfind("UNBALANCED", 0), 0u) << st.verdict;
  EXPECT_NE(st.verdict.find("rebalance --seed 10.0.0.1:6379"), std::string::npos);
}

TEST(ClusterStatusTest, OpenSlotsAndFailedNodesAreProblemsInTextAndJson) {
  FakeRedisCluster cluster;
  BuildThreeMasters(cluster, 1);
  cluster.node(0).migrating[3] = cluster.node(3).id;
  cluster.node(2).up = false;
  ClusterStatus st = StatusOf(cluster);
  EXPECT_FALSE(st.healthy);
  EXPECT_EQ(st.verdict.rfind("PROBLEM: ", 0), 0u) << st.verdict;
  EXPECT_EQ(st.problems.size(), 2u);
  std::string text = RenderStatusText(st);
  EXPECT_NE(text.find("open slots:"), std::string::npos);
  EXPECT_NE(text.find("unreachable:"), std::string::npos);
  auto j = nlohmann::json::parse(RenderStatusJson(st));
  EXPECT_FALSE(j["healthy"].get<bool>());
  EXPECT_EQ(j["open_slots"][0]["slot"].get<int>(), 3);
  EXPECT_EQ(j["unreachable"][0].get<std::string>(), "10.0.0.3:6379");
  EXPECT_EQ(j["masters"].size(), 4u);
}

}  // namespace
}  // namespace rc::engine
