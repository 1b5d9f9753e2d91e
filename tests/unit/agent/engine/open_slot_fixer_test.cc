// FixOpenSlots against the fake cluster, one test per state that
// `redis-cli --cluster fix` distinguishes: no key is ever lost.
#include <gtest/gtest.h>

#include "agent/engine/migration_engine.h"
#include "tests/unit/agent/engine/fake_cluster_test_util.h"

namespace rc::engine {
namespace {

using rc::testing::FakeConnector;
using rc::testing::FakeRedisCluster;
using testing::BuildThreeMasters;
using testing::KeysInSlot;
using testing::OwnerIndex;

class OpenSlotFixerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BuildThreeMasters(cluster_);
    slot_ = KeySlot("tag");
    src_ = OwnerIndex(cluster_, slot_);
    dst_ = (src_ + 1) % 3;
    keys_ = KeysInSlot("tag", 10);
    for (const auto& k : keys_) cluster_.PutKey(src_, k, "v-" + k);
    cluster_.FillOwned(300);
    before_ = cluster_.AllKeys();
  }

  // Opens the slot as an interrupted migration src -> dst would.
  void Open(bool migrating, bool importing, int keys_already_moved) {
    if (migrating) cluster_.node(src_).migrating[slot_] = cluster_.node(dst_).id;
    if (importing) cluster_.node(dst_).importing[slot_] = cluster_.node(src_).id;
    for (int i = 0; i < keys_already_moved; ++i) {
      cluster_.node(dst_).keys[keys_[static_cast<size_t>(i)]] =
          cluster_.node(src_).keys[keys_[static_cast<size_t>(i)]];
      cluster_.node(src_).keys.erase(keys_[static_cast<size_t>(i)]);
    }
  }

  ClusterView Observe() {
    auto view = ObserveCluster(connector_, "10.0.0.1:6379");
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return *view;
  }

  // Every key still there exactly once, no open slot, everyone agrees.
  void ExpectSettledOn(int owner) {
    int dups = 0;
    EXPECT_EQ(cluster_.AllKeys(&dups), before_);
    EXPECT_EQ(dups, 0);
    ClusterView after = Observe();
    EXPECT_TRUE(after.Consistent()) << (after.Problems().empty() ? "" : after.Problems().front());
    EXPECT_EQ(after.topology.SlotOwners()[static_cast<size_t>(slot_)], cluster_.node(owner).id);
    for (const auto& k : keys_) EXPECT_TRUE(cluster_.node(owner).keys.count(k)) << k;
  }

  FakeRedisCluster cluster_;
  FakeConnector connector_{cluster_};
  MigrationEngine engine_{connector_, EngineOptions{}};
  int slot_ = 0, src_ = 0, dst_ = 0;
  std::vector<std::string> keys_;
  std::map<std::string, std::string> before_;
};

TEST_F(OpenSlotFixerTest, BothSidesAgreeSoTheMoveIsFinishedOnTheTarget) {
  Open(true, true, 4);
  FixReport report;
  ASSERT_TRUE(engine_.FixOpenSlots(Observe(), &report).ok());
  EXPECT_EQ(report.slots_fixed, 1);
  EXPECT_EQ(report.keys_moved, 6);
  ExpectSettledOn(dst_);
}

TEST_F(OpenSlotFixerTest, TargetAlreadyOwnsTheSlotSoTheSourceIsClosed) {
  Open(true, false, 10);
  for (int i = 0; i < cluster_.size(); ++i)
    if (i != src_) cluster_.node(i).owners[static_cast<size_t>(slot_)] = cluster_.node(dst_).id;
  ASSERT_TRUE(engine_.FixOpenSlots(Observe()).ok());
  ExpectSettledOn(dst_);
}

TEST_F(OpenSlotFixerTest, OnlyImportingMovesStrayKeysBackToTheOwner) {
  Open(false, true, 3);
  ASSERT_TRUE(engine_.FixOpenSlots(Observe()).ok());
  ExpectSettledOn(src_);
}

TEST_F(OpenSlotFixerTest, OnlyMigratingIsClosedOnTheOwner) {
  Open(true, false, 0);
  ASSERT_TRUE(engine_.FixOpenSlots(Observe()).ok());
  ExpectSettledOn(src_);
}

TEST_F(OpenSlotFixerTest, MigratingToANodeThatImportsFromSomeoneElseSettlesOnTheOwner) {
  Open(true, false, 2);
  cluster_.node(dst_).importing[slot_] = cluster_.node((dst_ + 1) % 3).id;
  ASSERT_TRUE(engine_.FixOpenSlots(Observe()).ok());
  ExpectSettledOn(src_);
}

TEST_F(OpenSlotFixerTest, AnUnownedOpenSlotSettlesOnTheNodeWithTheMostKeys) {
  Open(false, true, 7);
  for (int i = 0; i < cluster_.size(); ++i)
    cluster_.node(i).owners[static_cast<size_t>(slot_)] = "";
  ASSERT_TRUE(engine_.FixOpenSlots(Observe()).ok());
  ExpectSettledOn(dst_);
}

TEST_F(OpenSlotFixerTest, ASlotWhoseOwnerIsDownIsLeftForItsFailover) {
  Open(false, true, 3);
  cluster_.node(src_).up = false;  // its replica would take over with the keys
  FixReport report;
  ASSERT_TRUE(engine_.FixOpenSlots(Observe(), &report).ok());
  EXPECT_EQ(report.slots_fixed, 0);
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0], slot_);
  EXPECT_EQ(cluster_.node(dst_).importing.count(slot_), 1u);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(cluster_.node(i).owners[static_cast<size_t>(slot_)], cluster_.node(src_).id);
}

TEST_F(OpenSlotFixerTest, AKeyOnBothSidesWithTheSameValueIsKeptOnce) {
  Open(true, true, 0);
  cluster_.node(dst_).keys[keys_[0]] =
      cluster_.node(src_).keys[keys_[0]];  // MIGRATE killed before DEL
  Status s = engine_.FixOpenSlots(Observe());
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectSettledOn(dst_);
}

TEST_F(OpenSlotFixerTest, AKeyOnBothSidesWithDifferentValuesStopsWithoutLosingEither) {
  Open(true, true, 0);
  cluster_.node(dst_).keys[keys_[0]] = "another value";
  Status s = engine_.FixOpenSlots(Observe());
  EXPECT_EQ(s.code(), ErrorCode::kConflict) << s.ToString();
  EXPECT_NE(s.message().find(keys_[0]), std::string::npos);
  EXPECT_EQ(cluster_.node(src_).keys[keys_[0]], "v-" + keys_[0]);
  EXPECT_EQ(cluster_.node(dst_).keys[keys_[0]], "another value");
}

// A master killed mid-MIGRATE before its replica got the DELs: the replica,
// promoted, still holds keys the target (left importing) holds too. The
// importing node answers a plain DUMP with MOVED, so comparing the two copies
// needs ASKING on that side too; without it the fixer retried BUSYKEY forever.
TEST_F(OpenSlotFixerTest, AnImportingNodeHoldingKeysTheOwnerAlsoHoldsGivesThemBackOnce) {
  Open(false, true, 0);
  for (int i = 0; i < 3; ++i) {
    const std::string& k = keys_[static_cast<size_t>(i)];
    cluster_.node(dst_).keys[k] = cluster_.node(src_).keys[k];
  }
  FixReport report;
  Status s = engine_.FixOpenSlots(Observe(), &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(report.slots_fixed, 1);
  ExpectSettledOn(src_);
  for (const auto& k : keys_) EXPECT_EQ(cluster_.node(dst_).keys.count(k), 0u) << k;
}

TEST_F(OpenSlotFixerTest, AnImportingNodeHoldingADifferentValueStopsAndNamesTheKey) {
  Open(false, true, 0);
  cluster_.node(dst_).keys[keys_[0]] = "written later";
  Status s = engine_.FixOpenSlots(Observe());
  EXPECT_EQ(s.code(), ErrorCode::kConflict) << s.ToString();
  EXPECT_NE(s.message().find(keys_[0]), std::string::npos) << s.ToString();
  EXPECT_EQ(cluster_.node(src_).keys[keys_[0]], "v-" + keys_[0]);
  EXPECT_EQ(cluster_.node(dst_).keys[keys_[0]], "written later");
}

}  // namespace
}  // namespace rc::engine
