// stale_imports (pure): which slots a node counts as uncovered, and which
// imports are stale (their source died and its replica took the slot over),
// on ClusterViews built by hand. A unit test (label "unit") kept next to the
// integration test of the same case (failover_open_slots_test.cc).
#include "agent/engine/stale_imports.h"

#include <gtest/gtest.h>

#include "tests/unit/agent/engine/topology_builder.h"

namespace rc::engine {
namespace {

using testing::TestId;
using testing::TopologyBuilder;

// A (0) owns all but 5-9, X (1) owned 5-9 and died, R (2) was its replica, T (3) is
// the target, importing slot 7 from X.
constexpr int kA = 0, kX = 1, kR = 2, kT = 3;

NodeView Reachable(int i, Topology topology) {
  NodeView v;
  v.address = "10.0.0." + std::to_string(i + 1) + ":6379";
  v.id = TestId(i);
  v.reachable = true;
  v.topology = std::move(topology);
  v.cluster_state_ok = true;
  return v;
}

NodeView Dead(int i) {
  NodeView v;
  v.address = "10.0.0." + std::to_string(i + 1) + ":6379";
  v.error = "connect: Connection refused";
  return v;
}

class StaleImportsTest : public ::testing::Test {
 protected:
  // The views of A, R and T (X is dead and flagged failed by all). With
  // `failed_over`, R has won the election and claims X's slots; T accepted the
  // claim for every slot but the one it imports.
  ClusterView View(bool failed_over) {
    auto build = [&](int me) {
      TopologyBuilder b;
      b.Master(kA, SlotSet::Of({{0, 4}, {10, 16383}}), me == kA);
      SlotSet x_slots = SlotSet::Of({{5, 9}});
      if (failed_over) x_slots = me == kT ? SlotSet::Of({{7, 7}}) : SlotSet();
      b.Master(kX, x_slots);
      b.Last().flags.fail = true;
      if (failed_over) {
        SlotSet r_slots = SlotSet::Of({{5, 9}});
        if (me == kT) r_slots.Remove(7);
        b.Master(kR, r_slots, me == kR);
      } else {
        b.Replica(kR, kX);
        b.Last().flags.myself = me == kR;
      }
      b.Master(kT, SlotSet(), me == kT);
      if (me == kT) b.Last().importing[7] = TestId(kX);
      return b.Build();
    };
    std::vector<NodeView> nodes = {Reachable(kA, build(kA)), Dead(kX), Reachable(kR, build(kR)),
                                   Reachable(kT, build(kT))};
    nodes[3].cluster_state_ok = false;
    return BuildClusterView("10.0.0.1:6379", std::move(nodes));
  }
};

TEST_F(StaleImportsTest, AnImportFromADeadMasterWhoseReplicaTookOverIsStale) {
  ClusterView v = View(true);
  auto stale = FindStaleImports(v);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].node_id, TestId(kT));
  EXPECT_EQ(stale[0].address, "10.0.0.4:6379");
  EXPECT_EQ(stale[0].slot, 7);
  EXPECT_EQ(stale[0].dead_source, TestId(kX));
  EXPECT_EQ(stale[0].owner, TestId(kR));
  EXPECT_EQ(stale[0].owner_address, "10.0.0.3:6379");
  EXPECT_TRUE(DownOnlyByStaleImports(v.nodes[3], stale));
}

TEST_F(StaleImportsTest, BeforeTheFailoverNothingIsStaleAndTheEngineWaits) {
  ClusterView v = View(false);
  auto stale = FindStaleImports(v);
  EXPECT_TRUE(stale.empty());
  EXPECT_FALSE(DownOnlyByStaleImports(v.nodes[3], stale));
  DownSlots down = DownSlotsOf(v.nodes[3].topology);
  EXPECT_EQ(down.All(), SlotSet::Of({{5, 9}}));
  EXPECT_NE(down.Describe().find("5 slot(s) (5-9) owned by failed node 00000000"),
            std::string::npos)
      << down.Describe();
}

TEST_F(StaleImportsTest, AnImportFromAReachableSourceIsNotStale) {
  ClusterView v = View(true);
  v.nodes[1] = Reachable(kX, v.nodes[0].topology);  // answers again (as a stale master)
  v.nodes[1].topology.mutable_nodes()[0].flags.myself = false;
  v.nodes[1].topology.mutable_nodes()[1].flags.myself = true;
  v = BuildClusterView(v.seed, v.nodes);
  EXPECT_TRUE(FindStaleImports(v).empty());
}

TEST_F(StaleImportsTest, TwoLiveClaimantsAreNotResolvedHere) {
  ClusterView v = View(true);
  for (auto& n : v.nodes[0].topology.mutable_nodes())
    if (n.flags.myself) n.slots.Add(7);  // A claims slot 7 as well
  v = BuildClusterView(v.seed, v.nodes);
  EXPECT_TRUE(FindStaleImports(v).empty());
}

TEST_F(StaleImportsTest, ANodeDownForAnotherReasonTooIsNotDownOnlyByStaleImports) {
  ClusterView v = View(true);
  for (auto& n : v.nodes[3].topology.mutable_nodes())
    if (n.id == TestId(kA)) n.slots.Remove(3);  // T also sees slot 3 unassigned
  v = BuildClusterView(v.seed, v.nodes);
  auto stale = FindStaleImports(v);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_FALSE(DownOnlyByStaleImports(v.nodes[3], stale));
  const std::string why = DownSlotsOf(v.nodes[3].topology).Describe();
  EXPECT_NE(why.find("1 slot(s) (3) unassigned"), std::string::npos) << why;
}

TEST(DownSlotsTest, OnlyFailNotPfailUncoversASlot) {
  TopologyBuilder b;
  b.Master(0, SlotSet::Of({{0, 8191}}), true);
  b.Master(1, SlotSet::Of({{8192, 16383}}));
  b.Last().flags.pfail = true;
  EXPECT_TRUE(DownSlotsOf(b.Build()).Empty());
  EXPECT_EQ(DownSlotsOf(b.Build()).Describe(), "no uncovered slot in its view");
  b.Last().flags.fail = true;
  EXPECT_EQ(DownSlotsOf(b.Build()).All().Count(), 8192);
}

}  // namespace
}  // namespace rc::engine
