// Execute() and the key mover against the fake cluster: every key moves,
// the per-slot work is pipelined, IOERR is retried, a dead target stops
// before anything is opened.
#include "agent/engine/migration_engine.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/unit/agent/engine/fake_cluster_test_util.h"

namespace rc::engine {
namespace {

using rc::testing::FakeConnector;
using rc::testing::FakeNode;
using rc::testing::FakeRedisCluster;
using testing::BuildThreeMasters;

class MigrationEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BuildThreeMasters(cluster_, /*extra_empty=*/1);
    cluster_.FillOwned(3000);
    // Slots 0..1023 (node 0's) hold many keys, so moving them moves keys.
    for (int i = 0; dense_keys_ < 6000; ++i) {
      std::string key = "d:" + std::to_string(i);
      if (KeySlot(key) < 1024) {
        cluster_.PutKey(0, key, "dense-" + std::to_string(i));
        ++dense_keys_;
      }
    }
    before_ = cluster_.AllKeys();
  }
  // Slots 0..1023 from node 0 to the empty node 3.
  MigrationPlan DensePlan() {
    MigrationPlan plan;
    for (int s = 0; s < 1024; ++s)
      plan.moves.push_back({s, cluster_.node(0).id, cluster_.node(3).id, -1});
    return plan;
  }
  // Drains node 0 the usual way (no whole moves) with `claim_gap_ms`,
  // checks that every slot moved, and returns node 1's command log.
  std::vector<RedisCommand> DrainLoggingNode1(int claim_gap_ms) {
    ClusterView view = Observe();
    auto plan = PlanDrain(view, cluster_.node(0).id);
    EXPECT_TRUE(plan.ok());
    if (!plan.ok()) return {};
    EngineOptions eo;
    eo.whole_slots = false;
    eo.claim_gap_ms = claim_gap_ms;
    MigrationEngine engine(connector_, eo);
    cluster_.ClearLog();
    auto report = engine.Execute(view, *plan, nullptr);
    EXPECT_TRUE(report.ok() && report->errors.empty());
    if (report.ok()) {
      EXPECT_EQ(report->slots_moved, static_cast<int>(plan->moves.size()));
    }
    EXPECT_EQ(KeysOn(0, 0, kSlotCount - 1), 0);
    EXPECT_TRUE(Observe().Consistent());
    return cluster_.Log(cluster_.node(1).Address());
  }

  long long KeysOn(int node, int first_slot, int last_slot) {
    long long n = 0;
    for (const auto& [k, v] : cluster_.node(node).keys)
      if (KeySlot(k) >= first_slot && KeySlot(k) <= last_slot) ++n;
    return n;
  }
  long long dense_keys_ = 0;
  ClusterView Observe() {
    ObserveOptions o;
    o.count_keys_per_slot = true;
    auto view = ObserveCluster(connector_, "10.0.0.1:6379", o);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return *view;
  }
  // Runs DensePlan() with slot 0's first three MIGRATEs answered by `error`
  // (the move must still complete); returns the MIGRATE timeouts node 0 used.
  std::set<int> MoveWithThreeFailures(const std::string& error) {
    int failures = 3;
    cluster_.set_hook([&](const FakeNode&, const RedisCommand& argv) -> std::optional<RedisReply> {
      if (argv[0] == "MIGRATE" && KeySlot(argv.back()) == 0 && failures > 0) {
        --failures;
        return RedisReply::Error(error);
      }
      return std::nullopt;
    });
    ClusterView view = Observe();
    EngineOptions options;
    options.whole_slots = false;  // the usual way's retries (whole moves: WholeMove* tests)
    MigrationEngine engine(connector_, options);
    auto report = engine.Execute(view, DensePlan(), nullptr);
    EXPECT_TRUE(report.ok() && report->errors.empty()) << error;
    EXPECT_EQ(failures, 0) << error;
    if (report.ok()) {
      EXPECT_GE(report->keys_moved, dense_keys_) << error;
    }
    cluster_.set_hook(nullptr);
    std::set<int> timeouts;
    for (const auto& cmd : cluster_.Log(cluster_.node(0).Address()))
      if (cmd[0] == "MIGRATE") timeouts.insert(std::stoi(cmd[5]));
    return timeouts;
  }
  FakeRedisCluster cluster_;
  FakeConnector connector_{cluster_};
  std::map<std::string, std::string> before_;
};

struct Recorder : ProgressListener {
  std::vector<MigrationProgress> seen;
  void OnProgress(const MigrationProgress& p) override { seen.push_back(p); }
};

TEST_F(MigrationEngineTest, ScaleOutMovesEveryPlannedSlotAndKey) {
  ClusterView view = Observe();
  PlanOptions po;
  po.use_empty_masters = true;
  auto plan = PlanRebalance(view, po);
  ASSERT_TRUE(plan.ok());
  MigrationEngine engine(connector_, EngineOptions{});
  Recorder rec;
  auto report = engine.Execute(view, *plan, &rec);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->errors.empty()) << report->errors.front();
  EXPECT_EQ(report->slots_moved, 4096);
  EXPECT_EQ(report->keys_moved, plan->KnownKeys());
  int dups = 0;
  EXPECT_EQ(cluster_.AllKeys(&dups), before_);
  EXPECT_EQ(dups, 0);
  ClusterView after = Observe();
  EXPECT_TRUE(after.Consistent());
  EXPECT_TRUE(IsBalanced(after.topology, po));
  ASSERT_FALSE(rec.seen.empty());
  EXPECT_TRUE(rec.seen.back().final);
  EXPECT_EQ(rec.seen.back().slots_done, 4096);
}

TEST_F(MigrationEngineTest, MovesEveryKeyOfDenseSlots) {
  ClusterView view = Observe();
  MigrationEngine engine(connector_, EngineOptions{});
  auto report = engine.Execute(view, DensePlan(), nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->errors.empty());
  EXPECT_EQ(report->slots_moved, 1024);
  EXPECT_EQ(report->keys_moved, KeysOn(3, 0, 1023));
  EXPECT_GE(report->keys_moved, dense_keys_);
  EXPECT_EQ(KeysOn(0, 0, 1023), 0);
  int dups = 0;
  EXPECT_EQ(cluster_.AllKeys(&dups), before_);
  EXPECT_EQ(dups, 0);
  EXPECT_TRUE(Observe().Consistent());
}

TEST_F(MigrationEngineTest, PerSlotCommandsArePipelinedNotOneRoundTripEach) {
  // Draining node 0 onto nodes 1 and 2, which clients know (they own slots),
  // so groups of 512 open at once.
  ClusterView view = Observe();
  auto plan = PlanDrain(view, cluster_.node(0).id);
  ASSERT_TRUE(plan.ok());
  EngineOptions eo;
  eo.slots_in_flight = 512;
  MigrationEngine engine(connector_, eo);
  cluster_.ClearLog();
  ASSERT_TRUE(engine.Execute(view, *plan, nullptr).ok());
  // Node 1 gets IMPORTING and NODE for ~2730 slots: ~5460 commands, and
  // NODE for node 2's ~2730 slots. Small slots move whole, a script's worth
  // (one MIGRATE batch) per round, each round told to every master: a few
  // hundred round trips, many commands each, not one per command.
  const std::string target = cluster_.node(1).Address();
  const size_t commands = cluster_.Log(target).size();
  EXPECT_GT(commands, 5460u);
  EXPECT_LT(static_cast<size_t>(cluster_.RoundTrips(target)), commands / 10) << commands;
}

// Position of the first and last "CLUSTER SETSLOT <slot> <verb>" in a node's log.
std::pair<long, long> FirstAndLast(const std::vector<RedisCommand>& log, const std::string& verb) {
  long first = -1, last = -1;
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i].size() >= 4 && log[i][0] == "CLUSTER" && log[i][1] == "SETSLOT" &&
        log[i][3] == verb) {
      if (first < 0) first = static_cast<long>(i);
      last = static_cast<long>(i);
    }
  }
  return {first, last};
}

TEST_F(MigrationEngineTest, ClaimsWaitForTheNextBatchSoTheSlotMapChangesRarely) {
  // Draining node 0 the usual way onto known masters: with a long gap
  // between batches of claims, no slot is claimed before every slot has
  // been opened, and all are claimed in the end.
  const auto log = DrainLoggingNode1(60000);
  const auto importing = FirstAndLast(log, "IMPORTING");
  const auto node = FirstAndLast(log, "NODE");
  ASSERT_GE(importing.second, 0);
  ASSERT_GE(node.first, 0);
  EXPECT_GT(node.first, importing.second) << "a claim came before the last slot was opened";
}

TEST_F(MigrationEngineTest, WithoutAGapEachGroupClaimsItsSlotsAtOnce) {
  const auto log = DrainLoggingNode1(0);
  EXPECT_LT(FirstAndLast(log, "NODE").first, FirstAndLast(log, "IMPORTING").second);
}

TEST_F(MigrationEngineTest, ANewMasterGetsItsFirstSlotsOneAtATimeEachClosedBeforeTheNext) {
  // Clients learn a node they have never seen through MOVED, not ASK
  // (move_scheduler.h): its first slots open alone.
  ClusterView view = Observe();
  PlanOptions po;
  po.use_empty_masters = true;
  auto plan = PlanRebalance(view, po);
  ASSERT_TRUE(plan.ok());
  EngineOptions eo;
  MigrationEngine engine(connector_, eo);
  cluster_.ClearLog();
  auto report = engine.Execute(view, *plan, nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->slots_moved, 4096);
  // On the new node: IMPORTING s1, NODE s1, IMPORTING s2, NODE s2, ...
  std::vector<std::pair<std::string, std::string>> setslots;  // verb, slot
  for (const auto& cmd : cluster_.Log(cluster_.node(3).Address()))
    if (cmd.size() >= 4 && cmd[0] == "CLUSTER" && cmd[1] == "SETSLOT" && cmd[3] != "STABLE")
      setslots.push_back({cmd[3], cmd[2]});
  ASSERT_GE(setslots.size(), 2u * eo.introduce_slots);
  for (int i = 0; i < eo.introduce_slots; ++i) {
    EXPECT_EQ(setslots[2 * i].first, "IMPORTING") << i;
    EXPECT_EQ(setslots[2 * i + 1].first, "NODE") << i;
    EXPECT_EQ(setslots[2 * i].second, setslots[2 * i + 1].second) << i;
  }
}

// Slots the source was told to open (SETSLOT s MIGRATING), on every node.
std::set<std::string> MigratingSlots(FakeRedisCluster& cluster) {
  std::set<std::string> out;
  for (int i = 0; i < cluster.size(); ++i)
    for (const auto& cmd : cluster.Log(cluster.node(i).Address()))
      if (cmd.size() >= 4 && cmd[1] == "SETSLOT" && cmd[3] == "MIGRATING") out.insert(cmd[2]);
  return out;
}

TEST_F(MigrationEngineTest, SlotsThatFitOneMigrateMoveWholeAndAreNeverOpened) {
  // Without MIGRATING no client can meet an ASK for them (whole_slot_move.h).
  ClusterView view = Observe();
  EngineOptions options;
  options.batch_keys = 3;
  MigrationPlan plan;
  int empty = -1, small = -1, big = -1;
  for (int s = 0; s < 5461 && (empty < 0 || small < 0 || big < 0); ++s) {  // 0..1023: dense
    long long keys = view.slot_keys[static_cast<size_t>(s)];
    if (keys == 0 && empty < 0) empty = s;
    if (keys > 0 && keys <= 3 && small < 0) small = s;
    if (keys > 3 && big < 0) big = s;
  }
  ASSERT_TRUE(empty >= 0 && small >= 0 && big >= 0);
  // `late` is empty when planned, and gets four keys before it moves.
  int late = -1;
  for (int s = empty + 1; s < 5461 && late < 0; ++s)
    if (view.slot_keys[static_cast<size_t>(s)] == 0) late = s;
  ASSERT_GE(late, 0);
  std::vector<std::string> late_keys;
  for (int i = 0; late_keys.size() < 4; ++i)
    if (KeySlot("late:" + std::to_string(i)) == late)
      late_keys.push_back("late:" + std::to_string(i));
  for (const auto& k : late_keys) cluster_.PutKey(0, k, "v");
  for (int s : {empty, small, big, late})
    plan.moves.push_back(
        {s, cluster_.node(0).id, cluster_.node(3).id, view.slot_keys[static_cast<size_t>(s)]});
  std::sort(plan.moves.begin(), plan.moves.end(),
            [](const SlotMove& a, const SlotMove& b) { return a.slot < b.slot; });
  const auto before = cluster_.AllKeys();
  cluster_.ClearLog();
  MigrationEngine engine(connector_, options);
  auto report = engine.Execute(view, plan, nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->errors.empty()) << report->errors.front();
  EXPECT_EQ(report->slots_moved, 4);
  auto opened = MigratingSlots(cluster_);
  EXPECT_EQ(opened.count(std::to_string(empty)), 0u) << "the empty slot was opened";
  EXPECT_EQ(opened.count(std::to_string(small)), 0u) << "a slot of <= 3 keys was opened";
  EXPECT_EQ(opened.count(std::to_string(big)), 1u) << "more keys than a batch: the usual way";
  EXPECT_EQ(opened.count(std::to_string(late)), 1u) << "refused by the script: the usual way";
  for (const auto& k : late_keys) EXPECT_EQ(cluster_.node(3).keys.count(k), 1u) << k;
  EXPECT_EQ(cluster_.AllKeys(), before);
  EXPECT_TRUE(Observe().Consistent());
}

TEST_F(MigrationEngineTest, AWholeMoveWhoseMigrateFailsIsOpenedAndFinishedTheUsualWay) {
  // The script's MIGRATE may have moved some keys: the slot turns MIGRATING
  // (ASK reaches them) and the usual move takes over.
  ClusterView view = Observe();
  int slot = -1;
  for (int s = 100; s < 5461 && slot < 0; ++s)
    if (view.slot_keys[static_cast<size_t>(s)] > 0) slot = s;
  ASSERT_GE(slot, 0);
  bool failed = false;
  cluster_.set_hook([&](const FakeNode&, const RedisCommand& argv) -> std::optional<RedisReply> {
    if (argv[0] == "MIGRATE" && !failed) {
      failed = true;
      return RedisReply::Error("IOERR error or timeout reading to target instance");
    }
    return std::nullopt;
  });
  MigrationPlan plan;
  plan.moves.push_back(
      {slot, cluster_.node(0).id, cluster_.node(3).id, view.slot_keys[static_cast<size_t>(slot)]});
  const auto before = cluster_.AllKeys();
  cluster_.ClearLog();
  MigrationEngine engine(connector_, EngineOptions{});
  auto report = engine.Execute(view, plan, nullptr);
  cluster_.set_hook(nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(failed);
  EXPECT_TRUE(report->errors.empty()) << report->errors.front();
  EXPECT_EQ(report->slots_moved, 1);
  EXPECT_EQ(MigratingSlots(cluster_).count(std::to_string(slot)), 1u);
  EXPECT_EQ(KeysOn(3, slot, slot), view.slot_keys[static_cast<size_t>(slot)]);
  EXPECT_EQ(cluster_.AllKeys(), before);
  EXPECT_TRUE(Observe().Consistent());
}

TEST_F(MigrationEngineTest, ASourceThatRefusesTheScriptMovesEverySlotTheUsualWay) {
  ClusterView view = Observe();
  cluster_.set_hook([&](const FakeNode&, const RedisCommand& argv) -> std::optional<RedisReply> {
    if (argv[0] == "EVAL")
      return RedisReply::Error("NOPERM this user has no permissions to run the 'eval' command");
    return std::nullopt;
  });
  MigrationPlan plan;
  for (int s = 0; s < 64; ++s)
    plan.moves.push_back(
        {s, cluster_.node(0).id, cluster_.node(3).id, view.slot_keys[static_cast<size_t>(s)]});
  const auto before = cluster_.AllKeys();
  MigrationEngine engine(connector_, EngineOptions{});
  auto report = engine.Execute(view, plan, nullptr);
  cluster_.set_hook(nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->errors.empty()) << report->errors.front();
  EXPECT_EQ(report->slots_moved, 64);
  EXPECT_EQ(KeysOn(3, 0, 63), KeysOn(3, 0, 16383));
  EXPECT_EQ(cluster_.AllKeys(), before);
}

TEST_F(MigrationEngineTest, AnIoErrorIsRetriedWithAGrowingTimeoutAndTheMoveCompletes) {
  std::set<int> timeouts =
      MoveWithThreeFailures("IOERR error or timeout reading to target instance");
  EXPECT_EQ(KeysOn(3, 0, 1023), KeysOn(3, 0, 16383));
  EXPECT_EQ(KeysOn(0, 0, 1023), 0);
  // The retries ran with a growing MIGRATE timeout (big keys need longer).
  EXPECT_TRUE(timeouts.count(10000) && timeouts.count(20000) && timeouts.count(40000))
      << "timeouts seen: " << timeouts.size();
  EXPECT_EQ(cluster_.AllKeys(), before_);
}

TEST_F(MigrationEngineTest, AClusterDownIsRetriedAfterAPauseWithTheSameTimeout) {
  std::set<int> timeouts = MoveWithThreeFailures("CLUSTERDOWN The cluster is down");
  EXPECT_EQ(timeouts, std::set<int>{10000}) << "a down cluster is not a slow key";
  EXPECT_EQ(cluster_.AllKeys(), before_);
}

TEST_F(MigrationEngineTest, APersistentIoErrorLeavesTheSlotOpenAndReportsIt) {
  cluster_.set_hook([&](const FakeNode&, const RedisCommand& argv) -> std::optional<RedisReply> {
    if (argv[0] == "MIGRATE")
      return RedisReply::Error("IOERR error or timeout connecting to the client");
    return std::nullopt;
  });
  ClusterView view = Observe();
  MigrationPlan plan;
  int slot = -1;
  for (int s = 0; s < kSlotCount && slot < 0; ++s)
    if (view.slot_keys[static_cast<size_t>(s)] > 0 &&
        view.topology.SlotOwners()[static_cast<size_t>(s)] == cluster_.node(0).id)
      slot = s;
  plan.moves.push_back({slot, cluster_.node(0).id, cluster_.node(3).id, -1});
  EngineOptions eo;
  eo.max_retries = 1;
  MigrationEngine engine(connector_, eo);
  auto report = engine.Execute(view, plan, nullptr);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_NE(report->errors[0].find("IOERR"), std::string::npos);
  EXPECT_EQ(report->slots_moved, 0);
  // Left open for the next run's FixOpenSlots; no key lost.
  EXPECT_FALSE(Observe().open_slots.empty());
  EXPECT_EQ(cluster_.AllKeys(), before_);
  cluster_.set_hook(nullptr);
  ASSERT_TRUE(engine.FixOpenSlots(Observe()).ok());
  EXPECT_TRUE(Observe().Consistent());
  EXPECT_EQ(cluster_.AllKeys(), before_);
}

TEST_F(MigrationEngineTest, ASourceThatDiesMidRoundLeavesNoHalfMovedSlotClosed) {
  // Several slots open at once, a few keys per MIGRATE: a slot whose first
  // batch moved, and whose next batch never ran because the source died in a
  // later MIGRATE of the same round, still has keys on the source. Closing it
  // on the target would strand them there.
  int migrates = 0;
  cluster_.set_hook([&](const FakeNode& n, const RedisCommand& argv) -> std::optional<RedisReply> {
    if (n.id != cluster_.node(0).id || argv[0] != "MIGRATE" || ++migrates < 3) return std::nullopt;
    cluster_.node(0).up = false;  // SIGKILL: this and every later call fails
    RedisReply gone;
    gone.str = "DISCONNECT";
    return gone;
  });
  ClusterView view = Observe();
  MigrationPlan plan;  // to node 1, which clients know: slots open in groups
  for (int s = 0; s < 1024; ++s)
    plan.moves.push_back({s, cluster_.node(0).id, cluster_.node(1).id, -1});
  EngineOptions eo;
  eo.workers = 1;
  eo.slots_in_flight = 4;
  eo.batch_keys = 2;
  eo.max_retries = 1;
  MigrationEngine engine(connector_, eo);
  auto report = engine.Execute(view, plan, nullptr);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->errors.empty());
  ASSERT_GE(migrates, 3);
  // No slot is owned by node 1 while node 0 still holds keys of it.
  for (int s = 0; s < 1024; ++s) {
    if (cluster_.node(1).owners[static_cast<size_t>(s)] != cluster_.node(1).id) continue;
    EXPECT_EQ(KeysOn(0, s, s), 0) << "slot " << s << " closed on node 1 with keys left on node 0";
  }
  EXPECT_EQ(cluster_.AllKeys(), before_);
}

TEST_F(MigrationEngineTest, ATargetThatDoesNotKnowTheSlotMapIsNotImportedInto) {
  cluster_.node(3).owners.assign(kSlotCount, "");  // a new node before gossip
  ClusterView view = Observe();
  MigrationPlan plan;
  plan.moves.push_back({0, cluster_.node(0).id, cluster_.node(3).id, -1});
  EngineOptions eo;
  eo.gossip_wait_ms = 200;
  MigrationEngine engine(connector_, eo);
  auto report = engine.Execute(view, plan, nullptr);
  EXPECT_EQ(report.status().code(), ErrorCode::kTimeout);
  for (const auto& cmd : cluster_.Log(cluster_.node(3).Address()))
    EXPECT_FALSE(cmd.size() > 3 && cmd[1] == "SETSLOT") << "SETSLOT sent to a node without the map";
}

TEST_F(MigrationEngineTest, BigKeysGetSmallerBatchesByBytes) {
  // Mostly large values: the byte bound, not batch_keys, limits a MIGRATE.
  for (auto& [k, v] : cluster_.node(0).keys) v.append(10000, 'x');
  ClusterView view = Observe();
  EngineOptions eo;
  eo.batch_bytes = 25000;  // ~2 keys of 10 KB
  MigrationEngine engine(connector_, eo);
  cluster_.ClearLog();
  auto report = engine.Execute(view, DensePlan(), nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->errors.empty());
  EXPECT_EQ(KeysOn(0, 0, 1023), 0);
  size_t largest = 0;
  for (int n = 0; n < 3; ++n)
    for (const auto& cmd : cluster_.Log(cluster_.node(n).Address()))
      if (cmd[0] == "MIGRATE") largest = std::max(largest, cmd.size() - 7);
  EXPECT_GE(largest, 1u);
  EXPECT_LE(largest, 3u);
}

// The one progress line the CLI and the sidecar log.
TEST(FormatProgressTest, SaysThePercentSlotsKeysRateAndWhatIsLeft) {
  MigrationProgress p;
  p.slots_done = 1200;
  p.slots_total = 4096;
  p.keys_moved = 73201;
  p.keys_per_second = 51234;
  p.elapsed_seconds = 1.43;
  p.eta_seconds = 3.2;
  EXPECT_EQ(FormatProgress(p),
            "29% (1200/4096 slots), 73201 keys moved, 51234 keys/s, 1.4 s, 3 s left");
  p.eta_seconds = -1;
  EXPECT_EQ(FormatProgress(p), "29% (1200/4096 slots), 73201 keys moved, 51234 keys/s, 1.4 s");
  p.slots_done = 4096;
  p.final = true;
  EXPECT_EQ(FormatProgress(p),
            "100% (4096/4096 slots), 73201 keys moved, 51234 keys/s, 1.4 s, done");
}

}  // namespace
}  // namespace rc::engine
