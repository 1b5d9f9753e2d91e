// cover-slots' network half against the in-memory fake cluster: the order of
// the commands (FORGET everywhere before any ADDSLOTS, BUMPEPOCH after), the
// ADDSLOTS fallback for servers without ADDSLOTSRANGE, errors, the settle wait.
#include "agent/engine/cover/slot_coverer.h"

#include <gtest/gtest.h>

#include "tests/support/fake_redis.h"

namespace rc::engine {
namespace {

using rc::testing::FakeConnector;
using rc::testing::FakeNode;
using rc::testing::FakeRedisCluster;

class SlotCovererTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) cluster_.AddNode("10.0.0." + std::to_string(i + 1));
    auto ranges = SplitEvenly(3);
    for (int i = 0; i < 3; ++i)
      cluster_.AssignSlots(i, ranges[static_cast<size_t>(i)].first,
                           ranges[static_cast<size_t>(i)].last);
    cluster_.node(2).up = false;  // killed for good: the others list it "fail"
    lost_ = cluster_.node(2).id;
    // FORGET drops the node's slots from the view; BUMPEPOCH stands for the
    // gossip that spreads a node's new slots to nodes that see them unowned.
    cluster_.set_hook(
        [this](const FakeNode& node, const RedisCommand& argv) -> std::optional<RedisReply> {
          if (argv.size() < 2 || argv[0] != "CLUSTER") return std::nullopt;
          FakeNode* self = cluster_.FindById(node.id);
          if (argv[1] == "FORGET") {
            for (auto& owner : self->owners)
              if (owner == argv[2]) owner.clear();
            return RedisReply::Status("OK");
          }
          if (argv[1] == "BUMPEPOCH" && gossip_) {
            for (int i = 0; i < cluster_.size(); ++i)
              for (int s = 0; s < kSlotCount; ++s) {
                auto& theirs = cluster_.node(i).owners[static_cast<size_t>(s)];
                if (self->owners[static_cast<size_t>(s)] == self->id && theirs.empty())
                  theirs = self->id;
              }
          }
          return std::nullopt;
        });
  }

  Status Cover(std::chrono::milliseconds settle = std::chrono::milliseconds(3000)) {
    auto plan = ObserveAndPlanSlotCover(connector_, "10.0.0.1:6379");
    if (!plan.ok()) return plan.status();
    SlotCoverOptions options;
    options.settle_timeout = settle;
    return ExecuteSlotCover(connector_, *plan, options,
                            [this](const std::string& line) { said_.push_back(line); });
  }

  // Index in `address`'s command log of the first command whose second word is `sub`.
  int First(const std::string& address, const std::string& sub) {
    auto log = cluster_.Log(address);
    for (size_t i = 0; i < log.size(); ++i)
      if (log[i].size() > 1 && log[i][1] == sub) return static_cast<int>(i);
    return -1;
  }

  FakeRedisCluster cluster_;
  FakeConnector connector_{cluster_};
  std::string lost_;
  bool gossip_ = true;
  std::vector<std::string> said_;
};

TEST_F(SlotCovererTest, ForgetsTheLostMasterEverywhereThenGivesItsSlotsAndWaitsForOk) {
  Status s = Cover();
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (int i = 0; i < 2; ++i) {
    for (int slot = 0; slot < kSlotCount; ++slot) {
      const std::string& owner = cluster_.node(i).owners[static_cast<size_t>(slot)];
      ASSERT_FALSE(owner.empty()) << "node " << i << " slot " << slot;
      ASSERT_NE(owner, lost_) << "node " << i << " slot " << slot;
    }
    std::string address = cluster_.node(i).Address();
    EXPECT_GE(First(address, "FORGET"), 0) << address;
    // The fake has no ADDSLOTSRANGE: the ADDSLOTS fallback ran, after FORGET.
    EXPECT_GT(First(address, "ADDSLOTSRANGE"), First(address, "FORGET")) << address;
    EXPECT_GT(First(address, "ADDSLOTS"), First(address, "ADDSLOTSRANGE")) << address;
    EXPECT_GT(First(address, "BUMPEPOCH"), First(address, "ADDSLOTS")) << address;
  }
  // Node 1 held one slot fewer (5461 vs 5462): it fills first.
  EXPECT_EQ(cluster_.node(0).owners[10923], cluster_.node(1).id);
  EXPECT_EQ(cluster_.node(1).owners[16383], cluster_.node(0).id);
  ASSERT_EQ(said_.size(), 4u);
  EXPECT_EQ(said_[0], "forgot on 2 node(s): master " + lost_.substr(0, 8) +
                          " (10.0.0.3:6379), marked failed");
  EXPECT_EQ(said_[1].rfind("gave slots 10923-13653 (2731 slots) to master " +
                               cluster_.node(1).id.substr(0, 8) +
                               " (10.0.0.2:6379), empty; its config epoch bumped",
                           0),
            0u)
      << said_[1];
  EXPECT_EQ(said_[2].rfind("gave slots 13654-16383 (2730 slots) to master " +
                               cluster_.node(0).id.substr(0, 8) + " (10.0.0.1:6379)",
                           0),
            0u)
      << said_[2];
  EXPECT_EQ(said_[3].rfind("cluster_state:ok on all 2 node(s), every slot served (", 0), 0u)
      << said_[3];
}

TEST_F(SlotCovererTest, ASecondRunFindsNothingToCover) {
  ASSERT_TRUE(Cover().ok());
  auto plan = ObserveAndPlanSlotCover(connector_, "10.0.0.1:6379");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->empty());
}

TEST_F(SlotCovererTest, AnErrorReplyStopsAndNamesTheNodeAndCommand) {
  auto plan = ObserveAndPlanSlotCover(connector_, "10.0.0.1:6379");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  cluster_.node(1).owners[10923] = cluster_.node(0).id;  // claimed meanwhile
  Status s = ExecuteSlotCover(connector_, *plan, SlotCoverOptions{}, [](const std::string&) {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("redis 10.0.0.2:6379: CLUSTER ADDSLOTS failed: ERR Slot 10923 is "
                             "already busy"),
            std::string::npos)
      << s.ToString();
}

TEST_F(SlotCovererTest, NodesThatNeverSettleTimeOut) {
  gossip_ = false;
  Status s = Cover(std::chrono::milliseconds(200));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kTimeout) << s.ToString();
  EXPECT_NE(s.message().find("did not learn the slot map"), std::string::npos) << s.ToString();
}

TEST_F(SlotCovererTest, RefusesWhileTheLostMastersReplicaAnswers) {
  cluster_.AddNode("10.0.0.4");
  cluster_.MakeReplica(3, 2);
  Status s = Cover();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("has a replica that answers (10.0.0.4:6379)"), std::string::npos)
      << s.ToString();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(First(cluster_.node(i).Address(), "FORGET"), -1);
}

}  // namespace
}  // namespace rc::engine
