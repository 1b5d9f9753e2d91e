// The planner's slot moves (drain, rebalance) against views gossip has not
// settled yet (tests/e2e/FINDINGS.md 2, 3, 8): it decides with the engine's
// own planning on the cluster as the engine sees it, and waits until the
// masters of the plan know each other.
#include <gtest/gtest.h>

#include "agent/engine/cluster_view.h"
#include "agent/reconcile/reconcile_planner.h"
#include "tests/unit/agent/reconcile/cluster_builder.h"

namespace rc::agent {
namespace {

using testing::Build;
using testing::IdOf;
using testing::Line;
using testing::PodSpec;

const char* kA = "0-5461";
const char* kB = "5462-10922";
const char* kC = "10923-16383";

DesiredState OnePerMaster() { return DesiredState{1, 3}; }

std::string Ip(int ordinal) { return "127.50.0." + std::to_string(ordinal + 1); }

// A CLUSTER NODES view from (ordinal, flags, master ordinal, slots) rows;
// the row of `self` gets "myself".
struct Row {
  int ordinal;
  std::string flags;  // "master" / "slave"
  int master = -1;
  std::string slots;
};
Topology View(int self, const std::vector<Row>& rows) {
  std::string text;
  for (const auto& r : rows)
    text += Line(IdOf(r.ordinal), Ip(r.ordinal), (r.ordinal == self ? "myself," : "") + r.flags,
                 r.master < 0 ? "-" : IdOf(r.master), r.slots);
  auto topo = Topology::ParseClusterNodes(text);
  EXPECT_TRUE(topo.ok()) << topo.status().ToString();
  return topo.ok() ? *topo : Topology();
}

// Six pods (masters 0-2, replicas 3-5) scaled to eight: redis-6 an empty
// master, redis-7 already its replica.
std::vector<PodSpec> ScaledToEight() {
  return {{0, "M", kA, -1, "h0"}, {1, "M", kB, -1, "h1"}, {2, "M", kC, -1, "h2"},
          {3, "S", "", 0, "h1"},  {4, "S", "", 1, "h2"},  {5, "S", "", 2, "h0"},
          {6, "M", "", -1, "h1"}, {7, "S", "", 6, "h2"}};
}

// FINDINGS 2: a master that gives slots has not heard of the new one yet.
TEST(SlotMovePlanning, RebalanceWaitsUntilTheSourceMasterKnowsTheTarget) {
  Observation obs = Build(8, ScaledToEight());
  // redis-1 (a donor) does not know redis-6 or redis-7 yet; every slot is still covered.
  obs.nodes[1].view = View(1, {{0, "master", -1, kA},
                               {1, "master", -1, kB},
                               {2, "master", -1, kC},
                               {3, "slave", 0, ""},
                               {4, "slave", 1, ""},
                               {5, "slave", 2, ""}});
  Action a = PlanNextAction(obs, OnePerMaster());
  ASSERT_TRUE(Is<Wait>(a)) << ActionName(a) << ": " << a.reason;
  EXPECT_NE(a.reason.find("redis-1"), std::string::npos) << a.reason;
  EXPECT_NE(a.reason.find("does not know redis-6"), std::string::npos) << a.reason;

  // Once it does, the rebalance starts.
  obs = Build(8, ScaledToEight());
  a = PlanNextAction(obs, OnePerMaster());
  EXPECT_TRUE(Is<Rebalance>(a)) << ActionName(a) << ": " << a.reason;
}

TEST(SlotMovePlanning, RebalanceWaitsUntilTheTargetKnowsEverySource) {
  Observation obs = Build(8, ScaledToEight());
  obs.nodes[6].view = View(
      6,
      {{0, "master", -1, kA}, {1, "master", -1, kB}, {6, "master", -1, ""}, {7, "slave", 6, ""}});
  // redis-6's view lacks redis-2's slots too: either reason keeps it waiting.
  Action a = PlanNextAction(obs, OnePerMaster());
  EXPECT_TRUE(Is<Wait>(a)) << ActionName(a) << ": " << a.reason;
}

// FINDINGS 2, drain: the leaving master must know every master it gives to,
// including an empty one that takes slots for the first time.
TEST(SlotMovePlanning, DrainWaitsUntilTheLeavingMasterKnowsAnEmptyReceiver) {
  std::vector<PodSpec> pods = {{0, "M", "0-4095", -1, "h0"},
                               {1, "M", "4096-8191", -1, "h1"},
                               {2, "M", "8192-12287", -1, "h2"},
                               {3, "M", "", -1, "h0"},
                               {4, "S", "", 0, "h1"},
                               {5, "S", "", 1, "h2"},
                               {6, "M", "12288-16383", -1, "h1"},
                               {7, "S", "", 6, "h2"}};
  DesiredState four{1, 4};  // four masters wanted: the empty redis-3 stays one
  Observation obs = Build(6, pods);
  Action ready = PlanNextAction(obs, four);
  ASSERT_TRUE(Is<DrainLeaving>(ready)) << ActionName(ready) << ": " << ready.reason;
  const auto& drain = std::get<DrainLeaving>(ready.kind);
  EXPECT_EQ(drain.weights.at(IdOf(6)), 0.0);

  obs.nodes[6].view = View(6, {{0, "master", -1, "0-4095"},
                               {1, "master", -1, "4096-8191"},
                               {2, "master", -1, "8192-12287"},
                               {4, "slave", 0, ""},
                               {5, "slave", 1, ""},
                               {6, "master", -1, "12288-16383"},
                               {7, "slave", 6, ""}});
  Action a = PlanNextAction(obs, four);
  ASSERT_TRUE(Is<Wait>(a)) << ActionName(a) << ": " << a.reason;
  EXPECT_NE(a.reason.find("cannot drain"), std::string::npos) << a.reason;
  EXPECT_NE(a.reason.find("redis-6"), std::string::npos) << a.reason;
  EXPECT_NE(a.reason.find("does not know redis-3"), std::string::npos) << a.reason;
}

// FINDINGS 3: 5462/5461/5461 is balanced, whatever order the shares are in.
TEST(SlotMovePlanning, ThreeMastersWithinOneSlotAreBalanced) {
  std::vector<PodSpec> pods = {{0, "M", "0-5460", -1, "h0"},
                               {1, "M", "5461-10922", -1, "h1"},
                               {2, "M", "10923-16383", -1, "h2"},
                               {3, "S", "", 0, "h1"},
                               {4, "S", "", 1, "h2"},
                               {5, "S", "", 2, "h0"}};
  Action a = PlanNextAction(Build(6, pods), OnePerMaster());
  EXPECT_TRUE(Is<NothingToDo>(a)) << ActionName(a) << ": " << a.reason;
  EXPECT_EQ(a.reason, "cluster balanced: 3 masters");
}

// FINDINGS 3: right after the replicas are attached, the reference node still
// lists them as empty masters; each says it is a replica. The engine (each
// node the authority on its role) finds nothing to move, so neither may the planner.
TEST(SlotMovePlanning, JustAttachedReplicasTheReferenceStillCallsMastersAreNotUneven) {
  std::vector<PodSpec> pods = {{0, "M", kA, -1, "h0"}, {1, "M", kB, -1, "h1"},
                               {2, "M", kC, -1, "h2"}, {3, "S", "", 0, "h1"},
                               {4, "S", "", 1, "h2"},  {5, "S", "", 2, "h0"}};
  Observation obs = Build(6, pods);
  obs.nodes[0].view = View(0, {{0, "master", -1, kA},
                               {1, "master", -1, kB},
                               {2, "master", -1, kC},
                               {3, "master", -1, ""},
                               {4, "master", -1, ""},
                               {5, "master", -1, ""}});
  ASSERT_EQ(ReferenceNode(obs), &obs.nodes[0]);
  Action a = PlanNextAction(obs, OnePerMaster());
  EXPECT_TRUE(Is<NothingToDo>(a)) << ActionName(a) << ": " << a.reason;
  EXPECT_EQ(a.reason, "cluster balanced: 3 masters");
}

// Whenever the planner rebalances, the engine's plan over a settled view with
// the action's weights has slots to move (the two cannot disagree).
TEST(SlotMovePlanning, ARebalanceDecisionIsOneTheEngineAgreesWith) {
  Observation obs = Build(8, ScaledToEight());
  Action a = PlanNextAction(obs, OnePerMaster());
  ASSERT_TRUE(Is<Rebalance>(a)) << ActionName(a) << ": " << a.reason;
  const auto& rebalance = std::get<Rebalance>(a.kind);
  std::vector<engine::NodeView> nodes;
  for (const auto& n : obs.nodes) {
    engine::NodeView v;
    v.address = n.pod.Address();
    v.id = n.id;
    v.reachable = true;
    v.topology = n.view;
    nodes.push_back(v);
  }
  auto view = engine::BuildClusterView(rebalance.seed, nodes);
  auto plan = engine::PlanRebalance(view, MigrationOptions(rebalance.weights));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->moves.size(), 4096u);
  for (const auto& m : plan->moves) EXPECT_EQ(m.to_id, IdOf(6));
}

// FINDINGS 8: redis-7 was just made redis-6's replica; the reference still
// lists it as an empty master. The sentence names only the plan's receivers.
TEST(SlotMovePlanning, TheReasonNeverCountsAJustAttachedReplicaAsAReceiver) {
  Observation obs = Build(8, ScaledToEight());
  obs.nodes[0].view = View(0, {{0, "master", -1, kA},
                               {1, "master", -1, kB},
                               {2, "master", -1, kC},
                               {3, "slave", 0, ""},
                               {4, "slave", 1, ""},
                               {5, "slave", 2, ""},
                               {6, "master", -1, ""},
                               {7, "master", -1, ""}});
  ASSERT_EQ(ReferenceNode(obs), &obs.nodes[0]);
  Action a = PlanNextAction(obs, OnePerMaster());
  ASSERT_TRUE(Is<Rebalance>(a)) << ActionName(a) << ": " << a.reason;
  const auto& rebalance = std::get<Rebalance>(a.kind);
  EXPECT_EQ(a.reason,
            "slots are uneven over 4 masters: rebalancing; redis-6 holds 0 of ~4096 slots; "
            "moving slots from redis-0, redis-1, redis-2");
  EXPECT_EQ(rebalance.weights.count(IdOf(7)), 0u) << "the engine refuses weights for replicas";
}

}  // namespace
}  // namespace rc::agent
