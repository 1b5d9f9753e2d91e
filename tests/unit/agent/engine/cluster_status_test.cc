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

TEST(ClusterStatusTest, TheVerdictGivesTheKeyBalanceAndEachMasterItsRanges) {
  // Even slots; keys 200 / 100 / 0 on the three masters (put by hand, so that
  // the counts are exact): the worst is 100 from an even 100, i.e. 100%.
  FakeRedisCluster cluster;
  for (int i = 0; i < 3; ++i) cluster.AddNode("10.0.0." + std::to_string(i + 1));
  cluster.AssignSlots(0, 0, 5460);
  cluster.AssignSlots(1, 5461, 10921);
  cluster.AssignSlots(2, 10922, 16383);
  for (int i = 0; i < 200; ++i) cluster.PutKey(0, "a" + std::to_string(i), "v");
  for (int i = 0; i < 100; ++i) cluster.PutKey(1, "b" + std::to_string(i), "v");
  ClusterStatus st = StatusOf(cluster);
  EXPECT_TRUE(st.balanced);
  EXPECT_DOUBLE_EQ(st.key_deviation_percent, 100.0);
  EXPECT_NE(st.verdict.find("slots balanced, keys within 100% of an even share"), std::string::npos)
      << st.verdict;
  EXPECT_NE(RenderStatusText(st).find("ranges=1"), std::string::npos);
  auto j = nlohmann::json::parse(RenderStatusJson(st));
  EXPECT_EQ(j["masters"][0]["ranges"], 1);
  EXPECT_DOUBLE_EQ(j["key_deviation_percent"].get<double>(), 100.0);

  // One more key each on the lighter two: 200 / 101 / 1, an even share is
  // 302 / 3; the lightest is now the farthest from it.
  cluster.PutKey(1, "b-extra", "v");
  cluster.PutKey(2, "c-extra", "v");
  st = StatusOf(cluster);
  EXPECT_NEAR(st.key_deviation_percent, (302 / 3.0 - 1) / (302 / 3.0) * 100, 1e-9);
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
