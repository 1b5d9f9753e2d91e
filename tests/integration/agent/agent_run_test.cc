// The sidecar's loop, end to end on loopback: real redis-server processes,
// real agents, static discovery. Each scenario ends with the same referees:
// `redis-cli --cluster check` clean, every key reads back its value, the
// expected masters with balanced slots and replicas, replicas off their
// master's host.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>
#include <set>

#include "tests/integration/agent/agent_cluster.h"
#include "tests/support/wait_for.h"

namespace rc::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

[[maybe_unused]] long long KeyCount() {
  const char* big = std::getenv("RC_AGENT_IT_KEYS");
  return big ? std::atoll(big) : 20000;
}

#define EXPECT_SETTLED(cluster, masters, nodes)                                          \
  do {                                                                                   \
    std::string why;                                                                     \
    ASSERT_TRUE((cluster).WaitSettled({masters, nodes}, seconds(90), &why))              \
        << why << "\n"                                                                   \
        << (cluster).AllAgentLogs();                                                     \
    std::string cli;                                                                     \
    EXPECT_TRUE((cluster).RedisCliCheck(&cli)) << cli;                                   \
    EXPECT_EQ((cluster).HostProblems(), "");                                             \
  } while (0)


// Starts six pods and waits for the cluster; fills `keys` keys.
void StartSix(AgentCluster& cluster, long long keys) {
  cluster.SetReplicas(6);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(cluster.StartPod(i).ok());
  EXPECT_SETTLED(cluster, 3, 6);
  Status filled = cluster.Fill(keys);
  ASSERT_TRUE(filled.ok()) << filled.ToString();
}

void ExpectKeys(AgentCluster& cluster, long long keys) {
  Status verified = cluster.Verify(keys);
  EXPECT_TRUE(verified.ok()) << verified.ToString();
}

// The preStop of several leaving pods at once, as the StatefulSet controller
// deletes them under podManagementPolicy Parallel; then the pods go.
void ScaleIn(AgentCluster& cluster, int from, int to) {
  cluster.SetReplicas(to);
  std::vector<std::future<bool>> stops;
  for (int i = to; i < from; ++i)
    stops.push_back(std::async(std::launch::async, [&cluster, i] {
      return cluster.PreStop(i, seconds(120));
    }));
  for (int i = to; i < from; ++i)
    EXPECT_TRUE(stops[static_cast<size_t>(i - to)].get())
        << "redis-" << i << " was never released by its agent\n" << cluster.AllAgentLogs();
  for (int i = to; i < from; ++i) cluster.DeletePod(i);
}

TEST(AgentRun, BootstrapsSixPodsIntoThreeMastersWithAReplicaEach) {
  AgentClusterOptions options;
  options.subnet = 1;
  AgentCluster cluster(options);
  StartSix(cluster, 1000);
  ExpectKeys(cluster, 1000);
}

TEST(AgentRun, ScaleOutToEightMeetsAssignsAndRebalances) {
  AgentClusterOptions options;
  options.subnet = 2;
  AgentCluster cluster(options);
  long long keys = KeyCount();
  StartSix(cluster, keys);
  cluster.SetReplicas(8);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  ASSERT_TRUE(cluster.StartPod(7).ok());
  auto answering = std::chrono::steady_clock::now();
  EXPECT_SETTLED(cluster, 4, 8);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - answering).count();
  std::printf("scale-out 6 -> 8 with %lld keys: new pods' redis answering -> balanced cluster in %.2f s\n",
              keys, took);
  RecordProperty("scale_out_seconds", std::to_string(took));
  ExpectKeys(cluster, keys);
}

TEST(AgentRun, ScaleInDrainsLeavingPodsThroughThePreStopHandShake) {
  AgentClusterOptions options;
  options.subnet = 3;
  AgentCluster cluster(options);
  long long keys = KeyCount();
  StartSix(cluster, keys);
  cluster.SetReplicas(8);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  ASSERT_TRUE(cluster.StartPod(7).ok());
  EXPECT_SETTLED(cluster, 4, 8);
  ScaleIn(cluster, 8, 6);
  EXPECT_SETTLED(cluster, 3, 6);
  ExpectKeys(cluster, keys);
  // An odd count: the lone extra pod becomes a replica.
  cluster.SetReplicas(7);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  EXPECT_SETTLED(cluster, 3, 7);
  ExpectKeys(cluster, keys);
}

bool LogSays(AgentCluster& cluster, int ordinal, const std::string& text, seconds deadline) {
  return WaitFor([&] { return cluster.AgentLog(ordinal).find(text) != std::string::npos; },
                 deadline, milliseconds(20));
}

TEST(AgentRun, AKilledMasterBackEmptyBecomesTheReplicaOfItsShard) {
  AgentClusterOptions options;
  options.subnet = 4;
  AgentCluster cluster(options);
  long long keys = KeyCount();
  StartSix(cluster, keys);
  auto master = cluster.IsMaster(1);
  ASSERT_TRUE(master.ok() && *master) << "pod 1 starts as a master";
  auto old_id = cluster.NodeIdOf(1);
  ASSERT_TRUE(old_id.ok());
  cluster.KillAgent(1);
  cluster.KillRedis(1, 9);
  // Its replica takes over after the node timeout; the pod comes back empty.
  ASSERT_TRUE(cluster.RestartPod(1, /*keep_data=*/false).ok());
  EXPECT_SETTLED(cluster, 3, 6);
  auto new_id = cluster.NodeIdOf(1);
  ASSERT_TRUE(new_id.ok());
  EXPECT_NE(*new_id, *old_id);
  auto now_master = cluster.IsMaster(1);
  ASSERT_TRUE(now_master.ok());
  EXPECT_FALSE(*now_master) << "an empty pod rejoins as a replica, never as an extra master";
  ExpectKeys(cluster, keys);
}

TEST(AgentRun, APodBackOnANewAddressIsMetAgain) {
  AgentClusterOptions options;
  options.subnet = 5;
  AgentCluster cluster(options);
  long long keys = KeyCount();
  StartSix(cluster, keys);
  auto id = cluster.NodeIdOf(2);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(cluster.RestartPod(2, /*keep_data=*/true, "127.50.5.102").ok());
  EXPECT_SETTLED(cluster, 3, 6);
  auto same = cluster.NodeIdOf(2);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, *id) << "the pod kept its data, so its node id";
  ExpectKeys(cluster, keys);
}

TEST(AgentRun, ARestartingMasterHandsOverToItsReplicaBeforeRedisStops) {
  AgentClusterOptions options;
  options.subnet = 6;
  AgentCluster cluster(options);
  long long keys = KeyCount();
  StartSix(cluster, keys);
  auto master = cluster.IsMaster(0);
  ASSERT_TRUE(master.ok() && *master);
  ASSERT_TRUE(cluster.PreStop(0, seconds(60))) << cluster.AllAgentLogs();
  auto after = cluster.IsMaster(0);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(*after) << "pod 0 handed its slots to its replica before stopping";
  ASSERT_TRUE(cluster.RestartPod(0, /*keep_data=*/true).ok());
  EXPECT_SETTLED(cluster, 3, 6);
  ExpectKeys(cluster, keys);
}

TEST(AgentRun, TheCoordinatorKilledMidMigrationIsRestartedAndFinishes) {
  AgentClusterOptions options;
  options.subnet = 7;
  AgentCluster cluster(options);
  long long keys = KeyCount();
  StartSix(cluster, keys);
  cluster.SetReplicas(8);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  ASSERT_TRUE(cluster.StartPod(7).ok());
  ASSERT_TRUE(LogSays(cluster, 0, "rebalancing", seconds(60))) << cluster.AgentLog(0);
  cluster.KillAgent(0, 9);
  ASSERT_TRUE(cluster.StartAgent(0).ok());
  EXPECT_SETTLED(cluster, 4, 8);
  ExpectKeys(cluster, keys);
}

TEST(AgentRun, EveryPodRestartedAtOnceOnNewAddressesComesBackAsTheSameCluster) {
  AgentClusterOptions options;
  options.subnet = 8;
  AgentCluster cluster(options);
  long long keys = KeyCount();
  StartSix(cluster, keys);
  std::set<std::string> before;
  for (int i = 0; i < 6; ++i) {
    auto id = cluster.NodeIdOf(i);
    ASSERT_TRUE(id.ok());
    before.insert(*id);
  }
  for (int i = 0; i < 6; ++i) {
    cluster.KillAgent(i);
    cluster.KillRedis(i, 15);
  }
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(cluster.RestartPod(i, /*keep_data=*/true, "127.50.8." + std::to_string(101 + i)).ok());
  EXPECT_SETTLED(cluster, 3, 6);
  std::set<std::string> after;
  for (int i = 0; i < 6; ++i) {
    auto id = cluster.NodeIdOf(i);
    ASSERT_TRUE(id.ok());
    after.insert(*id);
  }
  EXPECT_EQ(after, before) << "the same nodes, not a new cluster";
  ExpectKeys(cluster, keys);
}

TEST(AgentRun, AScaleDownRevertedMidDrainEndsConsistentAndBalanced) {
  AgentClusterOptions options;
  options.subnet = 9;
  AgentCluster cluster(options);
  long long keys = KeyCount();
  StartSix(cluster, keys);
  cluster.SetReplicas(8);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  ASSERT_TRUE(cluster.StartPod(7).ok());
  EXPECT_SETTLED(cluster, 4, 8);
  cluster.SetReplicas(6);
  ASSERT_TRUE(LogSays(cluster, 0, "draining leaving", seconds(30))) << cluster.AgentLog(0);
  cluster.SetReplicas(8);
  EXPECT_SETTLED(cluster, 4, 8);
  ExpectKeys(cluster, keys);
}

TEST(AgentRun, APasswordIsRequiredEverywhereAndNeverShown) {
  AgentClusterOptions options;
  options.subnet = 10;
  options.password = "pw-Zq8s7-never-printed";
  AgentCluster cluster(options);
  StartSix(cluster, 2000);
  ExpectKeys(cluster, 2000);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(cluster.AgentLog(i).find(options.password), std::string::npos) << "log of pod " << i;
    std::ifstream cmdline("/proc/" + std::to_string(cluster.AgentPid(i)) + "/cmdline");
    std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(args.empty());
    EXPECT_EQ(args.find(options.password), std::string::npos) << "arguments of pod " << i;
  }
  // Without the password a client is refused.
  RedisOptions anonymous;
  anonymous.host = cluster.ip(0);
  auto client = ConnectRedis(anonymous);
  ASSERT_TRUE(client.ok());
  auto reply = (*client)->Command({"GET", "key:1"});
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply->ErrorStartsWith("NOAUTH")) << reply->str;
}

}  // namespace
}  // namespace rc::testing
