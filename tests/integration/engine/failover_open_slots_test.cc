// A target left IMPORTING from a source master that then died and was failed
// over: the state behind the flaky
// FaultsTest.SourceMasterKilledMidMigrationThenRerunAfterFailover, made by hand.
//
// Redis never lets a gossiped claim rebind a slot a node is importing
// (clusterUpdateSlotsConfigWith skips importing slots), so the target keeps
// mapping the slot to the dead master, sees it uncovered and says
// cluster_state:fail for good; it then answers every MIGRATE of that slot's
// keys with CLUSTERDOWN. A rerun must still close the slot on the promoted
// replica without losing a key.
#include <gtest/gtest.h>
#include <signal.h>

#include "agent/engine/migration_engine.h"
#include "common/slot_hash.h"
#include "tests/support/redis_cluster_fixture.h"
#include "tests/support/wait_for.h"

namespace rc::engine {
namespace {

using rc::testing::ClusterFixtureOptions;
using rc::testing::RedisClusterFixture;
using rc::testing::WaitFor;
using namespace std::chrono_literals;

// A hash tag starting with `prefix` whose slot node 1 (5461-10922) owns.
std::string TagOnNode1(const std::string& prefix) {
  std::string tag = prefix;
  for (int i = 0; KeySlot(tag) < 5461 || KeySlot(tag) > 10922; ++i)
    tag = prefix + std::to_string(i);
  return tag;
}

TEST(FailoverOpenSlotsTest, TargetImportingFromDeadSourceIsClosedOnThePromotedReplica) {
  ClusterFixtureOptions o;
  o.first_index = 140;
  o.replicas_per_master = 1;  // node 4 replicates node 1
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(20000, 32).ok());
  auto source = cluster.Connect(1);
  ASSERT_TRUE(source.ok());
  // Slot `with_keys`: 40 keys, 20 of them already on the target when the
  // source dies; slot `empty_half`: opened, no key moved yet (both as an
  // interrupted group of SlotGroupMover leaves them).
  const std::string tag = TagOnNode1("moving");
  const std::string other_tag = TagOnNode1("opened");
  const int with_keys = KeySlot(tag);
  const int empty_half = KeySlot(other_tag);
  ASSERT_NE(with_keys, empty_half);
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) {
    keys.push_back("{" + tag + "}" + std::to_string(i));
    ASSERT_TRUE(CommandChecked(**source, {"SET", keys.back(), "v" + std::to_string(i)}).ok());
  }
  ASSERT_TRUE(CommandChecked(**source, {"SET", "{" + other_tag + "}x", "y"}).ok());
  auto before = cluster.Checksum();
  ASSERT_TRUE(before.ok());

  auto added = cluster.AddNode();
  ASSERT_TRUE(added.ok());
  auto target = cluster.Connect(*added);
  ASSERT_TRUE(target.ok());
  auto source_id = cluster.NodeId(1);
  auto target_id = cluster.NodeId(*added);
  auto victim_replica_id = cluster.NodeId(4);
  ASSERT_TRUE(source_id.ok() && target_id.ok() && victim_replica_id.ok());
  for (int slot : {with_keys, empty_half}) {
    const std::string s = std::to_string(slot);
    ASSERT_TRUE(CommandChecked(**target, {"CLUSTER", "SETSLOT", s, "IMPORTING", *source_id}).ok());
    ASSERT_TRUE(CommandChecked(**source, {"CLUSTER", "SETSLOT", s, "MIGRATING", *target_id}).ok());
  }
  RedisCommand migrate = {"MIGRATE", cluster.node(*added).ip(), "6379", "", "0", "5000", "KEYS"};
  migrate.insert(migrate.end(), keys.begin(), keys.begin() + 20);
  auto migrated = CommandChecked(**source, migrate);
  ASSERT_TRUE(migrated.ok()) << migrated.status().ToString();
  // The replica has applied the DELs of the moved keys before its master dies.
  auto acked = CommandChecked(**source, {"WAIT", "1", "20000"});
  ASSERT_TRUE(acked.ok() && acked->integer == 1);

  cluster.node(1).Kill(SIGKILL);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto topo = cluster.TopologyOf(4);
        return topo.ok() && topo->Myself() && topo->Myself()->IsMaster() &&
               !topo->Myself()->slots.Empty();
      },
      30s, 50ms));
  // The stuck state: the target still maps the slot to the dead master and is down.
  std::string last;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto info = (*target)->Command({"CLUSTER", "INFO"});
        auto topo = cluster.TopologyOf(*added);
        if (!info.ok() || !topo.ok()) return false;
        last = info->str.substr(0, 40);
        return info->str.find("cluster_state:fail") != std::string::npos &&
               topo->SlotOwners()[static_cast<size_t>(with_keys)] == *source_id;
      },
      20s, 50ms))
      << "the target did not get stuck as expected: " << last;

  MigrationEngine engine(cluster.connector(), EngineOptions{});
  PlanOptions plan;
  plan.use_empty_masters = true;
  auto outcome = engine.Rebalance(cluster.seed(), plan, false, nullptr);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->balanced_after);
  auto after = cluster.Checksum();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
  // Every key of the slot answers through the cluster, wherever it now lives.
  auto seed_view = cluster.TopologyOf(0);
  ASSERT_TRUE(seed_view.ok());
  const std::string owner = seed_view->SlotOwners()[static_cast<size_t>(with_keys)];
  const ClusterNode* owner_node = seed_view->FindById(owner);
  ASSERT_NE(owner_node, nullptr);
  EXPECT_TRUE(owner == *victim_replica_id || owner == *target_id) << owner;
  auto oc = cluster.connector().Connect(owner_node->ip, owner_node->port);
  ASSERT_TRUE(oc.ok());
  for (int i = 0; i < 40; ++i) {
    auto v = CommandChecked(**oc, {"GET", keys[static_cast<size_t>(i)]});
    ASSERT_TRUE(v.ok()) << keys[static_cast<size_t>(i)] << ": " << v.status().ToString();
    EXPECT_EQ(v->str, "v" + std::to_string(i)) << keys[static_cast<size_t>(i)];
  }
  auto state = (*target)->Command({"CLUSTER", "INFO"});
  ASSERT_TRUE(state.ok());
  EXPECT_NE(state->str.find("cluster_state:ok"), std::string::npos);
  for (int i = 0; i < cluster.size(); ++i) {
    if (!cluster.node(i).running()) continue;
    auto c = cluster.Connect(i);
    if (c.ok()) (void)(*c)->Command({"CLUSTER", "FORGET", *source_id});
  }
  std::string check;
  EXPECT_TRUE(WaitFor([&] { return cluster.RedisCliCheck(&check); }, 10s, 200ms)) << check;
}

}  // namespace
}  // namespace rc::engine
