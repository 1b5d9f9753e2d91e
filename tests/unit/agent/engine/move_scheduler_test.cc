// MoveScheduler: which slots go next and how many at once, so that clients
// meet a new node through MOVED before any ASK can name it.
#include "agent/engine/move_scheduler.h"

#include <gtest/gtest.h>

#include "tests/unit/agent/engine/topology_builder.h"

namespace rc::engine {
namespace {

using testing::TestId;
using testing::TopologyBuilder;
using Clock = MoveScheduler::Clock;
using namespace std::chrono_literals;

MigrationPlan Moves(int from, int to, int first, int last) {
  MigrationPlan plan;
  for (int s = first; s <= last; ++s) plan.moves.push_back({s, TestId(from), TestId(to), -1});
  return plan;
}

Topology ThreeMastersAndANewOne() {
  return TopologyBuilder()
      .Master(0, SlotSet::Of({{0, 5460}}))
      .Master(1, SlotSet::Of({{5461, 10922}}))
      .Master(2, SlotSet::Of({{10923, 16383}}))
      .Master(3, SlotSet())
      .Build();
}

TEST(MoveSchedulerTest, AKnownTargetGetsFullGroupsAtOnce) {
  ScheduleOptions o;
  o.slots_in_flight = 512;
  o.units_per_source = 2;
  o.units_per_target = 2;  // what --fast sets (both to the workers)
  MoveScheduler s(ThreeMastersAndANewOne(), Moves(0, 1, 0, 1199), o);
  MoveUnit a, b, c;
  Clock::time_point retry;
  const auto now = Clock::now();
  ASSERT_EQ(s.Next(now, &a, &retry), MoveScheduler::Step::kUnit);
  ASSERT_EQ(s.Next(now, &b, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(a.slots.size(), 512u);
  EXPECT_EQ(b.slots.size(), 512u);
  EXPECT_EQ(a.slots.front(), 0);
  EXPECT_EQ(b.slots.front(), 512);
  // Two units out of node 0 (and into node 1) are open: a third waits for one of them.
  EXPECT_EQ(s.Next(now, &c, &retry), MoveScheduler::Step::kWait);
  s.Done(a, 512, now);
  ASSERT_EQ(s.Next(now, &c, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(c.slots.size(), 176u);
  EXPECT_EQ(s.Next(now, &c, &retry), MoveScheduler::Step::kDone);
}

TEST(MoveSchedulerTest, OneTargetTakesOneUnitAtATimeByDefault) {
  // Three donors, one known target: each group's MIGRATEs make the target's
  // clients wait, so by default only one group moves into it at a time.
  MigrationPlan plan = Moves(0, 3, 0, 9);
  for (const auto& m : Moves(1, 3, 5461, 5470).moves) plan.moves.push_back(m);
  Topology topo = TopologyBuilder()
                      .Master(0, SlotSet::Of({{0, 5460}}))
                      .Master(1, SlotSet::Of({{5461, 10922}}))
                      .Master(3, SlotSet::Of({{10923, 16383}}))
                      .Build();
  MoveScheduler s(topo, plan, ScheduleOptions{});
  MoveUnit a, b;
  Clock::time_point retry;
  const auto now = Clock::now();
  ASSERT_EQ(s.Next(now, &a, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(a.slots.size(), 4u);
  EXPECT_EQ(s.Next(now, &b, &retry), MoveScheduler::Step::kWait);
  s.Done(a, 4, now);
  ASSERT_EQ(s.Next(now, &b, &retry), MoveScheduler::Step::kUnit);
  EXPECT_NE(a.from_id, b.from_id);  // the other donor's turn
}

TEST(MoveSchedulerTest, OneSourceMovesOneUnitAtATimeByDefault) {
  // A drain: one source, three targets. Its clients wait for every MIGRATE,
  // so two workers must not both be moving out of it.
  MigrationPlan plan = Moves(3, 0, 0, 99);
  for (const auto& m : Moves(3, 1, 100, 199).moves) plan.moves.push_back(m);
  Topology topo = TopologyBuilder()
                      .Master(0, SlotSet::Of({{200, 5460}}))
                      .Master(1, SlotSet::Of({{5461, 10922}}))
                      .Master(3, SlotSet::Of({{0, 199}, {10923, 16383}}))
                      .Build();
  MoveScheduler s(topo, plan, ScheduleOptions{});
  MoveUnit a, b;
  Clock::time_point retry;
  const auto now = Clock::now();
  ASSERT_EQ(s.Next(now, &a, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(s.Next(now, &b, &retry), MoveScheduler::Step::kWait);
  s.Done(a, 100, now);
  ASSERT_EQ(s.Next(now, &b, &retry), MoveScheduler::Step::kUnit);
  EXPECT_NE(a.to_id, b.to_id);
}

// Once a new target owns enough slots, each worker gets its own small group
// toward it (from distinct donors), never a bigger group: what a client risks
// is how long each slot stays open, and that grows with the group.
TEST(MoveSchedulerTest, AfterTheRampEachWorkerGetsItsOwnSmallGroupTowardANewTarget) {
  ScheduleOptions o;
  o.introduce_slots = 1;
  o.introduce_hold = 0ms;
  o.ramp_ratio = 1;
  o.slots_in_flight = 4;
  o.units_per_target = 2;
  MigrationPlan plan = Moves(0, 3, 0, 99);
  for (const auto& m : Moves(1, 3, 5461, 5560).moves) plan.moves.push_back(m);
  for (const auto& m : Moves(2, 3, 10923, 11022).moves) plan.moves.push_back(m);
  MoveScheduler s(ThreeMastersAndANewOne(), plan, o);
  auto now = Clock::now();
  MoveUnit u, a, b, c;
  Clock::time_point retry;
  ASSERT_EQ(s.Next(now, &u, &retry), MoveScheduler::Step::kUnit);  // the introduction
  ASSERT_EQ(u.slots.size(), 1u);
  s.Done(u, 1, now);
  // Owns 1: one slot at a time still.
  ASSERT_EQ(s.Next(now, &u, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(u.slots.size(), 1u);
  EXPECT_EQ(s.Next(now, &c, &retry), MoveScheduler::Step::kWait);
  s.Done(u, 1, now);
  while (s.Next(now, &u, &retry) == MoveScheduler::Step::kUnit) {  // ramp to >= 8 owned
    s.Done(u, static_cast<int>(u.slots.size()), now);
    if (s.SlotsLeft() < 280) break;
  }
  ASSERT_EQ(s.Next(now, &a, &retry), MoveScheduler::Step::kUnit);
  ASSERT_EQ(s.Next(now, &b, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(a.slots.size(), 4u);
  EXPECT_EQ(b.slots.size(), 4u);
  EXPECT_NE(a.from_id, b.from_id);
  // Two groups open toward node 3: the third donor waits.
  EXPECT_EQ(s.Next(now, &c, &retry), MoveScheduler::Step::kWait);
  s.Done(a, 4, now);
  ASSERT_EQ(s.Next(now, &c, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(c.slots.size(), 4u);
}

// A slot left for the next batch of claims answers ASK (its keys are on the
// target): toward a new target, the introduction and the ramp claim at once,
// so the slots the ramp counts as owned are claimed. Once the ramp is over,
// and toward a known target, units leave their claims to the batch.
TEST(MoveSchedulerTest, ANewTargetsFirstSlotsAndRampClaimAtOnceTheRestInBatches) {
  ScheduleOptions o;
  o.introduce_slots = 2;
  o.introduce_gap = 0ms;
  o.introduce_hold = 0ms;
  o.ramp_ratio = 4;
  o.slots_in_flight = 4;  // the ramp ends when the target owns 16 slots
  MigrationPlan plan = Moves(0, 3, 0, 99);
  for (const auto& m : Moves(1, 2, 5461, 5560).moves) plan.moves.push_back(m);
  MoveScheduler s(ThreeMastersAndANewOne(), plan, o);
  const auto now = Clock::now();
  Clock::time_point retry;
  MoveUnit u;
  int owned = 0, at_once = 0, batched = 0;
  while (s.Next(now, &u, &retry) == MoveScheduler::Step::kUnit) {
    if (u.to_id == TestId(2)) {
      EXPECT_FALSE(u.claim_now) << "a known target claims in batches";
    } else {
      EXPECT_EQ(u.claim_now, owned < 16) << "node 3 owning " << owned << " slots";
      ++(u.claim_now ? at_once : batched);
      owned += static_cast<int>(u.slots.size());
    }
    s.Done(u, static_cast<int>(u.slots.size()), now);
  }
  EXPECT_EQ(owned, 100);
  EXPECT_GE(at_once, 8);   // the 2 introductory slots, then groups of 1 to 3
  EXPECT_GE(batched, 20);  // groups of 4
}

TEST(MoveSchedulerTest, ANewTargetIsIntroducedOneSlotAtATimeWithAGapHeldThenRamps) {
  ScheduleOptions o;
  o.introduce_slots = 4;
  o.introduce_gap = 10ms;
  o.introduce_hold = 500ms;
  o.ramp_ratio = 2;
  o.slots_in_flight = 512;
  MoveScheduler s(ThreeMastersAndANewOne(), Moves(0, 3, 4096, 5460), o);
  auto now = Clock::now();
  MoveUnit u, other;
  Clock::time_point retry;
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(s.Next(now, &u, &retry), MoveScheduler::Step::kUnit) << i;
    EXPECT_EQ(u.slots, std::vector<int>{4096 + i});
    // Nothing else opens toward it while that slot is open...
    EXPECT_EQ(s.Next(now, &other, &retry), MoveScheduler::Step::kWait);
    s.Done(u, 1, now);
    // ...nor until the gap has passed.
    if (i + 1 < 4) {
      EXPECT_EQ(s.Next(now + 5ms, &other, &retry), MoveScheduler::Step::kWait);
      EXPECT_EQ(retry, now + 10ms);
    }
    now += 10ms;
  }
  // Introduced: nothing opens during the hold.
  now -= 10ms;
  EXPECT_EQ(s.Next(now + 499ms, &other, &retry), MoveScheduler::Step::kWait);
  EXPECT_EQ(retry, now + 500ms);
  now += 500ms;
  // Owns 4: at most 4 / 2 = 2 open at once, then 6 / 2 = 3, ...
  ASSERT_EQ(s.Next(now, &u, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(u.slots.size(), 2u);
  EXPECT_EQ(s.Next(now, &other, &retry), MoveScheduler::Step::kWait);
  s.Done(u, 2, now);
  ASSERT_EQ(s.Next(now, &u, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(u.slots.size(), 3u);
  s.Done(u, 3, now);
  int owned = 9;
  while (s.Next(now, &u, &retry) == MoveScheduler::Step::kUnit) {
    EXPECT_LE(static_cast<int>(u.slots.size()), std::max(1, owned / 2));
    s.Done(u, static_cast<int>(u.slots.size()), now);
    owned += static_cast<int>(u.slots.size());
  }
  EXPECT_EQ(owned, 1365);
  EXPECT_EQ(s.SlotsLeft(), 0);
}

TEST(MoveSchedulerTest, TheIntroductionTakesTheSlotsWithTheFewestKeysFirst) {
  // Its slots are open (and ASK possible) while their keys move.
  MigrationPlan plan = Moves(0, 3, 4096, 4105);
  for (auto& m : plan.moves) m.keys = 10;
  plan.moves[7].keys = 0;  // slot 4103
  plan.moves[2].keys = 1;  // slot 4098
  ScheduleOptions o;
  o.introduce_slots = 2;
  o.introduce_gap = 0ms;
  o.introduce_hold = 0ms;
  o.ramp_ratio = 1;
  MoveScheduler s(ThreeMastersAndANewOne(), plan, o);
  const auto now = Clock::now();
  MoveUnit u;
  Clock::time_point retry;
  ASSERT_EQ(s.Next(now, &u, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(u.slots, std::vector<int>{4103});
  s.Done(u, 1, now);
  ASSERT_EQ(s.Next(now, &u, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(u.slots, std::vector<int>{4098});
  s.Done(u, 1, now);
  // Introduced: the rest in slot order, each slot once.
  std::vector<int> rest;
  while (s.Next(now, &u, &retry) == MoveScheduler::Step::kUnit) {
    rest.insert(rest.end(), u.slots.begin(), u.slots.end());
    s.Done(u, static_cast<int>(u.slots.size()), now);
  }
  EXPECT_EQ(rest, (std::vector<int>{4096, 4097, 4099, 4100, 4101, 4102, 4104, 4105}));
}

TEST(MoveSchedulerTest, TwoDonorsToANewTargetNeverIntroduceItTwiceAtOnce) {
  MigrationPlan plan = Moves(0, 3, 4096, 5460);
  for (const auto& m : Moves(1, 3, 5461, 6826).moves) plan.moves.push_back(m);
  ScheduleOptions o;
  o.introduce_slots = 3;
  o.introduce_gap = 0ms;
  o.introduce_hold = 0ms;
  MoveScheduler s(ThreeMastersAndANewOne(), plan, o);
  const auto now = Clock::now();
  MoveUnit u, other;
  Clock::time_point retry;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(s.Next(now, &u, &retry), MoveScheduler::Step::kUnit);
    EXPECT_EQ(u.slots.size(), 1u);
    EXPECT_EQ(s.Next(now, &other, &retry), MoveScheduler::Step::kWait) << i;
    s.Done(u, 1, now);
  }
}

TEST(MoveSchedulerTest, AFailedIntroductionSlotDoesNotCountAsKnown) {
  ScheduleOptions o;
  o.introduce_slots = 1;
  o.introduce_gap = 0ms;
  o.introduce_hold = 0ms;
  MoveScheduler s(ThreeMastersAndANewOne(), Moves(0, 3, 4096, 4199), o);
  const auto now = Clock::now();
  MoveUnit u;
  Clock::time_point retry;
  ASSERT_EQ(s.Next(now, &u, &retry), MoveScheduler::Step::kUnit);
  s.Done(u, 0, now);  // failed: still nothing owned
  ASSERT_EQ(s.Next(now, &u, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(u.slots.size(), 1u);
}

TEST(MoveSchedulerTest, DropTakesBackWhatANodeThatWentAwayHadLeft) {
  MigrationPlan plan = Moves(0, 1, 0, 9);
  for (const auto& m : Moves(2, 1, 10923, 10932).moves) plan.moves.push_back(m);
  ScheduleOptions o;
  o.slots_in_flight = 4;
  MoveScheduler s(ThreeMastersAndANewOne(), plan, o);
  MoveUnit u;
  Clock::time_point retry;
  ASSERT_EQ(s.Next(Clock::now(), &u, &retry), MoveScheduler::Step::kUnit);
  EXPECT_EQ(u.from_id, TestId(0));
  EXPECT_EQ(s.Drop(TestId(0)).size(), 6u);
  EXPECT_EQ(s.SlotsLeft(), 10);
  while (s.Next(Clock::now(), &u, &retry) == MoveScheduler::Step::kUnit)
    EXPECT_EQ(u.from_id, TestId(2));
}

}  // namespace
}  // namespace rc::engine
