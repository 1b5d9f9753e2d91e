// A master lost with its data and no replica, end to end with real agents
// (127.50.60.x): three pods, no replicas; redis-2's pod comes back with an
// empty data dir (a new node id), so its slots are served by nobody. After
// the grace period the coordinator says, once, which slots, whose they were,
// that no replica answers, and the exact command; it never accepts the loss
// itself. Running that command heals the cluster: the coordinator says the
// slots are served again, every key outside the lost slots is still there.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "agent/engine/cluster_view.h"
#include "common/slot_hash.h"
#include "tests/integration/agent/agent_cluster.h"
#include "tests/support/run_command.h"
#include "tests/support/wait_for.h"

namespace rc::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

int CountOf(const std::string& text, const std::string& part) {
  int n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::string LineWith(const std::string& text, const std::string& part) {
  size_t at = text.find(part);
  if (at == std::string::npos) return "";
  size_t begin = text.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return text.substr(begin, text.find('\n', at) - begin);
}

// The coordinator's redis_cluster_agent_cluster_lost_slots gauge; -1 unknown.
long long LostSlotsGauge(const std::string& ip) {
  httplib::Client http(ip, kAgentHttpPort);
  auto res = http.Get("/metrics");
  if (!res || res->status != 200) return -1;
  const std::string name = "\nredis_cluster_agent_cluster_lost_slots ";
  size_t at = res->body.find(name);
  return at == std::string::npos ? -1 : std::atoll(res->body.c_str() + at + name.size());
}

// Three masters with no replica, each on its own agent, settled.
void StartThreeMastersWithoutReplicas(AgentCluster& cluster) {
  cluster.SetReplicas(3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cluster.StartPod(i).ok());
  std::string why;
  ASSERT_TRUE(cluster.WaitSettled({3, 3}, seconds(90), &why)) << why << cluster.AllAgentLogs();
}

constexpr const char* kLostSlotsSaid = "have been served by no master for";

// The coordinator's lost-slots warning line, printed; "" when none came within 60 s.
std::string WaitForLostSlotsWarning(AgentCluster& cluster) {
  if (!WaitFor([&] { return cluster.AgentLog(0).find(kLostSlotsSaid) != std::string::npos; },
               seconds(60), milliseconds(200))) {
    return "";
  }
  std::string warning = LineWith(cluster.AgentLog(0), kLostSlotsSaid);
  std::printf("--- the coordinator said:\n%s\n", warning.c_str());
  return warning;
}

TEST(AgentLostSlots, TheCoordinatorTellsWhatToRunAndTheClusterHealsOnceItIsRun) {
  AgentClusterOptions o;
  o.subnet = 60;
  o.replicas_per_master = 0;
  o.agent_args = {"--lost-slots-grace-ms=3000", "--pod-namespace=shop"};
  AgentCluster cluster(o);
  ASSERT_NO_FATAL_FAILURE(StartThreeMastersWithoutReplicas(cluster));
  constexpr long long kKeys = 3000;
  ASSERT_TRUE(cluster.Fill(kKeys).ok());
  auto old_id = cluster.NodeIdOf(2);
  ASSERT_TRUE(old_id.ok());
  auto before = engine::ObserveCluster(cluster.connector(), cluster.seed());
  ASSERT_TRUE(before.ok());
  SlotSet lost = before->topology.FindById(*old_id)->slots;

  ASSERT_TRUE(cluster.RestartPod(2, /*keep_data=*/false).ok());
  const std::string warning = WaitForLostSlotsWarning(cluster);
  ASSERT_FALSE(warning.empty()) << cluster.AllAgentLogs(4000);
  EXPECT_EQ(warning.rfind("W", 0), 0u) << "a warning: " << warning;
  EXPECT_NE(warning.find("slots " + lost.ToString() + " (" + std::to_string(lost.Count()) +
                         " slots) have been served by no master"),
            std::string::npos)
      << warning;
  EXPECT_NE(warning.find("belonged to master " + old_id->substr(0, 8)), std::string::npos)
      << warning;
  EXPECT_NE(warning.find("pod redis-2)"), std::string::npos) << warning;
  EXPECT_NE(warning.find("whose pod came back as a new node (empty data dir: its keys are gone)"),
            std::string::npos)
      << warning;
  EXPECT_NE(warning.find("No replica answers to take over, so the keys in these slots are lost"),
            std::string::npos)
      << warning;
  const std::string kubectl = "run: kubectl exec redis-0 -n shop -c redis-cluster-agent -- ";
  size_t at = warning.find(kubectl);
  ASSERT_NE(at, std::string::npos) << warning;
  std::string command = warning.substr(at + kubectl.size());
  EXPECT_EQ(command,
            "redis-cluster-agent cover-slots --seed " + cluster.ip(0) + ":6379 --accept-data-loss");

  EXPECT_EQ(LostSlotsGauge(cluster.ip(0)), lost.Count());
  // Never accepted by the agent itself: the slots stay lost until the command runs.
  auto still = engine::ObserveCluster(cluster.connector(), cluster.seed());
  ASSERT_TRUE(still.ok());
  EXPECT_FALSE(still->Consistent());

  // The command as the log gives it (the binary from the build instead of the PATH).
  const CommandRun cover =
      RunCommand(RC_AGENT_BINARY + command.substr(std::string("redis-cluster-agent").size()));
  std::printf("--- cover-slots printed:\n%s---\n", cover.out.c_str());
  ASSERT_EQ(cover.code, 0) << cover.out;

  const std::string back = "reported lost are served again";
  ASSERT_TRUE(WaitFor([&] { return cluster.AgentLog(0).find(back) != std::string::npos; },
                      seconds(60), milliseconds(200)))
      << cluster.AllAgentLogs(4000);
  std::printf("%s\n", LineWith(cluster.AgentLog(0), back).c_str());
  std::string why;
  ASSERT_TRUE(cluster.WaitSettled({3, 3}, seconds(90), &why)) << why << cluster.AllAgentLogs();
  std::string check;
  EXPECT_TRUE(
      WaitFor([&] { return cluster.RedisCliCheck(&check); }, seconds(30), milliseconds(500)))
      << check;
  // The gauge follows the coordinator's latest loop. One CI run read 5461
  // here after the log had said the slots were served again (a later loop
  // counted them lost once more; why is not known): it must come back to 0.
  EXPECT_TRUE(
      WaitFor([&] { return LostSlotsGauge(cluster.ip(0)) == 0; }, seconds(30), milliseconds(200)))
      << "lost-slots gauge: " << LostSlotsGauge(cluster.ip(0));
  // Said once (not every loop): the repeat is 5 minutes.
  EXPECT_EQ(CountOf(cluster.AgentLog(0), kLostSlotsSaid), 1) << cluster.AgentLog(0);

  // Every key outside the lost slots reads back its value; the lost ones are gone.
  auto after = engine::ObserveCluster(cluster.connector(), cluster.seed());
  ASSERT_TRUE(after.ok());
  std::vector<std::string> owners = after->topology.SlotOwners();
  std::map<std::string, std::unique_ptr<RedisClient>> clients;
  long long kept = 0, found = 0, gone = 0;
  for (long long i = 0; i < kKeys; ++i) {
    std::string key = "key:" + std::to_string(i);
    int slot = KeySlot(key);
    const ClusterNode* owner = after->topology.FindById(owners[static_cast<size_t>(slot)]);
    ASSERT_NE(owner, nullptr) << "slot " << slot << " has no owner";
    auto& client = clients[owner->id];
    if (!client) {
      auto c = cluster.connector().Connect(owner->ip, owner->port);
      ASSERT_TRUE(c.ok());
      client = std::move(c).value();
    }
    auto got = client->Command({"GET", key});
    ASSERT_TRUE(got.ok());
    if (lost.Contains(slot)) {
      gone += got->type == RedisReply::Type::kNil ? 1 : 0;
      continue;
    }
    ++kept;
    found += got->str == AgentCluster::ValueFor("key:", i) ? 1 : 0;
  }
  EXPECT_EQ(found, kept);
  EXPECT_EQ(gone, kKeys - kept);
  EXPECT_GT(kept, kKeys / 2);
}

// As in Kubernetes: the pod comes back empty on a new IP, so the cluster marks
// the old node "fail" (its address does not answer); the coordinator still
// names the pod (it remembers which pod ran which node id).
TEST(AgentLostSlots, APodBackEmptyOnANewIpIsNamedAndCoveredToo) {
  AgentClusterOptions o;
  o.subnet = 61;
  o.replicas_per_master = 0;
  o.agent_args = {"--lost-slots-grace-ms=3000"};
  AgentCluster cluster(o);
  ASSERT_NO_FATAL_FAILURE(StartThreeMastersWithoutReplicas(cluster));
  auto old_id = cluster.NodeIdOf(1);
  ASSERT_TRUE(old_id.ok());
  const std::string old_address = cluster.ip(1) + ":6379";

  ASSERT_TRUE(cluster.RestartPod(1, /*keep_data=*/false, "127.50.61.9").ok());
  const std::string warning = WaitForLostSlotsWarning(cluster);
  ASSERT_FALSE(warning.empty()) << cluster.AllAgentLogs(4000);
  EXPECT_NE(warning.find("belonged to master " + old_id->substr(0, 8) + " (" + old_address +
                         ", pod redis-1), marked failed, whose pod came back as a new node"),
            std::string::npos)
      << warning;
  // Outside Kubernetes (no namespace) the log gives the bare command.
  const std::string run = "run: redis-cluster-agent cover-slots --seed ";
  size_t at = warning.find(run);
  ASSERT_NE(at, std::string::npos) << warning;
  const CommandRun cover = RunCommand(
      RC_AGENT_BINARY + warning.substr(at + 5 + std::string("redis-cluster-agent").size()));
  const std::string& out = cover.out;
  ASSERT_EQ(cover.code, 0) << out;
  EXPECT_NE(out.find("-> master "), std::string::npos) << out;
  EXPECT_NE(out.find("(127.50.61.9:6379)"), std::string::npos)
      << "the new empty master takes them\n"
      << out;
  ASSERT_TRUE(WaitFor(
      [&] {
        return cluster.AgentLog(0).find("reported lost are served again") != std::string::npos;
      },
      seconds(60), milliseconds(200)))
      << cluster.AllAgentLogs(4000);
  std::string why;
  ASSERT_TRUE(cluster.WaitSettled({3, 3}, seconds(90), &why)) << why << cluster.AllAgentLogs();
  std::string check;
  EXPECT_TRUE(
      WaitFor([&] { return cluster.RedisCliCheck(&check); }, seconds(30), milliseconds(500)))
      << check;
}

}  // namespace
}  // namespace rc::testing
