// `redis-cluster-agent cover-slots` as a user runs it, on real redis-server
// processes (127.60.x.y): three masters, no replicas; one is killed for good
// (SIGKILL by pid, never restarted), so its slots are served by nobody and
// every node says cluster_state:fail. The command refuses without consent and
// while a slot is open, shows the plan on --dry-run without changing
// anything, then covers the slots: cluster_state:ok on the survivors,
// `redis-cli --cluster check` passes, every key outside the lost slots is
// still there with its value, and the lost slots serve again, empty.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>

#include "common/slot_hash.h"
#include "tests/support/redis_cli_check.h"
#include "tests/support/redis_cluster_fixture.h"
#include "tests/support/run_command.h"
#include "tests/support/wait_for.h"

namespace rc::testing {
namespace {

using namespace std::chrono_literals;

CommandRun Agent(const std::string& args) {
  return RunCommand(std::string(RC_AGENT_BINARY) + " " + args);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string ClusterState(RedisClusterFixture& cluster, int i) {
  auto c = cluster.Connect(i);
  if (!c.ok()) return "unreachable";
  auto info = (*c)->Command({"CLUSTER", "INFO"});
  if (!info.ok()) return "unreachable";
  auto at = info->str.find("cluster_state:");
  return at == std::string::npos ? "?"
                                 : info->str.substr(at + 14, info->str.find('\r', at) - at - 14);
}

// Whether node `i` flags node `id` "fail".
bool SeesFailed(RedisClusterFixture& cluster, int i, const std::string& id) {
  auto topo = cluster.TopologyOf(i);
  if (!topo.ok()) return false;
  const ClusterNode* n = topo->FindById(id);
  return n != nullptr && n->flags.fail;
}

// Three masters, no replica, on 127.<suite>.0.x.
ClusterFixtureOptions ThreeMastersWithoutReplicas(int suite) {
  ClusterFixtureOptions o;
  o.suite = suite;
  o.masters = 3;
  o.replicas_per_master = 0;
  return o;
}

TEST(CoverSlotsTest, BadUsageExitsTwoAnUnreachableSeedOne) {
  EXPECT_EQ(Agent("cover-slots --accept-data-loss").code, 2);  // no --seed
  EXPECT_EQ(Agent("cover-slots --seed 127.60.9.250:6379 --accept-data-loss --wait-ms 0").code, 2);
  EXPECT_EQ(Agent("cover-slots --seed 127.60.9.250:6379 --accept-data-loss --yes").code, 2);
  CommandRun help = Agent("cover-slots --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(Contains(help.out, "THE KEYS IN THOSE\nSLOTS ARE LOST")) << help.out;
  CommandRun unreachable = Agent("cover-slots --seed 127.60.9.250:6379 --accept-data-loss");
  EXPECT_EQ(unreachable.code, 1) << unreachable.out;
  EXPECT_TRUE(Contains(unreachable.out, "cannot read the cluster: seed 127.60.9.250:6379"))
      << unreachable.out;
}

TEST(CoverSlotsTest, AMasterLostWithoutReplicaHasItsSlotsServedAgainEmpty) {
  RedisClusterFixture cluster(ThreeMastersWithoutReplicas(60));
  ASSERT_TRUE(cluster.Create().ok());
  constexpr long long kKeys = 6000;
  constexpr size_t kValueSize = 24;
  ASSERT_TRUE(cluster.Fill(kKeys, kValueSize).ok());
  auto before = cluster.TopologyOf(0);
  ASSERT_TRUE(before.ok());
  auto lost_id = cluster.NodeId(2);
  ASSERT_TRUE(lost_id.ok());
  SlotSet lost_slots = before->FindById(*lost_id)->slots;
  ASSERT_FALSE(lost_slots.Empty());

  cluster.node(2).Kill(SIGKILL);  // for good: never restarted
  ASSERT_TRUE(WaitFor(
      [&] {
        return SeesFailed(cluster, 0, *lost_id) && SeesFailed(cluster, 1, *lost_id) &&
               ClusterState(cluster, 0) == "fail" && ClusterState(cluster, 1) == "fail";
      },
      30s, 100ms));
  const std::string seed = "--seed " + cluster.address(0);

  // `status` says what is wrong and the next step.
  CommandRun status = Agent("status " + seed);
  EXPECT_EQ(status.code, 1) << status.out;
  EXPECT_TRUE(Contains(status.out, "next step: slots ")) << status.out;
  EXPECT_TRUE(Contains(status.out, "`redis-cluster-agent cover-slots " + seed + " --dry-run`"))
      << status.out;

  // A rebalance cannot proceed (after waiting for the nodes to agree, 20 s) and says why
  // and what to run.
  CommandRun rebalance = Agent("rebalance " + seed);
  EXPECT_EQ(rebalance.code, 1) << rebalance.out;
  EXPECT_TRUE(Contains(
      rebalance.out, "owns " + std::to_string(lost_slots.Count()) + " slots but is marked failed"))
      << rebalance.out;
  EXPECT_TRUE(Contains(rebalance.out, "redis-cluster-agent rebalance: slots ")) << rebalance.out;
  EXPECT_TRUE(Contains(rebalance.out, "`redis-cluster-agent cover-slots " + seed + " --dry-run`"))
      << rebalance.out;

  // No consent: bad usage, and it says the keys are gone.
  CommandRun no_consent = Agent("cover-slots " + seed);
  EXPECT_EQ(no_consent.code, 2) << no_consent.out;
  EXPECT_TRUE(Contains(no_consent.out, "refusing without --accept-data-loss")) << no_consent.out;
  EXPECT_TRUE(Contains(no_consent.out, "every key that was in those slots is gone"))
      << no_consent.out;

  // An open slot: refused, nothing changed.
  auto node0 = cluster.Connect(0);
  ASSERT_TRUE(node0.ok());
  auto node1_id = cluster.NodeId(1);
  ASSERT_TRUE(node1_id.ok());
  ASSERT_TRUE(CommandChecked(**node0, {"CLUSTER", "SETSLOT", "100", "MIGRATING", *node1_id}).ok());
  CommandRun open = Agent("cover-slots " + seed + " --accept-data-loss");
  EXPECT_EQ(open.code, 1) << open.out;
  EXPECT_TRUE(Contains(open.out,
                       "REFUSED: 1 slot(s) are open (MIGRATING/IMPORTING), and not by a migration "
                       "with the lost master: 100"))
      << open.out;
  ASSERT_TRUE(CommandChecked(**node0, {"CLUSTER", "SETSLOT", "100", "STABLE"}).ok());

  // Dry run: the plan, and nothing changed.
  CommandRun dry = Agent("cover-slots " + seed + " --dry-run");
  EXPECT_EQ(dry.code, 0) << dry.out;
  EXPECT_TRUE(Contains(
      dry.out, std::to_string(lost_slots.Count()) + " slot(s) are served by no live master:"))
      << dry.out;
  EXPECT_TRUE(Contains(dry.out, "belonged to master " + lost_id->substr(0, 8) + " (" +
                                    cluster.address(2) +
                                    "), marked failed, with no replica to take over"))
      << dry.out;
  EXPECT_TRUE(Contains(dry.out, "dry run: nothing changed")) << dry.out;
  EXPECT_EQ(ClusterState(cluster, 0), "fail");

  CommandRun cover = Agent("cover-slots " + seed + " --accept-data-loss");
  ASSERT_EQ(cover.code, 0) << cover.out;
  std::printf("--- cover-slots printed:\n%s---\n", cover.out.c_str());
  EXPECT_TRUE(Contains(cover.out, "The keys that were in these slots are lost for good"))
      << cover.out;
  EXPECT_TRUE(Contains(cover.out, "forgot on 2 node(s): master " + lost_id->substr(0, 8)))
      << cover.out;
  EXPECT_TRUE(Contains(cover.out, "gave slots ")) << cover.out;
  EXPECT_TRUE(Contains(cover.out, "cluster_state:ok on all 2 node(s), every slot served"))
      << cover.out;

  // Both survivors: ok, every slot owned by one of them, the lost node forgotten.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(ClusterState(cluster, i), "ok") << "node " << i;
    auto topo = cluster.TopologyOf(i);
    ASSERT_TRUE(topo.ok());
    EXPECT_EQ(topo->CoveredSlots().Count(), kSlotCount) << "node " << i;
    EXPECT_EQ(topo->FindById(*lost_id), nullptr) << "node " << i << " still lists the lost node";
  }
  std::string check;
  EXPECT_TRUE(RedisCliClusterCheck(cluster.address(0), "", &check)) << check;

  // Every key outside the lost slots is still there, with its value; the lost slots are empty.
  auto after = cluster.TopologyOf(0);
  ASSERT_TRUE(after.ok());
  std::vector<std::string> owners = after->SlotOwners();
  std::map<std::string, std::vector<long long>> by_owner;
  long long kept = 0;
  for (long long i = 0; i < kKeys; ++i) {
    int slot = KeySlot("key:" + std::to_string(i));
    if (lost_slots.Contains(slot)) continue;
    by_owner[owners[static_cast<size_t>(slot)]].push_back(i);
    ++kept;
  }
  ASSERT_GT(kept, kKeys / 2);
  long long found = 0, lost_keys_seen = 0;
  for (int n = 0; n < 2; ++n) {
    auto id = cluster.NodeId(n);
    ASSERT_TRUE(id.ok());
    auto client = cluster.Connect(n);
    ASSERT_TRUE(client.ok());
    std::vector<RedisCommand> gets;
    for (long long i : by_owner[*id]) gets.push_back({"GET", "key:" + std::to_string(i)});
    auto replies = (*client)->Pipeline(gets);
    ASSERT_TRUE(replies.ok()) << replies.status().ToString();
    for (size_t k = 0; k < gets.size(); ++k) {
      long long i = by_owner[*id][k];
      EXPECT_EQ((*replies)[k].str, RedisClusterFixture::ValueFor(i, kValueSize)) << "key:" << i;
      found += (*replies)[k].str == RedisClusterFixture::ValueFor(i, kValueSize) ? 1 : 0;
    }
    for (int slot : after->FindById(*id)->slots.Intersect(lost_slots).Slots()) {
      auto count = (*client)->Command({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)});
      ASSERT_TRUE(count.ok());
      lost_keys_seen += count->integer;
    }
  }
  EXPECT_EQ(found, kept);
  EXPECT_EQ(lost_keys_seen, 0);

  // A lost slot serves writes again on its new owner.
  int lost_slot = lost_slots.Slots().front();
  std::string new_owner = owners[static_cast<size_t>(lost_slot)];
  int owner_index = *cluster.NodeId(0) == new_owner ? 0 : 1;
  auto writer = cluster.Connect(owner_index);
  ASSERT_TRUE(writer.ok());
  std::string key;
  for (int i = 0; key.empty(); ++i)
    if (KeySlot("new:" + std::to_string(i)) == lost_slot) key = "new:" + std::to_string(i);
  auto set = CommandChecked(**writer, {"SET", key, "v"});
  EXPECT_TRUE(set.ok()) << set.status().ToString();

  // Once covered, a second run has nothing to do.
  CommandRun again = Agent("cover-slots " + seed + " --accept-data-loss");
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_TRUE(Contains(again.out, "nothing to cover")) << again.out;
}

// A hash tag whose slot lies in `slots`.
std::string TagIn(const SlotSet& slots, const std::string& prefix) {
  for (int i = 0;; ++i)
    if (slots.Contains(KeySlot(prefix + std::to_string(i)))) return prefix + std::to_string(i);
}

// The master lost without replica was in the middle of two migrations: node 1
// imported one of its slots (half the keys had moved), and node 0 was moving
// one of its own slots to it. Nothing but forgetting the lost master closes
// those slots, so cover-slots does not refuse them: node 1 keeps the slot it
// imported with the keys already there, node 0 keeps its own slot with the
// keys it had not sent yet, and the rest of the lost slots serve again, empty.
TEST(CoverSlotsTest, AMasterLostMidMigrationLeavesTheKeysAlreadyMovedToALiveOne) {
  RedisClusterFixture cluster(ThreeMastersWithoutReplicas(61));
  ASSERT_TRUE(cluster.Create().ok());
  auto topo = cluster.TopologyOf(0);
  ASSERT_TRUE(topo.ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto id = cluster.NodeId(i);
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
  }
  const std::string imported_tag = TagIn(topo->FindById(ids[2])->slots, "in");
  const std::string outgoing_tag = TagIn(topo->FindById(ids[0])->slots, "out");
  const int imported = KeySlot(imported_tag), outgoing = KeySlot(outgoing_tag);
  auto c0 = cluster.Connect(0), c1 = cluster.Connect(1), c2 = cluster.Connect(2);
  ASSERT_TRUE(c0.ok() && c1.ok() && c2.ok());
  auto key = [](const std::string& tag, int i) { return "{" + tag + "}" + std::to_string(i); };
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(CommandChecked(**c2, {"SET", key(imported_tag, i), "in" + std::to_string(i)}).ok());
    ASSERT_TRUE(
        CommandChecked(**c0, {"SET", key(outgoing_tag, i), "out" + std::to_string(i)}).ok());
  }
  const std::string in_slot = std::to_string(imported), out_slot = std::to_string(outgoing);
  for (auto [client, cmd] : std::vector<std::pair<RedisClient*, RedisCommand>>{
           {c1->get(), {"CLUSTER", "SETSLOT", in_slot, "IMPORTING", ids[2]}},
           {c2->get(), {"CLUSTER", "SETSLOT", in_slot, "MIGRATING", ids[1]}},
           {c2->get(), {"CLUSTER", "SETSLOT", out_slot, "IMPORTING", ids[0]}},
           {c0->get(), {"CLUSTER", "SETSLOT", out_slot, "MIGRATING", ids[2]}}})
    ASSERT_TRUE(CommandChecked(*client, cmd).ok()) << cmd[2] << " " << cmd[3];
  // Keys 0-9 of each slot move before the lost master dies.
  auto migrate = [&](RedisClient& from, int to, const std::string& tag) {
    RedisCommand m = {"MIGRATE", cluster.node(to).ip(), "6379", "", "0", "5000", "KEYS"};
    for (int i = 0; i < 10; ++i) m.push_back(key(tag, i));
    return CommandChecked(from, m);
  };
  ASSERT_TRUE(migrate(**c2, 1, imported_tag).ok());
  ASSERT_TRUE(migrate(**c0, 2, outgoing_tag).ok());

  cluster.node(2).Kill(SIGKILL);  // for good: never restarted
  ASSERT_TRUE(
      WaitFor([&] { return SeesFailed(cluster, 0, ids[2]) && SeesFailed(cluster, 1, ids[2]); }, 30s,
              100ms));
  // The engine leaves these slots alone: their owner (or target) is gone for good.
  const std::string seed = "--seed " + cluster.address(0);
  CommandRun dry = Agent("cover-slots " + seed + " --dry-run");
  EXPECT_EQ(dry.code, 0) << dry.out;
  EXPECT_TRUE(Contains(dry.out, "except " + in_slot + " (1 slot): a live master was importing"))
      << dry.out;
  EXPECT_TRUE(Contains(dry.out, "Also lost: the keys of " + out_slot + " (1 slot)")) << dry.out;

  CommandRun cover = Agent("cover-slots " + seed + " --accept-data-loss");
  ASSERT_EQ(cover.code, 0) << cover.out;
  std::printf("--- cover-slots printed:\n%s---\n", cover.out.c_str());
  EXPECT_TRUE(Contains(cover.out, "whose keys it had already imported and keeps")) << cover.out;
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(ClusterState(cluster, i), "ok") << "node " << i;
    auto after = cluster.TopologyOf(i);
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE(after->Myself()->migrating.empty()) << "node " << i;
    EXPECT_TRUE(after->Myself()->importing.empty()) << "node " << i;
    EXPECT_EQ(after->SlotOwners()[static_cast<size_t>(imported)], ids[1]) << "node " << i;
    EXPECT_EQ(after->SlotOwners()[static_cast<size_t>(outgoing)], ids[0]) << "node " << i;
  }
  // Served without redirection, by their owners: the keys that had moved to
  // node 1, and the keys node 0 had not sent yet; the others are gone.
  for (int i = 0; i < 20; ++i) {
    auto in = CommandChecked(**c1, {"GET", key(imported_tag, i)});
    ASSERT_TRUE(in.ok()) << in.status().ToString();
    EXPECT_EQ(in->str, i < 10 ? "in" + std::to_string(i) : "") << key(imported_tag, i);
    auto out = CommandChecked(**c0, {"GET", key(outgoing_tag, i)});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->str, i < 10 ? "" : "out" + std::to_string(i)) << key(outgoing_tag, i);
  }
  std::string check;
  EXPECT_TRUE(
      WaitFor([&] { return RedisCliClusterCheck(cluster.address(0), "", &check); }, 10s, 200ms))
      << check;
}

}  // namespace
}  // namespace rc::testing
