#include "agent/reconcile/reconcile_planner.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/unit/agent/reconcile/cluster_builder.h"

namespace rc::agent {
namespace {

using testing::Build;
using testing::ExtraNode;
using testing::IdOf;
using testing::PodSpec;

const char* kA = "0-5461";
const char* kB = "5462-10922";
const char* kC = "10923-16383";

// Six pods: masters 0,1,2 with replicas 3,4,5 on other hosts.
std::vector<PodSpec> SixPods() {
  return {{0, "M", kA, -1, "h0"}, {1, "M", kB, -1, "h1"}, {2, "M", kC, -1, "h2"},
          {3, "S", "", 0, "h1"},  {4, "S", "", 1, "h2"},  {5, "S", "", 2, "h0"}};
}

DesiredState OnePerMaster() { return DesiredState{1, 3}; }

TEST(PlanNextAction, FreshPodsAllAnsweringCreateTheCluster) {
  std::vector<PodSpec> pods;
  for (int i = 0; i < 6; ++i) pods.push_back({i, "-", "", -1, "h"});
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  ASSERT_TRUE(Is<Bootstrap>(a)) << ActionName(a) << ": " << a.reason;
  const auto& bootstrap = std::get<Bootstrap>(a.kind);
  ASSERT_EQ(bootstrap.masters.size(), 3u);
  EXPECT_EQ(bootstrap.masters[0].pod.name, "redis-0");
  EXPECT_EQ(bootstrap.masters[0].slots, (SlotRange{0, 5461}));
  EXPECT_EQ(bootstrap.masters[2].slots, (SlotRange{10923, 16383}));
  EXPECT_EQ(bootstrap.seed, "127.50.0.1:6379");
  EXPECT_EQ(bootstrap.meet.size(), 5u);
}

TEST(PlanNextAction, NeverCreatesUntilEveryPodAnswers) {
  std::vector<PodSpec> pods;
  for (int i = 0; i < 5; ++i) pods.push_back({i, "-", "", -1, "h"});
  pods.push_back({5, "X", "", -1, "h"});
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  EXPECT_TRUE(Is<Wait>(a)) << ActionName(a);
  EXPECT_NE(a.reason.find("5 answer"), std::string::npos) << a.reason;
}

TEST(PlanNextAction, NamesThePodsItWaitsForBeforeCreating) {
  // Given 6 pods of which 3 run (the others Pending: no IP, not observed),
  // the wait names the three that do not answer.
  std::vector<PodSpec> pods;
  for (int i = 0; i < 3; ++i) pods.push_back({i, "-", "", -1, "h"});
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  EXPECT_TRUE(Is<Wait>(a)) << ActionName(a);
  EXPECT_NE(a.reason.find("(3 answer; redis-3, redis-4, redis-5 do not)"), std::string::npos)
      << a.reason;
}

TEST(PlanNextAction, RefusesToCreateFewerThanThreeMasters) {
  std::vector<PodSpec> pods;
  for (int i = 0; i < 4; ++i) pods.push_back({i, "-", "", -1, "h"});
  Action a = PlanNextAction(Build(4, pods), OnePerMaster());
  EXPECT_TRUE(Is<Wait>(a)) << ActionName(a);
  EXPECT_NE(a.reason.find("at least 3"), std::string::npos) << a.reason;
}

TEST(PlanNextAction, AnyPeerWithClusterStateMeansJoinNeverCreate) {
  // Pod-0 came back empty while the others still form the cluster.
  auto pods = SixPods();
  pods[0] = {0, "-", "", -1, "h0", IdOf(90)};
  pods[3].role = "M";  // its replica took over
  pods[3].slots = kA;
  Action a = PlanNextAction(Build(6, pods, {{IdOf(0), "127.50.0.1", "master,fail", "-", ""}}),
                            OnePerMaster());
  ASSERT_TRUE(Is<Meet>(a)) << ActionName(a) << ": " << a.reason;
  const auto& meet = std::get<Meet>(a.kind);
  ASSERT_EQ(meet.pods.size(), 1u);
  EXPECT_EQ(meet.pods[0].name, "redis-0");
}

TEST(PlanNextAction, OpenSlotsComeFirst) {
  auto obs = Build(6, SixPods());
  auto topo = Topology::ParseClusterNodes(testing::Line(IdOf(0), "127.50.0.1", "myself,master", "-",
                                                        "0-5461 [5462-<-" + IdOf(1) + "]") +
                                          testing::Line(IdOf(1), "127.50.0.2", "master", "-", kB));
  ASSERT_TRUE(topo.ok()) << topo.status().ToString();
  obs.nodes[0].view = *topo;
  Action a = PlanNextAction(obs, OnePerMaster());
  EXPECT_TRUE(Is<FixOpenSlots>(a)) << ActionName(a) << ": " << a.reason;
}

TEST(PlanNextAction, ScaleOutMeetsNewPods) {
  auto pods = SixPods();
  pods.push_back({6, "-", "", -1, "h1"});
  pods.push_back({7, "-", "", -1, "h2"});
  Action a = PlanNextAction(Build(8, pods), OnePerMaster());
  ASSERT_TRUE(Is<Meet>(a)) << ActionName(a) << ": " << a.reason;
  const auto& meet = std::get<Meet>(a.kind);
  ASSERT_EQ(meet.pods.size(), 2u);
  EXPECT_EQ(meet.pods[0].name, "redis-6");
  EXPECT_EQ(meet.seed, "127.50.0.1:6379");
  EXPECT_NE(a.reason.find("redis-6"), std::string::npos);
}

TEST(PlanNextAction, ANewPairBecomesANewMasterAndItsReplica) {
  auto pods = SixPods();
  pods.push_back({6, "M", "", -1, "h1"});
  pods.push_back({7, "M", "", -1, "h2"});
  Action a = PlanNextAction(Build(8, pods), OnePerMaster());
  ASSERT_TRUE(Is<AssignReplicas>(a)) << ActionName(a) << ": " << a.reason;
  const auto& assign = std::get<AssignReplicas>(a.kind);
  ASSERT_EQ(assign.assignments.size(), 1u);
  EXPECT_EQ(assign.assignments[0].replica.name, "redis-7");
  EXPECT_EQ(assign.assignments[0].master_id, IdOf(6));
}

TEST(PlanNextAction, ALoneExtraPodReplicatesTheMasterWithFewestReplicasOnAnotherHost) {
  auto pods = SixPods();
  pods[5] = {5, "S", "", 1, "h0"};  // master 1 has two replicas, master 2 none
  pods.push_back({6, "M", "", -1, "h2"});
  Action a = PlanNextAction(Build(7, pods), OnePerMaster());
  ASSERT_TRUE(Is<AssignReplicas>(a)) << ActionName(a) << ": " << a.reason;
  const auto& assign = std::get<AssignReplicas>(a.kind);
  // redis-6 must not go to master 2 (same host h2)... but master 2 has no replica at all,
  // so the replica count wins first: fewest replicas, then another host.
  ASSERT_GE(assign.assignments.size(), 1u);
  EXPECT_EQ(assign.assignments[0].replica.name, "redis-6");
  EXPECT_EQ(assign.assignments[0].master_id, IdOf(2));
}

TEST(PlanNextAction, ReplicaGoesToAnotherHostOnTies) {
  auto pods = SixPods();
  pods.push_back({6, "M", "", -1, "h0"});
  Action a = PlanNextAction(Build(7, pods), OnePerMaster());
  ASSERT_TRUE(Is<AssignReplicas>(a)) << ActionName(a) << ": " << a.reason;
  const auto& assign = std::get<AssignReplicas>(a.kind);
  ASSERT_EQ(assign.assignments.size(), 1u);
  EXPECT_EQ(assign.assignments[0].master_id, IdOf(1)) << "master 0 shares host h0";
}

TEST(PlanNextAction, NewReplicasLandOnOtherHostsThanTheirMasters) {
  // Masters 0,1,2 on h0,h1,h2; the three new pods on h0,h1,h2 too.
  std::vector<PodSpec> pods = {{0, "M", kA, -1, "h0"}, {1, "M", kB, -1, "h1"},
                               {2, "M", kC, -1, "h2"}, {3, "M", "", -1, "h0"},
                               {4, "M", "", -1, "h1"}, {5, "M", "", -1, "h2"}};
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  ASSERT_TRUE(Is<AssignReplicas>(a)) << ActionName(a) << ": " << a.reason;
  const auto& assign = std::get<AssignReplicas>(a.kind);
  ASSERT_EQ(assign.assignments.size(), 3u);
  std::set<std::string> masters;
  for (const auto& r : assign.assignments) {
    EXPECT_NE(r.replica.node_name, r.master.node_name) << r.replica.name << " -> " << r.master.name;
    masters.insert(r.master_id);
  }
  EXPECT_EQ(masters.size(), 3u) << "one replica per master";
}

TEST(PlanNextAction, ReplicasOnTheirMastersHostSwapMasters) {
  std::vector<PodSpec> pods = {{0, "M", kA, -1, "h0"}, {1, "M", kB, -1, "h1"},
                               {2, "M", kC, -1, "h2"}, {3, "S", "", 1, "h0"},
                               {4, "S", "", 0, "h1"},  {5, "S", "", 2, "h2"}};
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  ASSERT_TRUE(Is<AssignReplicas>(a)) << ActionName(a) << ": " << a.reason;
  const auto& assign = std::get<AssignReplicas>(a.kind);
  ASSERT_EQ(assign.assignments.size(), 2u);
  for (const auto& r : assign.assignments)
    EXPECT_NE(r.replica.node_name, r.master.node_name) << r.replica.name << " -> " << r.master.name;
}

TEST(PlanRoles, WaitWhileAPodIsStillJoining) {
  Observation obs = Build(7, SixPods());
  // redis-6 answers and knows redis-0, but the reference does not list it yet.
  ObservedNode joining;
  joining.pod.name = "redis-6";
  joining.pod.ordinal = 6;
  joining.pod.ip = "127.50.0.7";
  joining.reachable = true;
  joining.id = IdOf(6);
  auto self =
      Topology::ParseClusterNodes(testing::Line(IdOf(6), "127.50.0.7", "myself,master", "-", "") +
                                  testing::Line(IdOf(0), "127.50.0.1", "master", "-", kA));
  ASSERT_TRUE(self.ok());
  joining.view = *self;
  obs.nodes.push_back(joining);
  RolePlan roles = PlanRoles(obs, obs.nodes[0], OnePerMaster());
  EXPECT_TRUE(roles.assignments.empty());
  EXPECT_NE(roles.blocked.find("still joining"), std::string::npos) << roles.blocked;
}

TEST(PlanNextAction, WaitsUntilTheNewNodeKnowsItsMaster) {
  auto pods = SixPods();
  pods.push_back({6, "M", "", -1, "h1"});
  pods.push_back({7, "M", "", -1, "h2"});
  auto obs = Build(8, pods);
  auto alone =
      Topology::ParseClusterNodes(testing::Line(IdOf(7), "127.50.0.8", "myself,master", "-", "") +
                                  testing::Line(IdOf(0), "127.50.0.1", "master", "-", kA));
  ASSERT_TRUE(alone.ok());
  obs.nodes[7].view = *alone;
  Action a = PlanNextAction(obs, OnePerMaster());
  EXPECT_TRUE(Is<Wait>(a)) << ActionName(a) << ": " << a.reason;
  EXPECT_NE(a.reason.find("does not know"), std::string::npos) << a.reason;
}

TEST(PlanNextAction, ScaleInDrainsTheLeavingMaster) {
  auto pods = SixPods();
  pods[0].slots = "0-4095";
  pods[1].slots = "4096-8191";
  pods[2].slots = "8192-12287";
  pods.push_back({6, "M", "12288-16383", -1, "h1"});
  pods.push_back({7, "S", "", 6, "h2"});
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  ASSERT_TRUE(Is<DrainLeaving>(a)) << ActionName(a) << ": " << a.reason;
  const auto& drain = std::get<DrainLeaving>(a.kind);
  EXPECT_EQ(drain.weights.size(), 1u);
  EXPECT_EQ(drain.weights.at(IdOf(6)), 0.0);
  EXPECT_NE(a.reason.find("redis-6"), std::string::npos);
}

TEST(PlanNextAction, DrainedLeavingNodesAreRemovedTogether) {
  auto pods = SixPods();
  pods.push_back({6, "M", "", -1, "h1"});
  pods.push_back({7, "S", "", 6, "h2"});
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  ASSERT_TRUE(Is<RemoveLeaving>(a)) << ActionName(a) << ": " << a.reason;
  const auto& remove = std::get<RemoveLeaving>(a.kind);
  ASSERT_EQ(remove.nodes.size(), 2u);
  EXPECT_EQ(remove.forget_on.size(), 6u);
}

TEST(PlanNextAction, AStayingReplicaOfALeavingMasterMovesFirst) {
  auto pods = SixPods();
  pods[0].slots = "0-4095";
  pods[1].slots = "4096-8191";
  pods[2].slots = "8192-12287";
  pods[5] = {5, "S", "", 6, "h0"};
  pods.push_back({6, "M", "12288-16383", -1, "h1"});
  pods.push_back({7, "S", "", 2, "h2"});
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  ASSERT_TRUE(Is<AssignReplicas>(a)) << ActionName(a) << ": " << a.reason;
  const auto& assign = std::get<AssignReplicas>(a.kind);
  ASSERT_EQ(assign.assignments.size(), 1u);
  EXPECT_EQ(assign.assignments[0].replica.name, "redis-5");
  EXPECT_EQ(assign.assignments[0].master_id, IdOf(2)) << "master 2's other replica leaves";
}

TEST(PlanNextAction, AStaleFailedNodeIsForgottenOnceEveryPodAnswers) {
  // Master 1 was killed; its replica (4) took over; the pod came back empty.
  auto pods = SixPods();
  pods[4] = {4, "M", kB, -1, "h2"};
  pods[1] = {1, "S", "", 4, "h1", IdOf(91)};
  Action a = PlanNextAction(Build(6, pods, {{IdOf(1), "127.50.0.2", "master,fail", "-", ""}}),
                            OnePerMaster());
  ASSERT_TRUE(Is<Forget>(a)) << ActionName(a) << ": " << a.reason;
  const auto& forget = std::get<Forget>(a.kind);
  ASSERT_EQ(forget.nodes.size(), 1u);
  EXPECT_EQ(forget.nodes[0].id, IdOf(1));
}

TEST(PlanNextAction, APodBackEmptyBecomesTheReplicaOfTheShardWithout) {
  auto pods = SixPods();
  pods[4] = {4, "M", kB, -1, "h2"};
  pods[1] = {1, "M", "", -1, "h1", IdOf(91)};
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  ASSERT_TRUE(Is<AssignReplicas>(a)) << ActionName(a) << ": " << a.reason;
  const auto& assign = std::get<AssignReplicas>(a.kind);
  ASSERT_EQ(assign.assignments.size(), 1u);
  EXPECT_EQ(assign.assignments[0].replica.name, "redis-1");
  EXPECT_EQ(assign.assignments[0].master_id, IdOf(4));
}

TEST(PlanNextAction, APodBackOnANewAddressIsMetAgain) {
  auto obs = Build(6, SixPods());
  obs.nodes[2].pod.ip = "127.50.1.3";  // the pod's new IP; the cluster still has the old one
  Action a = PlanNextAction(obs, OnePerMaster());
  ASSERT_TRUE(Is<Meet>(a)) << ActionName(a) << ": " << a.reason;
  const auto& meet = std::get<Meet>(a.kind);
  ASSERT_EQ(meet.pods.size(), 1u);
  EXPECT_EQ(meet.pods[0].ip, "127.50.1.3");
  EXPECT_NE(a.reason.find("new address"), std::string::npos);
}

TEST(PlanNextAction, AMasterWhosePodCameBackAsANewNodeHasItsReplicaPromoted) {
  // Pod 1 (master) was killed and came back empty on the same IP before the
  // failover: redis marks the old id "noaddr" and never fails it over itself.
  auto pods = SixPods();
  pods[1] = {1, "-", "", -1, "h1", IdOf(91)};
  auto obs = Build(6, pods, {{IdOf(1), "", "master,noaddr", "-", kB}});
  // The builder does not list absent pods' nodes; pod 4 still follows master 1.
  Action a = PlanNextAction(obs, OnePerMaster());
  ASSERT_TRUE(Is<PromoteReplica>(a)) << ActionName(a) << ": " << a.reason;
  const auto& promote = std::get<PromoteReplica>(a.kind);
  EXPECT_EQ(promote.replica.name, "redis-4");  // one replica: PromoteReplica names exactly one
  EXPECT_EQ(promote.master_id, IdOf(1));
}

TEST(PlanNextAction, AFailedMasterWithSlotsBlocksChanges) {
  auto pods = SixPods();
  pods[1].role = "X";
  pods[4] = {4, "S", "", 1, "h2"};
  auto obs = Build(6, pods, {{IdOf(1), "127.50.0.2", "master,fail", "-", kB}});
  Action a = PlanNextAction(obs, OnePerMaster());
  EXPECT_TRUE(Is<Wait>(a)) << ActionName(a) << ": " << a.reason;
  EXPECT_NE(a.reason.find("failed"), std::string::npos) << a.reason;
}

TEST(PlanNextAction, ABalancedHealthyClusterNeedsNothing) {
  Action a = PlanNextAction(Build(6, SixPods()), OnePerMaster());
  EXPECT_TRUE(Is<NothingToDo>(a)) << ActionName(a) << ": " << a.reason;
}

TEST(PlanNextAction, AKeptEmptyMasterGetsSlotsByRebalance) {
  auto pods = SixPods();
  pods.push_back({6, "M", "", -1, "h1"});
  pods.push_back({7, "S", "", 6, "h2"});
  Action a = PlanNextAction(Build(8, pods), OnePerMaster());
  ASSERT_TRUE(Is<Rebalance>(a)) << ActionName(a) << ": " << a.reason;
  const auto& rebalance = std::get<Rebalance>(a.kind);
  EXPECT_TRUE(rebalance.weights.empty()) << "every master takes part";
  EXPECT_NE(a.reason.find("redis-6 holds 0 of ~4096"), std::string::npos) << a.reason;
  EXPECT_EQ(rebalance.seed, "127.50.0.1:6379");
}

TEST(PlanNextAction, ReplicaCountsAreEvenedOut) {
  auto pods = SixPods();
  pods[5] = {5, "S", "", 0, "h2"};  // master 0 has two replicas, master 2 none
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  ASSERT_TRUE(Is<AssignReplicas>(a)) << ActionName(a) << ": " << a.reason;
  const auto& assign = std::get<AssignReplicas>(a.kind);
  ASSERT_EQ(assign.assignments.size(), 1u);
  EXPECT_EQ(assign.assignments[0].master_id, IdOf(2));
}

TEST(PlanNextAction, ScaleDownThatLeavesTooManyMastersDrainsTheHighestOne) {
  // Bootstrapped with 8 pods (masters 0-3, replicas 4-7), scaled to 6: the
  // replicas of masters 2 and 3 left, so 4 masters hold slots for 6 pods.
  std::vector<PodSpec> pods = {{0, "M", "0-4095", -1, "h0"},
                               {1, "M", "4096-8191", -1, "h1"},
                               {2, "M", "8192-12287", -1, "h2"},
                               {3, "M", "12288-16383", -1, "h0"},
                               {4, "S", "", 0, "h1"},
                               {5, "S", "", 1, "h2"}};
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  ASSERT_TRUE(Is<Rebalance>(a)) << ActionName(a) << ": " << a.reason;
  const auto& rebalance = std::get<Rebalance>(a.kind);
  ASSERT_EQ(rebalance.weights.size(), 1u);
  EXPECT_EQ(rebalance.weights.at(IdOf(3)), 0.0);
  // Once drained, redis-3 becomes the replica of master 2 (the one without).
  pods[2].slots = "8192-12287,12288-13653";
  pods[0].slots = "0-4095,13654-15018";
  pods[1].slots = "4096-8191,15019-16383";
  pods[3].slots = "";
  Action next = PlanNextAction(Build(6, pods), OnePerMaster());
  ASSERT_TRUE(Is<AssignReplicas>(next)) << ActionName(next) << ": " << next.reason;
  const auto& assign = std::get<AssignReplicas>(next.kind);
  ASSERT_EQ(assign.assignments.size(), 1u);
  EXPECT_EQ(assign.assignments[0].replica.name, "redis-3");
  EXPECT_EQ(assign.assignments[0].master_id, IdOf(2));
}

TEST(PlanNextAction, AReplicaStillFollowingItsMastersOldAddressIsReattached) {
  auto obs = Build(6, SixPods());
  obs.nodes[3].replicating_from = "127.50.9.9:6379";  // the master's address before a restart
  obs.nodes[3].replication_link_up = false;
  obs.nodes[4].replicating_from = "127.50.0.2:6379";
  obs.nodes[4].replication_link_up = true;
  Action a = PlanNextAction(obs, OnePerMaster());
  ASSERT_TRUE(Is<AssignReplicas>(a)) << ActionName(a) << ": " << a.reason;
  const auto& assign = std::get<AssignReplicas>(a.kind);
  ASSERT_EQ(assign.assignments.size(), 1u);
  EXPECT_EQ(assign.assignments[0].replica.name, "redis-3");
  EXPECT_EQ(assign.assignments[0].master_id, IdOf(0));
}

TEST(PlanNextAction, ARoleThatMustWaitDoesNotHoldUpADrain) {
  auto pods = SixPods();
  pods[0].slots = "0-4095";
  pods[1].slots = "4096-8191";
  pods[2].slots = "8192-12287";
  pods[5] = {5, "-", "", -1, "h0", IdOf(95)};  // came back empty; its MEET is in handshake
  pods.push_back({6, "M", "12288-16383", -1, "h1"});
  pods.push_back({7, "S", "", 6, "h2"});
  Observation obs = Build(
      6, pods, {{"ffffffffffffffffffffffffffffffffffffffff", "127.50.0.6", "handshake", "-", ""}});
  RolePlan roles = PlanRoles(obs, obs.nodes[0], OnePerMaster());
  ASSERT_NE(roles.blocked.find("still joining"), std::string::npos) << roles.blocked;
  Action a = PlanNextAction(obs, OnePerMaster());
  EXPECT_TRUE(Is<DrainLeaving>(a)) << ActionName(a) << ": " << a.reason;
}

TEST(PlanNextAction, NoSlotMovesWhileAnyMembersViewSeesAMasterDown) {
  auto pods = SixPods();
  pods.push_back({6, "M", "", -1, "h1"});
  pods.push_back({7, "S", "", 6, "h2"});
  Observation obs = Build(8, pods);
  // redis-3's own view already flags master 1 as failed; the reference does not yet.
  auto view = Topology::ParseClusterNodes(
      testing::Line(IdOf(3), "127.50.0.4", "myself,slave", IdOf(0), "") +
      testing::Line(IdOf(0), "127.50.0.1", "master", "-", kA) +
      testing::Line(IdOf(1), "127.50.0.2", "master,fail", "-", kB) +
      testing::Line(IdOf(2), "127.50.0.3", "master", "-", kC));
  ASSERT_TRUE(view.ok());
  obs.nodes[3].view = *view;
  Action a = PlanNextAction(obs, OnePerMaster());
  EXPECT_TRUE(Is<Wait>(a)) << ActionName(a) << ": " << a.reason;
}

TEST(PlanNextAction, NothingAnswersMeansWait) {
  Action a = PlanNextAction(Build(3, {{0, "X"}, {1, "X"}, {2, "X"}}), OnePerMaster());
  EXPECT_TRUE(Is<Wait>(a)) << ActionName(a);
}

}  // namespace
}  // namespace rc::agent
