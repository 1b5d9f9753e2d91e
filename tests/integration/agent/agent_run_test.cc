// The sidecar's loop, end to end on loopback: real redis-server processes,
// real agents, static discovery. Each scenario ends with the same referees:
// `redis-cli --cluster check` clean, every key reads back its value, the
// expected masters with balanced slots and replicas, replicas off their
// master's host.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

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

TEST(AgentRun, BootstrapsSixPodsIntoThreeMastersWithAReplicaEach) {
  AgentClusterOptions options;
  options.subnet = 1;
  AgentCluster cluster(options);
  cluster.SetReplicas(6);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(cluster.StartPod(i).ok());
  EXPECT_SETTLED(cluster, 3, 6);
  Status filled = cluster.Fill(1000);
  ASSERT_TRUE(filled.ok()) << filled.ToString();
  Status verified = cluster.Verify(1000);
  EXPECT_TRUE(verified.ok()) << verified.ToString();
}

}  // namespace
}  // namespace rc::testing
