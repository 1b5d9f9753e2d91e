// The Actuator against an in-memory cluster: it sends only commands redis 5.0
// already has, in the order that keeps the cluster safe.
#include "agent/sidecar/actuator.h"

#include <gtest/gtest.h>

#include "tests/support/fake_redis.h"

namespace rc::agent {
namespace {

using rc::testing::FakeConnector;
using rc::testing::FakeRedisCluster;

// Commands the fake does not model (MEET, FORGET, REPLICATE, RESET, FAILOVER,
// SET-CONFIG-EPOCH) are answered OK and logged by the fake.
std::optional<RedisReply> AnswerTopologyCommands(const testing::FakeNode&,
                                                 const RedisCommand& argv) {
  if (argv.size() >= 2 && argv[0] == "CLUSTER" &&
      (argv[1] == "MEET" || argv[1] == "FORGET" || argv[1] == "REPLICATE" || argv[1] == "RESET" ||
       argv[1] == "FAILOVER" || argv[1] == "SET-CONFIG-EPOCH"))
    return RedisReply::Status("OK");
  return std::nullopt;
}

PodInfo Pod(const testing::FakeNode& n, int ordinal) {
  PodInfo p;
  p.name = "redis-" + std::to_string(ordinal);
  p.ordinal = ordinal;
  p.ip = n.ip;
  p.port = n.port;
  return p;
}

std::vector<std::string> Words(const std::vector<RedisCommand>& log) {
  std::vector<std::string> out;
  for (const auto& cmd : log) {
    std::string line;
    for (size_t i = 0; i < cmd.size() && i < 4; ++i) line += (i ? " " : "") + cmd[i];
    out.push_back(line);
  }
  return out;
}

class ActuatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 4; ++i) cluster_.AddNode("127.50.30." + std::to_string(i + 1));
    cluster_.set_hook(AnswerTopologyCommands);
  }
  FakeRedisCluster cluster_;
  FakeConnector connector_{cluster_};
  engine::MigrationEngine engine_{connector_, engine::EngineOptions{}};
  Actuator actuator_{connector_, engine_};
};

TEST_F(ActuatorTest, BootstrapUsesAddslotsAndTwoArgumentMeet) {
  Bootstrap bootstrap;
  bootstrap.seed = cluster_.node(0).Address();
  auto ranges = SplitEvenly(3);
  for (int i = 0; i < 3; ++i)
    bootstrap.masters.push_back({Pod(cluster_.node(i), i), ranges[static_cast<size_t>(i)], i + 1});
  for (int i = 1; i < 4; ++i) bootstrap.meet.push_back(Pod(cluster_.node(i), i));
  auto out = actuator_.Execute(Action{bootstrap, "create"}, nullptr);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  int addslots = 0;
  for (int i = 0; i < 3; ++i)
    for (const auto& cmd : cluster_.Log(cluster_.node(i).Address())) {
      EXPECT_NE(cmd[1], "ADDSLOTSRANGE") << "redis 5.0 and 6.x lack ADDSLOTSRANGE";
      if (cmd[1] == "ADDSLOTS") addslots += static_cast<int>(cmd.size()) - 2;
    }
  EXPECT_EQ(addslots, 16384);
  int meets = 0;
  for (const auto& cmd : cluster_.Log(bootstrap.seed)) {
    if (cmd[1] != "MEET") continue;
    ++meets;
    EXPECT_EQ(cmd.size(), 4u) << "CLUSTER MEET ip port: no bus-port argument before 7.0";
  }
  EXPECT_EQ(meets, 3);
}

TEST_F(ActuatorTest, RemovingLeavingNodesResetsThemThenForgetsThemEverywhereElse) {
  RemoveLeaving remove;
  remove.nodes.push_back({cluster_.node(3).id, cluster_.node(3).Address(), "redis-3"});
  for (int i = 0; i < 3; ++i) remove.forget_on.push_back(cluster_.node(i).Address());
  auto out = actuator_.Execute(Action{remove, "remove"}, nullptr);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Words(cluster_.Log(cluster_.node(3).Address())),
            std::vector<std::string>{"CLUSTER RESET HARD"});
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Words(cluster_.Log(cluster_.node(i).Address())),
              std::vector<std::string>{"CLUSTER FORGET " + cluster_.node(3).id});
}

TEST_F(ActuatorTest, ReplicasAreAttachedOnTheReplicaAndPromotionIsForced) {
  ReplicaAssignment r{Pod(cluster_.node(3), 3), cluster_.node(0).id, Pod(cluster_.node(0), 0)};
  ASSERT_TRUE(actuator_.Execute(Action{AssignReplicas{{r}}, "attach"}, nullptr).ok());
  EXPECT_EQ(Words(cluster_.Log(cluster_.node(3).Address())),
            std::vector<std::string>{"CLUSTER REPLICATE " + cluster_.node(0).id});
  cluster_.ClearLog();
  ASSERT_TRUE(
      actuator_.Execute(Action{PromoteReplica{r.replica, r.master_id}, "promote"}, nullptr).ok());
  EXPECT_EQ(Words(cluster_.Log(cluster_.node(3).Address())),
            std::vector<std::string>{"CLUSTER FAILOVER FORCE"});
}

TEST_F(ActuatorTest, AnUnreachableReplicaIsAnErrorNamingIt) {
  cluster_.node(3).up = false;
  ReplicaAssignment r{Pod(cluster_.node(3), 3), cluster_.node(0).id, Pod(cluster_.node(0), 0)};
  auto out = actuator_.Execute(Action{AssignReplicas{{r}}, "attach"}, nullptr);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("127.50.30.4"), std::string::npos)
      << out.status().message();
}

// FINDINGS 3: a rebalance whose engine finds nothing to move on its own look
// says so, so the loop neither logs "done" nor records an Event for it.
TEST_F(ActuatorTest, ARebalanceWithNothingToMoveSaysSo) {
  cluster_.AssignSlots(0, 0, 5461);
  cluster_.AssignSlots(1, 5462, 10922);
  cluster_.AssignSlots(2, 10923, 16383);
  cluster_.MakeReplica(3, 0);
  auto out =
      actuator_.Execute(Action{Rebalance{cluster_.node(0).Address(), {}}, "rebalance"}, nullptr);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->nothing_to_do);
  EXPECT_EQ(out->slots_moved, 0);
}

TEST_F(ActuatorTest, ARebalanceThatMovesSlotsIsNews) {
  cluster_.AssignSlots(0, 0, 8191);
  cluster_.AssignSlots(1, 8192, 16383);
  auto out =
      actuator_.Execute(Action{Rebalance{cluster_.node(0).Address(), {}}, "rebalance"}, nullptr);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_FALSE(out->nothing_to_do);
  EXPECT_EQ(out->slots_moved, 16384 - 2 * 4096);  // nodes 2 and 3 were empty masters
}

}  // namespace
}  // namespace rc::agent
