// The sidecar's loop, end to end on loopback: real redis-server processes,
// real agents, static discovery. Each scenario ends with the same referees:
// `redis-cli --cluster check` clean, every key reads back its value, the
// expected masters with balanced slots and replicas, replicas off their
// master's host.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <sstream>

#include "agent/config/agent_user.h"
#include "tests/integration/agent/agent_cluster.h"
#include "tests/integration/agent/cluster_load.h"
#include "tests/support/redis_server_binary.h"
#include "tests/support/wait_for.h"

namespace rc::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

[[maybe_unused]] long long KeyCount() {
  const char* big = std::getenv("RC_AGENT_IT_KEYS");
  return big ? std::atoll(big) : 20000;
}

#define EXPECT_SETTLED(cluster, masters, nodes)                                                 \
  do {                                                                                          \
    std::string why;                                                                            \
    ASSERT_TRUE((cluster).WaitSettled({masters, nodes}, seconds(90), &why))                     \
        << why << "\n"                                                                          \
        << (cluster).AllAgentLogs();                                                            \
    /* The referee: clean once gossip has carried the last slot moves. */                       \
    std::string cli;                                                                            \
    EXPECT_TRUE(                                                                                \
        WaitFor([&] { return (cluster).RedisCliCheck(&cli); }, seconds(30), milliseconds(500))) \
        << cli;                                                                                 \
    EXPECT_EQ((cluster).HostProblems(), "");                                                    \
  } while (0)

// The default options on the test's own loopback subnet (127.50.SUBNET.x).
AgentClusterOptions OnSubnet(int subnet) {
  AgentClusterOptions options;
  options.subnet = subnet;
  return options;
}

// Starts six pods and waits for the cluster; fills `keys` keys.
void StartSix(AgentCluster& cluster, long long keys) {
  cluster.SetReplicas(6);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(cluster.StartPod(i).ok());
  EXPECT_SETTLED(cluster, 3, 6);
  Status filled = cluster.Fill(keys);
  ASSERT_TRUE(filled.ok()) << filled.ToString();
}

// The coordinator's log holds no migration that moved nothing and no SETSLOT
// refused for a node the master had not heard of yet (tests/e2e/FINDINGS.md 2, 3).
std::string MigrationNoise(const std::string& log) {
  for (const char* noise : {"nothing to move", "moved 0 slots", "I don't know about node"}) {
    size_t at = log.find(noise);
    if (at == std::string::npos) continue;
    size_t begin = log.rfind('\n', at);
    begin = begin == std::string::npos ? 0 : begin + 1;
    return log.substr(begin, log.find('\n', at) - begin);
  }
  return "";
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
    stops.push_back(
        std::async(std::launch::async, [&cluster, i] { return cluster.PreStop(i, seconds(120)); }));
  for (int i = to; i < from; ++i)
    EXPECT_TRUE(stops[static_cast<size_t>(i - to)].get())
        << "redis-" << i << " was never released by its agent\n"
        << cluster.AllAgentLogs();
  for (int i = to; i < from; ++i) cluster.DeletePod(i);
}

// VmRSS of a process in kB; -1 when unknown.
long long RssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  return -1;
}

// utime + stime of a process in clock ticks.
long long CpuTicks(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) stime = std::atoll(field.c_str());
  }
  return utime + stime;
}

TEST(AgentRun, BootstrapsSixPodsIntoThreeMastersWithAReplicaEach) {
  AgentCluster cluster(OnSubnet(1));
  StartSix(cluster, 1000);
  ExpectKeys(cluster, 1000);

  // Every agent serves /healthz, /readyz and /metrics.
  for (int i = 0; i < 6; ++i) {
    httplib::Client http(cluster.ip(i), kAgentHttpPort);
    http.set_connection_timeout(2);
    auto health = http.Get("/healthz");
    ASSERT_TRUE(health) << "pod " << i;
    EXPECT_EQ(health->status, 200);
    // Ready once its agent has looked at its settled role (within a loop interval).
    std::string why;
    EXPECT_TRUE(WaitFor(
        [&] {
          auto ready = http.Get("/readyz");
          if (ready) why = ready->body;
          return ready && ready->status == 200;
        },
        seconds(10), milliseconds(200)))
        << "pod " << i << ": " << why;
    auto metrics = http.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(
        metrics->body.find("redis_cluster_agent_coordinator " + std::string(i == 0 ? "1" : "0")),
        std::string::npos)
        << metrics->body;
  }
  httplib::Client coordinator(cluster.ip(0), kAgentHttpPort);
  auto metrics = coordinator.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(
      metrics->body.find("redis_cluster_agent_actions_total{action=\"bootstrap\",result=\"ok\"} 1"),
      std::string::npos)
      << metrics->body;

  // Measured, not asserted: memory and CPU of agents while nothing changes.
  long long ticks_before[6], rss_max = 0;
  for (int i = 0; i < 6; ++i) ticks_before[i] = CpuTicks(cluster.AgentPid(i));
  auto start = std::chrono::steady_clock::now();
  // RC_AGENT_IT_IDLE_S: a longer window for the benchmark (tests/bench/agent).
  const char* idle_env = std::getenv("RC_AGENT_IT_IDLE_S");
  seconds idle(idle_env != nullptr && std::atoi(idle_env) > 0 ? std::atoi(idle_env) : 5);
  WaitFor([&] { return std::chrono::steady_clock::now() - start > idle; }, idle + seconds(1),
          milliseconds(500));
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu_max = 0, cpu_coordinator = 0;
  for (int i = 0; i < 6; ++i) {
    rss_max = std::max(rss_max, RssKb(cluster.AgentPid(i)));
    double cpu = static_cast<double>(CpuTicks(cluster.AgentPid(i)) - ticks_before[i]) /
                 static_cast<double>(sysconf(_SC_CLK_TCK)) / elapsed * 100.0;
    if (i == 0)
      cpu_coordinator = cpu;
    else
      cpu_max = std::max(cpu_max, cpu);
  }
  std::printf(
      "idle agents (loop interval %s ms; production default 1000): max RSS %lld kB; CPU of a "
      "core: coordinator %.2f%%, other agents at most %.2f%%\n",
      std::getenv("RC_AGENT_IT_LOOP_MS") ? std::getenv("RC_AGENT_IT_LOOP_MS") : "300", rss_max,
      cpu_coordinator, cpu_max);
  RecordProperty("agent_rss_kb", std::to_string(rss_max));
  RecordProperty("agent_idle_cpu_percent", std::to_string(std::max(cpu_max, cpu_coordinator)));
  EXPECT_EQ(MigrationNoise(cluster.AgentLog(0)), "") << "after bootstrap and 5 s idle";
}

TEST(AgentRun, ScaleOutToEightMeetsAssignsAndRebalances) {
  AgentCluster cluster(OnSubnet(2));
  long long keys = KeyCount();
  StartSix(cluster, keys);
  ClusterLoad load(cluster.connector(), cluster.seed());
  load.Start();
  cluster.SetReplicas(8);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  ASSERT_TRUE(cluster.StartPod(7).ok());
  auto answering = std::chrono::steady_clock::now();
  EXPECT_SETTLED(cluster, 4, 8);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - answering).count();
  std::printf(
      "scale-out 6 -> 8 with %lld keys under client load: new pods' redis answering -> "
      "balanced cluster in %.2f s\n",
      keys, took);
  RecordProperty("scale_out_seconds", std::to_string(took));
  EXPECT_EQ(MigrationNoise(cluster.AgentLog(0)), "");
  load.Stop();
  ASSERT_EQ(load.failed(), 0) << "every write was eventually acknowledged";
  Status verified = cluster.Verify(keys, "key:", load.acknowledged());
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  EXPECT_GT(load.acknowledged(), 100);
  Status no_loss = load.VerifyAcknowledged();
  EXPECT_TRUE(no_loss.ok()) << no_loss.ToString();
  std::printf("client load: %lld writes acknowledged, %lld given up, none lost\n",
              load.acknowledged(), load.failed());
}

TEST(AgentRun, ScaleInDrainsLeavingPodsThroughThePreStopHandShake) {
  AgentCluster cluster(OnSubnet(3));
  long long keys = KeyCount();
  StartSix(cluster, keys);
  cluster.SetReplicas(8);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  ASSERT_TRUE(cluster.StartPod(7).ok());
  EXPECT_SETTLED(cluster, 4, 8);
  ClusterLoad load(cluster.connector(), cluster.seed());
  load.Start();
  ScaleIn(cluster, 8, 6);
  EXPECT_SETTLED(cluster, 3, 6);
  load.Stop();
  ASSERT_EQ(load.failed(), 0) << "every write was eventually acknowledged";
  Status verified = cluster.Verify(keys, "key:", load.acknowledged());
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  Status no_loss = load.VerifyAcknowledged();
  EXPECT_TRUE(no_loss.ok()) << no_loss.ToString();
  std::printf("client load during the drain: %lld writes acknowledged, none lost\n",
              load.acknowledged());
  // An odd count: the lone extra pod becomes a replica.
  cluster.SetReplicas(7);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  EXPECT_SETTLED(cluster, 3, 7);
  Status still = cluster.Verify(keys, "key:", load.acknowledged());
  EXPECT_TRUE(still.ok()) << still.ToString();
}

bool LogSays(AgentCluster& cluster, int ordinal, const std::string& text, seconds deadline) {
  return WaitFor([&] { return cluster.AgentLog(ordinal).find(text) != std::string::npos; },
                 deadline, milliseconds(20));
}

TEST(AgentRun, ScaleInFromABootstrappedEightKeepsAReplicaPerMaster) {
  AgentCluster cluster(OnSubnet(12));
  cluster.SetReplicas(8);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(cluster.StartPod(i).ok());
  EXPECT_SETTLED(cluster, 4, 8);
  long long keys = KeyCount();
  Status filled = cluster.Fill(keys);
  ASSERT_TRUE(filled.ok()) << filled.ToString();
  // Pods 6 and 7 are replicas of masters 2 and 3: a master must give way.
  ScaleIn(cluster, 8, 6);
  EXPECT_SETTLED(cluster, 3, 6);
  ExpectKeys(cluster, keys);
}

TEST(AgentRun, AKilledMasterBackEmptyBecomesTheReplicaOfItsShard) {
  AgentCluster cluster(OnSubnet(4));
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
  AgentCluster cluster(OnSubnet(5));
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
  AgentCluster cluster(OnSubnet(6));
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

// Waits until the agent behind `probe` answers /readyz with 200; `body`: its last answer.
bool WaitReady(httplib::Client& probe, std::chrono::milliseconds timeout, std::string* body) {
  return WaitFor(
      [&] {
        auto r = probe.Get("/readyz");
        if (r) *body = r->body;
        return r && r->status == 200;
      },
      timeout, milliseconds(200));
}

// The rolling-update hazard: the master's only replica is gone (its pod being
// replaced) when the master's own pod is asked to stop. Stopping would take
// the shard down; the agent waits until the coordinator has attached the
// replaced pod, now empty, as the shard's replica and it has synced, then
// hands over. Meanwhile the replica is not ready (/readyz), so a StatefulSet
// rollout would not have gone on to the master in the first place.
TEST(AgentRun, ARestartingMasterWithoutAReplicaInSyncWaitsForOne) {
  AgentCluster cluster(OnSubnet(13));
  long long keys = KeyCount();
  StartSix(cluster, keys);
  auto master_id = cluster.NodeIdOf(0);
  ASSERT_TRUE(master_id.ok());
  int replica = -1;
  for (int i = 1; i < 6 && replica < 0; ++i) {
    auto of = cluster.MasterIdOf(i);
    if (of.ok() && *of == *master_id) replica = i;
  }
  ASSERT_GE(replica, 0) << "no replica of pod 0";
  httplib::Client ready_probe(cluster.ip(replica), kAgentHttpPort);
  // The settled cluster's replica is ready once its first sync is done (CI
  // once asked too early: "first sync still running").
  std::string before;
  ASSERT_TRUE(WaitReady(ready_probe, seconds(30), &before)) << before;

  cluster.KillRedis(replica);
  // Pod 0's preStop must hold while there is no replica in sync to hand over to.
  EXPECT_FALSE(cluster.PreStop(0, seconds(6))) << "pod 0 let redis stop with no replica in sync\n"
                                               << cluster.AgentLog(0);
  auto still = cluster.IsMaster(0);
  ASSERT_TRUE(still.ok() && *still);
  EXPECT_NE(cluster.AgentLog(0).find("no replica in sync"), std::string::npos)
      << cluster.AgentLog(0);

  // The replaced pod comes back empty: not ready until joined and synced.
  ASSERT_TRUE(cluster.RestartPod(replica, /*keep_data=*/false).ok());
  ASSERT_TRUE(cluster.PreStop(0, seconds(90))) << cluster.AllAgentLogs();
  auto after = cluster.IsMaster(0);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(*after) << "pod 0 handed its slots to the new replica before stopping";
  // Now the shard's master: ready once its agent has looked again.
  std::string body;
  EXPECT_TRUE(WaitReady(ready_probe, seconds(20), &body)) << body;
  ASSERT_TRUE(cluster.RestartPod(0, /*keep_data=*/true).ok());
  EXPECT_SETTLED(cluster, 3, 6);
  ExpectKeys(cluster, keys);
}

TEST(AgentRun, TheCoordinatorKilledMidMigrationIsRestartedAndFinishes) {
  AgentCluster cluster(OnSubnet(7));
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
  AgentCluster cluster(OnSubnet(8));
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
    ASSERT_TRUE(
        cluster.RestartPod(i, /*keep_data=*/true, "127.50.8." + std::to_string(101 + i)).ok());
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
  AgentCluster cluster(OnSubnet(9));
  long long keys = KeyCount();
  StartSix(cluster, keys);
  cluster.SetReplicas(8);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  ASSERT_TRUE(cluster.StartPod(7).ok());
  EXPECT_SETTLED(cluster, 4, 8);
  cluster.SetReplicas(6);
  ASSERT_TRUE(LogSays(cluster, 0, "draining leaving", seconds(30))) << cluster.AgentLog(0);
  cluster.SetReplicas(8);
  // The drain goes on to its end (then the balance moves slots back). Before
  // it has opened its first slots the cluster still looks settled: wait for
  // its end, or the keys would be counted while they move.
  ASSERT_TRUE(LogSays(cluster, 0, "drain done", seconds(60))) << cluster.AgentLog(0);
  EXPECT_SETTLED(cluster, 4, 8);
  ExpectKeys(cluster, keys);
}

TEST(AgentRun, TheLowestReadyPodCoordinatesWhilePodZeroIsGoneAndHandsBack) {
  AgentCluster cluster(OnSubnet(11));
  StartSix(cluster, 2000);
  // Pod-0's agent is gone and its pod not ready (its redis keeps serving).
  cluster.KillAgent(0);
  cluster.SetReady(0, false);
  cluster.SetReplicas(8);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  ASSERT_TRUE(cluster.StartPod(7).ok());
  EXPECT_TRUE(LogSays(cluster, 1, "redis-1 coordinates the cluster", seconds(30)))
      << cluster.AgentLog(1);
  EXPECT_SETTLED(cluster, 4, 8);
  ExpectKeys(cluster, 2000);
  // Pod-0 is back: redis-1 hands coordination back.
  cluster.SetReady(0, true);
  ASSERT_TRUE(cluster.StartAgent(0).ok());
  EXPECT_TRUE(LogSays(cluster, 1, "hands coordination back", seconds(30))) << cluster.AgentLog(1);
  EXPECT_TRUE(LogSays(cluster, 0, "redis-0 coordinates the cluster", seconds(30)))
      << cluster.AgentLog(0);
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
  for (int i = 0; i < 6; ++i) {
    httplib::Client http(cluster.ip(i), kAgentHttpPort);
    auto metrics = http.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->body.find(options.password), std::string::npos);
  }
  // Without the password a client is refused.
  RedisOptions anonymous;
  anonymous.host = cluster.ip(0);
  auto client = ConnectRedis(anonymous);
  ASSERT_TRUE(client.ok());
  auto reply = (*client)->Command({"GET", "key:1"});
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply->ErrorStartsWith("NOAUTH")) << reply->str;
  ExpectKeys(cluster, 2000);
  RC_SKIP_UNLESS_SERVER_AT_LEAST(6, 0, "the rest (the agent's own ACL user)");

  // The agents talk to redis as their own user, which holds only what they send.
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(cluster.AgentLog(i).find("has no user"), std::string::npos) << cluster.AgentLog(i);
    RedisOptions admin;
    admin.host = cluster.ip(i);
    admin.password = options.password;
    auto as_admin = ConnectRedis(admin);
    ASSERT_TRUE(as_admin.ok());
    auto clients = (*as_admin)->Command({"CLIENT", "LIST"});
    ASSERT_TRUE(clients.ok());
    EXPECT_NE(clients->str.find(" user=redis-cluster-agent "), std::string::npos)
        << "pod " << i << ": no connection of the agent's user\n"
        << clients->str;
  }
  RedisOptions agent;
  agent.host = cluster.ip(0);
  agent.username = "redis-cluster-agent";
  agent.password = agent::AgentPassword(options.password);
  auto as_agent = ConnectRedis(agent);
  ASSERT_TRUE(as_agent.ok()) << as_agent.status().ToString();
  auto info = (*as_agent)->Command({"CLUSTER", "INFO"});
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->IsError()) << info->str;
  for (const RedisCommand& forbidden :
       std::vector<RedisCommand>{{"FLUSHALL"},
                                 {"FLUSHDB"},
                                 {"KEYS", "*"},
                                 {"DEL", "key:1"},
                                 {"SET", "key:1", "x"},
                                 {"CONFIG", "REWRITE"},
                                 {"SHUTDOWN", "NOSAVE"},
                                 {"ACL", "SETUSER", "x", "on"},
                                 {"CLIENT", "KILL", "TYPE", "normal"}}) {
    auto refused = (*as_agent)->Command(forbidden);
    ASSERT_TRUE(refused.ok()) << forbidden[0] << ": " << refused.status().ToString();
    EXPECT_TRUE(refused->ErrorStartsWith("NOPERM")) << forbidden[0] << ": " << refused->str;
  }
}

// redis_cluster_agent_loops_total of pod i's agent; -1 when it does not answer.
long long LoopsOf(AgentCluster& cluster, int i) {
  httplib::Client http(cluster.ip(i), kAgentHttpPort);
  auto metrics = http.Get("/metrics");
  if (!metrics) return -1;
  const std::string name = "\nredis_cluster_agent_loops_total ";
  size_t at = metrics->body.find(name);
  return at == std::string::npos ? -1 : std::atoll(metrics->body.c_str() + at + name.size());
}

// A pod started after the password Secret changed has another password than
// the rest: the coordinator names it and says why, keeps running and moves
// nothing to it; once the pod has the cluster's password again it joins.
TEST(AgentRun, APodWithAnotherPasswordIsNamedAndWaitedForNotCrashedOn) {
  AgentClusterOptions options = OnSubnet(14);
  options.replicas_per_master = 0;
  options.password = "pw-before";
  AgentCluster cluster(options);
  cluster.SetReplicas(3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cluster.StartPod(i).ok());
  EXPECT_SETTLED(cluster, 3, 3);
  ASSERT_TRUE(cluster.Fill(1000).ok());

  cluster.SetPodPassword(3, "pw-after");
  cluster.SetReplicas(4);
  ASSERT_TRUE(cluster.StartPod(3).ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        return cluster.AgentLog(0).find("1 pod refuses the agent's password (redis-3)") !=
               std::string::npos;
      },
      seconds(30)))
      << cluster.AllAgentLogs();
  const std::string log = cluster.AgentLog(0);
  EXPECT_NE(log.find("started with another password than this pod has"), std::string::npos) << log;
  EXPECT_EQ(log.find("pw-before"), std::string::npos);
  EXPECT_EQ(cluster.AgentLog(3).find("pw-after"), std::string::npos);
  // Ten loops later: nobody crashed or gave up, nothing moved to redis-3.
  const pid_t coordinator = cluster.AgentPid(0);
  const long long loops = LoopsOf(cluster, 0);
  ASSERT_GE(loops, 0);
  ASSERT_TRUE(WaitFor([&] { return LoopsOf(cluster, 0) >= loops + 10; }, seconds(30)))
      << cluster.AgentLog(0);
  EXPECT_EQ(cluster.AgentPid(0), coordinator);
  EXPECT_EQ(::kill(coordinator, 0), 0) << "the coordinator's agent exited";
  EXPECT_EQ(cluster.Problems({3, 3}), "");
  ExpectKeys(cluster, 1000);

  // The pod restarted with the cluster's password joins and takes its share.
  cluster.SetPodPassword(3, "pw-before");
  ASSERT_TRUE(cluster.RestartPod(3, /*keep_data=*/false).ok());
  EXPECT_SETTLED(cluster, 4, 4);
  EXPECT_TRUE(WaitFor(
      [&] { return cluster.AgentLog(0).find("password is accepted again") != std::string::npos; },
      seconds(10)))
      << cluster.AgentLog(0);
  ExpectKeys(cluster, 1000);
}

// A cluster whose nodes have no agent user (started by an older agent, or
// Redis 5): the agent says so once per node and works as the default user.
TEST(AgentRun, NodesWithoutTheAgentUserAreServedAsTheDefaultUser) {
  AgentClusterOptions options = OnSubnet(15);
  options.replicas_per_master = 0;
  options.password = "pw-old-nodes";
  options.agent_user = false;
  AgentCluster cluster(options);
  cluster.SetReplicas(3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cluster.StartPod(i).ok());
  EXPECT_SETTLED(cluster, 3, 3);
  const std::string log = cluster.AgentLog(0);
  EXPECT_NE(log.find("has no user redis-cluster-agent"), std::string::npos) << log;
  EXPECT_EQ(log.find("refuses the agent's password"), std::string::npos) << log;
}

}  // namespace
}  // namespace rc::testing

namespace rc::testing {
namespace {

AgentClusterOptions TlsOnSubnet(int subnet) {
  AgentClusterOptions options = OnSubnet(subnet);
  options.tls = true;
  return options;
}

// TLS only (port 0): bootstrap, scale out with data under load (MIGRATE runs
// over the servers' own TLS), drain back; a plain-text client is refused.
TEST(AgentRunTls, ATlsOnlyClusterFormsScalesOutWithDataAndDrainsBack) {
  RC_SKIP_UNLESS_SERVER_AT_LEAST(6, 0, "TLS");
  AgentCluster cluster(TlsOnSubnet(20));
  long long keys = KeyCount() / 2;
  StartSix(cluster, keys);
  ClusterLoad load(cluster.connector(), cluster.seed());
  load.Start();
  cluster.SetReplicas(8);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  ASSERT_TRUE(cluster.StartPod(7).ok());
  EXPECT_SETTLED(cluster, 4, 8);
  ScaleIn(cluster, 8, 6);
  EXPECT_SETTLED(cluster, 3, 6);
  load.Stop();
  ASSERT_EQ(load.failed(), 0) << "every write was eventually acknowledged";
  EXPECT_GT(load.acknowledged(), 100);
  Status verified = cluster.Verify(keys, "key:", load.acknowledged());
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  Status no_loss = load.VerifyAcknowledged();
  EXPECT_TRUE(no_loss.ok()) << no_loss.ToString();
  EXPECT_NE(cluster.AgentLog(0).find("redis over TLS"), std::string::npos) << cluster.AgentLog(0);

  RedisOptions plain;
  plain.host = cluster.ip(0);
  plain.connect_timeout_ms = 500;
  plain.command_timeout_ms = 1000;
  auto client = ConnectRedis(plain);
  if (client.ok()) {
    auto reply = (*client)->Command({"PING"});
    EXPECT_FALSE(reply.ok() && reply->str == "PONG") << "a plain-text client was served";
  }
}

// Renewed certificates from a new CA are swapped in while the agents run:
// every agent has its redis reload them, nothing restarts, and the cluster
// still heals a killed master and takes in a new pod, all on the new files.
TEST(AgentRunTls, RotatedCertificatesAreReloadedWithoutARestart) {
  RC_SKIP_UNLESS_SERVER_AT_LEAST(6, 0, "TLS");
  AgentCluster cluster(TlsOnSubnet(21));
  long long keys = KeyCount() / 4;
  StartSix(cluster, keys);
  std::vector<pid_t> agents;
  for (int i = 0; i < 6; ++i) agents.push_back(cluster.AgentPid(i));

  Status rotated = cluster.RotateTls();
  ASSERT_TRUE(rotated.ok()) << rotated.ToString();
  for (int i = 0; i < 6; ++i)
    EXPECT_TRUE(WaitFor(
        [&] { return cluster.AgentLog(i).find("redis reloaded them") != std::string::npos; },
        seconds(30), milliseconds(100)))
        << "pod " << i << " never reloaded its redis\n"
        << cluster.AgentLog(i);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(cluster.AgentPid(i), agents[static_cast<size_t>(i)]);
  // Only the new CA is trusted now, and every server presents the new certificate.
  TlsFiles old_ca;
  old_ca.ca_file = cluster.dir() + "/tls-made/ca.crt";
  auto old_ctx = TlsContext::Create(old_ca);
  ASSERT_TRUE(old_ctx.ok()) << old_ctx.status().ToString();
  for (int i = 0; i < 6; ++i) {
    RedisOptions fresh;
    fresh.host = cluster.ip(i);
    fresh.tls = *old_ctx;
    EXPECT_FALSE(ConnectRedis(fresh).ok()) << "pod " << i << " still serves the old certificate";
    auto now = cluster.connector().Connect(cluster.ip(i), 6379);
    EXPECT_TRUE(now.ok()) << "pod " << i << ": " << now.status().ToString();
  }

  auto master = cluster.IsMaster(1);
  ASSERT_TRUE(master.ok() && *master) << "pod 1 starts as a master";
  cluster.KillAgent(1);
  cluster.KillRedis(1, 9);
  ASSERT_TRUE(cluster.RestartPod(1, /*keep_data=*/false).ok());
  EXPECT_SETTLED(cluster, 3, 6);
  cluster.SetReplicas(7);
  ASSERT_TRUE(cluster.StartPod(6).ok());
  EXPECT_SETTLED(cluster, 3, 7);
  ExpectKeys(cluster, keys);
}

}  // namespace
}  // namespace rc::testing
