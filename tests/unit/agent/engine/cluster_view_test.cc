// ClusterView from a fake cluster: agreement, disagreement, open slots,
// unreachable masters, uncovered slots, per-slot key counts, node lookup.
#include "agent/engine/cluster_view.h"

#include <gtest/gtest.h>

#include "tests/unit/agent/engine/fake_cluster_test_util.h"

namespace rc::engine {
namespace {

using rc::testing::FakeConnector;
using rc::testing::FakeRedisCluster;
using testing::BuildThreeMasters;

class ClusterViewTest : public ::testing::Test {
 protected:
  void SetUp() override { BuildThreeMasters(cluster_, 1); }
  ClusterView Observe(ObserveOptions o = {}) {
    auto v = ObserveCluster(connector_, "10.0.0.1:6379", o);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return *v;
  }
  FakeRedisCluster cluster_;
  FakeConnector connector_{cluster_};
};

TEST_F(ClusterViewTest, AnAgreeingClusterIsConsistent) {
  ClusterView v = Observe();
  EXPECT_TRUE(v.Consistent());
  EXPECT_TRUE(v.owners_agree);
  EXPECT_EQ(v.nodes.size(), 4u);
  EXPECT_EQ(v.nodes.front().address, "10.0.0.1:6379");
  EXPECT_EQ(v.Masters().size(), 4u);
  EXPECT_TRUE(v.uncovered.Empty());
  EXPECT_TRUE(v.slot_keys.empty());
}

TEST_F(ClusterViewTest, ANodeThatMapsASlotDifferentlyIsADisagreement) {
  cluster_.node(2).owners[5] = cluster_.node(1).id;
  ClusterView v = Observe();
  EXPECT_FALSE(v.owners_agree);
  ASSERT_EQ(v.disagreements.size(), 1u);
  EXPECT_NE(v.disagreements[0].find("10.0.0.3:6379"), std::string::npos) << v.disagreements[0];
  EXPECT_NE(v.disagreements[0].find("slot 5"), std::string::npos);
  EXPECT_FALSE(v.Consistent());
}

TEST_F(ClusterViewTest, AnUnreachableMasterWithSlotsIsAProblem) {
  cluster_.node(2).up = false;
  ClusterView v = Observe();
  ASSERT_EQ(v.unreachable.size(), 1u);
  EXPECT_EQ(v.unreachable[0], "10.0.0.3:6379");
  ASSERT_EQ(v.UnreachableMastersWithSlots().size(), 1u);
  EXPECT_EQ(v.UnreachableMastersWithSlots()[0], cluster_.node(2).id);
  ASSERT_FALSE(v.Problems().empty());
  EXPECT_NE(v.Problems()[0].find("10.0.0.3:6379"), std::string::npos) << v.Problems()[0];
}

TEST_F(ClusterViewTest, AnUnreachableSeedFails) {
  cluster_.node(0).up = false;
  EXPECT_EQ(ObserveCluster(connector_, "10.0.0.1:6379").status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(ObserveCluster(connector_, "not-an-address").status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(ClusterViewTest, OpenSlotsAreCollectedFromEveryNode) {
  cluster_.node(0).migrating[10] = cluster_.node(3).id;
  cluster_.node(3).importing[10] = cluster_.node(0).id;
  cluster_.node(3).importing[11] = cluster_.node(0).id;
  ClusterView v = Observe();
  ASSERT_EQ(v.open_slots.size(), 2u);
  EXPECT_EQ(v.open_slots[0].slot, 10);
  EXPECT_EQ(v.open_slots[0].migrating.at(cluster_.node(0).id), cluster_.node(3).id);
  EXPECT_EQ(v.open_slots[0].importing.at(cluster_.node(3).id), cluster_.node(0).id);
  EXPECT_EQ(v.open_slots[1].slot, 11);
  EXPECT_FALSE(v.Consistent());
  EXPECT_NE(v.Problems()[0].find("2 open slot(s)"), std::string::npos) << v.Problems()[0];
}

TEST_F(ClusterViewTest, UncoveredSlotsAreReported) {
  for (int i = 0; i < cluster_.size(); ++i) cluster_.node(i).owners[7] = "";
  ClusterView v = Observe();
  EXPECT_TRUE(v.uncovered.Contains(7));
  EXPECT_EQ(v.uncovered.Count(), 1);
  EXPECT_NE(v.Problems().back().find("not covered"), std::string::npos);
}

TEST_F(ClusterViewTest, KeyCountsPerSlotWhenAsked) {
  cluster_.FillOwned(1000);
  ObserveOptions o;
  o.count_keys_per_slot = true;
  ClusterView v = Observe(o);
  ASSERT_EQ(v.slot_keys.size(), static_cast<size_t>(kSlotCount));
  long long total = 0;
  for (long long k : v.slot_keys) total += k;
  EXPECT_EQ(total, 1000);
  EXPECT_EQ(v.slot_keys[static_cast<size_t>(KeySlot("k:0"))] >= 1, true);
}

TEST_F(ClusterViewTest, ResolvesNodesByIdPrefixOrAddress) {
  ClusterView v = Observe();
  EXPECT_EQ(*ResolveNode(v, "10.0.0.2:6379"), cluster_.node(1).id);
  EXPECT_EQ(*ResolveNode(v, cluster_.node(2).id), cluster_.node(2).id);
  EXPECT_EQ(ResolveNode(v, "10.9.9.9:6379").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(ResolveNode(v, "0000").status().code(), ErrorCode::kInvalidArgument);  // ambiguous
  EXPECT_EQ(ResolveNode(v, "ab").status().code(), ErrorCode::kInvalidArgument);    // too short
}

}  // namespace
}  // namespace rc::engine
