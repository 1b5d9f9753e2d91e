// The planner: fewest moves to within one slot of each weighted share,
// deterministic, refuses inconsistent clusters.
#include "agent/engine/planner.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "tests/unit/agent/engine/topology_builder.h"

namespace rc::engine {
namespace {

using testing::Apply;
using testing::TestId;
using testing::TopologyBuilder;

Topology ThreeMastersPlusEmpty() {
  auto r = SplitEvenly(3);
  return TopologyBuilder()
      .Master(0, SlotSet::Of({r[0]}), true)
      .Master(1, SlotSet::Of({r[1]}))
      .Master(2, SlotSet::Of({r[2]}))
      .Master(3, SlotSet())
      .Replica(4, 0)
      .Build();
}

std::map<std::string, int> CountsAfter(const Topology& t) {
  std::map<std::string, int> out;
  for (const auto& n : t.nodes())
    if (n.IsMaster()) out[n.id] = n.slots.Count();
  return out;
}

TEST(PlannerTest, GivenAnEmptyMasterAndUseEmptyMastersMovesExactlyItsShare) {
  Topology topo = ThreeMastersPlusEmpty();
  PlanOptions options;
  options.use_empty_masters = true;
  auto plan = PlanRebalance(topo, options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->moves.size(), 4096u);  // 16384 / 4: nothing more
  for (const auto& m : plan->moves) EXPECT_EQ(m.to_id, TestId(3));
  auto after = CountsAfter(Apply(topo, *plan));
  for (const auto& [id, count] : after) EXPECT_EQ(count, 4096) << id;
  EXPECT_TRUE(IsBalanced(Apply(topo, *plan), options));
  EXPECT_EQ(plan->slots_after.at(TestId(3)), 4096);
}

TEST(PlannerTest, WithoutUseEmptyMastersAnEvenClusterNeedsNoMove) {
  auto plan = PlanRebalance(ThreeMastersPlusEmpty(), PlanOptions{});
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
  EXPECT_TRUE(IsBalanced(ThreeMastersPlusEmpty(), PlanOptions{}));
}

TEST(PlannerTest, IsDeterministic) {
  PlanOptions options;
  options.use_empty_masters = true;
  auto a = PlanRebalance(ThreeMastersPlusEmpty(), options);
  auto b = PlanRebalance(ThreeMastersPlusEmpty(), options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->moves, b->moves);
}

TEST(PlannerTest, MastersWithinOneSlotOfTheirShareAreLeftAlone) {
  // 5461 / 5462 / 5461: each within one slot of 5461.33.
  Topology topo = TopologyBuilder()
                      .Master(0, SlotSet::Of({{0, 5460}}))
                      .Master(1, SlotSet::Of({{5461, 10922}}))
                      .Master(2, SlotSet::Of({{10923, 16383}}))
                      .Build();
  auto plan = PlanRebalance(topo, PlanOptions{});
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty()) << plan->Summary();
}

TEST(PlannerTest, TakesTheFewestMovesFromAnUnevenCluster) {
  // 10000 / 6000 / 384 -> about 5461 each: 4539 + 539 slots leave the first two.
  Topology topo = TopologyBuilder()
                      .Master(0, SlotSet::Of({{0, 9999}}))
                      .Master(1, SlotSet::Of({{10000, 15999}}))
                      .Master(2, SlotSet::Of({{16000, 16383}}))
                      .Build();
  auto plan = PlanRebalance(topo, PlanOptions{});
  ASSERT_TRUE(plan.ok());
  // Receiver needs at least 5461 - 384 = 5077 slots; no more should move.
  EXPECT_EQ(plan->moves.size(), 5077u);
  EXPECT_TRUE(IsBalanced(Apply(topo, *plan), PlanOptions{}));
}

TEST(PlannerTest, WeightZeroDrainsAMaster) {
  Topology topo = ThreeMastersPlusEmpty();
  PlanOptions options;
  options.weights[TestId(0)] = 0;
  auto plan = PlanRebalance(topo, options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto after = CountsAfter(Apply(topo, *plan));
  EXPECT_EQ(after[TestId(0)], 0);
  EXPECT_EQ(after[TestId(1)] + after[TestId(2)], 16384);
  EXPECT_LE(std::abs(after[TestId(1)] - after[TestId(2)]), 1);
  EXPECT_EQ(after[TestId(3)], 0);  // empty master not used without use_empty_masters
}

TEST(PlannerTest, WeightsSplitSlotsProportionally) {
  Topology topo = ThreeMastersPlusEmpty();
  PlanOptions options;
  options.use_empty_masters = true;
  options.weights[TestId(0)] = 2;
  auto plan = PlanRebalance(topo, options);
  ASSERT_TRUE(plan.ok());
  auto after = CountsAfter(Apply(topo, *plan));
  EXPECT_NEAR(after[TestId(0)], 16384 * 2 / 5.0, 1);
  EXPECT_NEAR(after[TestId(3)], 16384 / 5.0, 1);
  EXPECT_TRUE(IsBalanced(Apply(topo, *plan), options));
}

// Slots per master and ranges per master of a topology.
std::map<std::string, int> RangesAfter(const Topology& t) {
  std::map<std::string, int> out;
  for (const auto& n : t.nodes())
    if (n.IsMaster()) out[n.id] = static_cast<int>(n.slots.Ranges().size());
  return out;
}

long long KeysOn(const Topology& t, const std::string& id, const std::vector<long long>& keys) {
  long long sum = 0;
  for (int s : t.FindById(id)->slots.Slots()) sum += keys[static_cast<size_t>(s)];
  return sum;
}

// The agent's scale-in: leaving masters get weight 0.
PlanOptions Leaving(const std::string& id) {
  PlanOptions o;
  o.use_empty_masters = true;
  o.weights[id] = 0;
  return o;
}

TEST(PlannerTest, GivenThreeToFourTheNewMasterGetsOneRunPerDonorAndItsShareOfTheKeys) {
  Topology topo = ThreeMastersPlusEmpty();
  std::mt19937 rng(3);
  std::vector<long long> keys(kSlotCount);
  for (auto& k : keys) k = 50 + static_cast<long long>(rng() % 21);  // 50..70, hash noise
  PlanOptions options;
  options.use_empty_masters = true;
  auto plan = PlanRebalance(topo, options, keys);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  Topology after = Apply(topo, *plan);
  auto ranges = RangesAfter(after);
  EXPECT_LE(ranges[TestId(3)], 3);  // at most one new range per donor
  for (int m = 0; m < 3; ++m) EXPECT_EQ(ranges[TestId(m)], 1) << m;  // donors stay whole
  long long total = 0;
  for (long long k : keys) total += k;
  const double share = static_cast<double>(KeysOn(after, TestId(3), keys)) / (total / 4.0);
  EXPECT_NEAR(share, 1.0, 0.03);
  EXPECT_EQ(plan->KnownKeys(), KeysOn(after, TestId(3), keys));
}

TEST(PlannerTest, LightSlotsAreNotPreferredOverTheDataShare) {
  // Two masters, one new; the lowest 2731 slots hold 1 key each, the rest 100.
  Topology topo = TopologyBuilder()
                      .Master(0, SlotSet::Of({{0, 8191}}))
                      .Master(1, SlotSet::Of({{8192, 16383}}))
                      .Master(2, SlotSet())
                      .Build();
  std::vector<long long> keys(kSlotCount, 100);
  for (int s = 0; s <= 2730; ++s) keys[static_cast<size_t>(s)] = 1;
  PlanOptions options;
  options.use_empty_masters = true;
  auto plan = PlanRebalance(topo, options, keys);
  ASSERT_TRUE(plan.ok());
  for (const auto& m : plan->moves) EXPECT_GT(m.slot, 2730) << "took a light slot";
  Topology after = Apply(topo, *plan);
  EXPECT_EQ(RangesAfter(after)[TestId(2)], 1);  // both donors' runs meet in one range
  EXPECT_GT(KeysOn(after, TestId(2), keys), 5000 * 100);
}

TEST(PlannerTest, ScalingOutAndBackInTenTimesKeepsOneRangePerMaster) {
  Topology topo = ThreeMastersPlusEmpty();
  PlanOptions out;
  out.use_empty_masters = true;
  for (int cycle = 0; cycle < 10; ++cycle) {
    auto grow = PlanRebalance(topo, out);
    ASSERT_TRUE(grow.ok()) << grow.status().ToString();
    topo = Apply(topo, *grow);
    for (const auto& [id, n] : RangesAfter(topo)) EXPECT_LE(n, 3) << "cycle " << cycle << " " << id;
    auto shrink = PlanRebalance(topo, Leaving(TestId(3)));
    ASSERT_TRUE(shrink.ok()) << shrink.status().ToString();
    topo = Apply(topo, *shrink);
    auto ranges = RangesAfter(topo);
    EXPECT_EQ(ranges[TestId(3)], 0);
    for (int m = 0; m < 3; ++m) EXPECT_EQ(ranges[TestId(m)], 1) << "cycle " << cycle << " " << m;
    EXPECT_TRUE(IsBalanced(topo, PlanOptions{}));
  }
}

TEST(PlannerTest, ScaleOutThenDrainOfTheNewMasterLeavesOneRangeEach) {
  // redis-cli --cluster create's layout, a rebalance onto a new master, then
  // `drain` of it (PlanDrain, not the weight-0 rebalance the agent uses).
  std::mt19937 rng(11);
  std::vector<long long> keys(kSlotCount);
  for (auto& k : keys) k = 40 + static_cast<long long>(rng() % 41);
  for (int rotate = 0; rotate < 4; ++rotate) {
    auto r = SplitEvenly(3);
    TopologyBuilder b;
    for (int m = 0; m < 3; ++m)
      b.Master((m + rotate) % 4, SlotSet::Of({r[static_cast<size_t>(m)]}));
    b.Master((3 + rotate) % 4, SlotSet());
    Topology topo = b.Build();
    PlanOptions out;
    out.use_empty_masters = true;
    auto grow = PlanRebalance(topo, out, keys);
    ASSERT_TRUE(grow.ok());
    topo = Apply(topo, *grow);
    auto drain = PlanDrain(topo, TestId((3 + rotate) % 4), PlanOptions{}, keys);
    ASSERT_TRUE(drain.ok()) << drain.status().ToString();
    topo = Apply(topo, *drain);
    for (const auto& [id, n] : RangesAfter(topo))
      EXPECT_LE(n, 1) << "rotation " << rotate << " " << id;
  }
}

TEST(PlannerTest, GivenAStrayRangeInsideAReceiversAreaItGoesBackThere) {
  // C owns a stray run inside A's area (as a drain to the emptiest once left);
  // A is short by exactly that many slots.
  Topology topo = TopologyBuilder()
                      .Master(0, SlotSet::Of({{0, 5000}, {5101, 5461}}))
                      .Master(1, SlotSet::Of({{5462, 10922}}))
                      .Master(2, SlotSet::Of({{5001, 5100}, {10923, 16383}}))
                      .Build();
  auto plan = PlanRebalance(topo, PlanOptions{});
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->moves.size(), 100u);
  EXPECT_EQ(plan->moves.front().slot, 5001);
  EXPECT_EQ(plan->moves.back().slot, 5100);
  auto ranges = RangesAfter(Apply(topo, *plan));
  for (int m = 0; m < 3; ++m) EXPECT_EQ(ranges[TestId(m)], 1) << m;
}

TEST(PlannerTest, DrainGivesEachRangeToTheMasterBesideIt) {
  // 3 -> 4 carved the top of each donor; draining the fourth puts it back.
  Topology topo = TopologyBuilder()
                      .Master(0, SlotSet::Of({{0, 4095}}))
                      .Master(1, SlotSet::Of({{5461, 9556}}))
                      .Master(2, SlotSet::Of({{10923, 15018}}))
                      .Master(3, SlotSet::Of({{4096, 5460}, {9557, 10922}, {15019, 16383}}))
                      .Build();
  auto plan = PlanDrain(topo, TestId(3));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto ranges = RangesAfter(Apply(topo, *plan));
  for (int m = 0; m < 3; ++m) EXPECT_EQ(ranges[TestId(m)], 1) << m;
}

TEST(PlannerTest, RefusesOpenSlotsUncoveredSlotsAndFailedMasters) {
  Topology open = ThreeMastersPlusEmpty();
  open.mutable_nodes()[0].migrating[5] = TestId(1);
  EXPECT_EQ(PlanRebalance(open, PlanOptions{}).status().code(), ErrorCode::kFailedPrecondition);

  Topology uncovered = ThreeMastersPlusEmpty();
  uncovered.mutable_nodes()[1].slots.Remove(7000);
  auto r = PlanRebalance(uncovered, PlanOptions{});
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("not covered"), std::string::npos);

  Topology failed = ThreeMastersPlusEmpty();
  failed.mutable_nodes()[2].flags.fail = true;
  EXPECT_EQ(PlanRebalance(failed, PlanOptions{}).status().code(), ErrorCode::kFailedPrecondition);
}

TEST(PlannerTest, RejectsWeightsForUnknownNodesAndNegativeWeights) {
  PlanOptions unknown;
  unknown.weights[TestId(42)] = 1;
  EXPECT_EQ(PlanRebalance(ThreeMastersPlusEmpty(), unknown).status().code(),
            ErrorCode::kInvalidArgument);
  PlanOptions negative;
  negative.weights[TestId(0)] = -1;
  EXPECT_EQ(PlanRebalance(ThreeMastersPlusEmpty(), negative).status().code(),
            ErrorCode::kInvalidArgument);
  PlanOptions replica;
  replica.weights[TestId(4)] = 1;
  EXPECT_EQ(PlanRebalance(ThreeMastersPlusEmpty(), replica).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(PlannerTest, DrainMovesEverySlotOffAndFillsTheEmptiestFirst) {
  // 8000 / 4000 / 4384: draining the first gives most to the others evenly.
  Topology topo = TopologyBuilder()
                      .Master(0, SlotSet::Of({{0, 7999}}))
                      .Master(1, SlotSet::Of({{8000, 11999}}))
                      .Master(2, SlotSet::Of({{12000, 16383}}))
                      .Build();
  auto plan = PlanDrain(topo, TestId(0));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->moves.size(), 8000u);
  auto after = CountsAfter(Apply(topo, *plan));
  EXPECT_EQ(after[TestId(0)], 0);
  EXPECT_EQ(after[TestId(1)], 8192);
  EXPECT_EQ(after[TestId(2)], 8192);
}

TEST(PlannerTest, DrainNeedsAnotherMasterAndAMaster) {
  Topology one = TopologyBuilder()
                     .Master(0, SlotSet::Of({{0, 16383}}))
                     .Master(1, SlotSet())
                     .Replica(2, 0)
                     .Build();
  EXPECT_EQ(PlanDrain(one, TestId(0)).status().code(), ErrorCode::kFailedPrecondition);
  PlanOptions use_empty;
  use_empty.use_empty_masters = true;
  auto plan = PlanDrain(one, TestId(0), use_empty);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->moves.size(), 16384u);
  EXPECT_EQ(PlanDrain(one, TestId(2)).status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(PlanDrain(one, TestId(9)).status().code(), ErrorCode::kNotFound);
}

TEST(PlannerTest, AnyRandomLayoutEndsBalancedWithTheFewestMoves) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    int masters = 2 + static_cast<int>(rng() % 7);
    std::vector<int> cuts;
    for (int i = 0; i < masters - 1; ++i) cuts.push_back(static_cast<int>(rng() % kSlotCount));
    std::sort(cuts.begin(), cuts.end());
    cuts.push_back(kSlotCount);
    TopologyBuilder b;
    int start = 0;
    for (int i = 0; i < masters; ++i) {
      SlotSet s;
      if (cuts[static_cast<size_t>(i)] > start)
        s.AddRange({start, cuts[static_cast<size_t>(i)] - 1});
      start = std::max(start, cuts[static_cast<size_t>(i)]);
      b.Master(i, s);
    }
    PlanOptions options;
    options.use_empty_masters = true;
    if (round % 3 == 0) options.weights[TestId(0)] = static_cast<double>(rng() % 4);
    Topology topo = b.Build();
    auto plan = PlanRebalance(topo, options);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_TRUE(IsBalanced(Apply(topo, *plan), options)) << "round " << round;
    // Fewest moves: what the donors hold above their band's upper edge or the
    // receivers lack below its lower edge, plus at most the one slot per master
    // its band allows, taken only to move a whole range.
    auto targets = ComputeTargets(topo, options);
    ASSERT_TRUE(targets.ok());
    int lower_bound = 0;
    for (const auto& t : *targets) lower_bound += std::max(0, t.current - t.high);
    int recv_bound = 0;
    for (const auto& t : *targets) recv_bound += std::max(0, t.low - t.current);
    const int fewest = std::max(lower_bound, recv_bound);
    EXPECT_GE(static_cast<int>(plan->moves.size()), fewest) << "round " << round;
    EXPECT_LE(static_cast<int>(plan->moves.size()), fewest + masters) << "round " << round;
    // Ranges: a donor never gains one; a receiver gains at most one per donor.
    auto before = RangesAfter(topo), after = RangesAfter(Apply(topo, *plan));
    std::map<std::string, int> gave;
    for (const auto& m : plan->moves) gave[m.from_id] = 1;
    for (const auto& [id, n] : after) {
      if (gave.count(id)) {
        EXPECT_LE(n, before[id]) << "round " << round << " donor " << id;
      } else {
        EXPECT_LE(n, before[id] + static_cast<int>(gave.size())) << "round " << round << " " << id;
      }
    }
  }
}

}  // namespace
}  // namespace rc::engine
