// The sidecar's loop, end to end on loopback: real redis-server processes,
// real agents, static discovery. Each scenario ends with the same referees:
// `redis-cli --cluster check` clean, every key reads back its value, the
// expected masters with balanced slots and replicas, replicas off their
// master's host.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>

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

}  // namespace
}  // namespace rc::testing
