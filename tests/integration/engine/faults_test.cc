// Interruptions: the engine killed (SIGKILL) mid-migration and rerun; a source
// master killed mid-migration, its replica promoted, the rebalance rerun.
// Referees: the full key/value checksum and `redis-cli --cluster check`.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "agent/engine/migration_engine.h"
#include "tests/support/redis_cluster_fixture.h"
#include "tests/support/wait_for.h"

namespace rc::engine {
namespace {

using rc::testing::ClusterFixtureOptions;
using rc::testing::RedisClusterFixture;
using rc::testing::WaitFor;
using namespace std::chrono_literals;

pid_t StartAgent(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(AGENT_BINARY));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execv(AGENT_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

int SlotsOf(RedisClusterFixture& cluster, int node) {
  auto topo = cluster.TopologyOf(node);
  if (!topo.ok() || !topo->Myself()) return -1;
  return topo->Myself()->slots.Count();
}

TEST(FaultsTest, EngineStoppedBySigtermThenKilledBySigkillThenRerunFinishesWithEveryKey) {
  ClusterFixtureOptions o;
  o.first_index = 80;
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(100000, 32).ok());  // nearly every slot holds keys
  auto before = cluster.Checksum();
  ASSERT_TRUE(before.ok());
  auto added = cluster.AddNode();
  ASSERT_TRUE(added.ok());
  // Slow settings so that there is a "middle" to kill it in.
  const std::vector<std::string> slow = {
      "rebalance", "--seed", cluster.seed(),      "--use-empty-masters",
      "--workers", "1",      "--slots-in-flight", "4",
      "--batch",   "5"};
  for (int kill_after : {60, 1500}) {
    const int sig = kill_after == 60 ? SIGTERM : SIGKILL;
    pid_t pid = StartAgent(slow);
    ASSERT_GT(pid, 0);
    bool progressed = WaitFor([&] { return SlotsOf(cluster, *added) >= kill_after; }, 60s, 2ms);
    ::kill(pid, sig);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(progressed);
    if (sig == SIGTERM) {  // stops at a safe point, says so, fails
      ASSERT_TRUE(WIFEXITED(status));
      EXPECT_EQ(WEXITSTATUS(status), 1);
      EXPECT_LT(SlotsOf(cluster, *added), 4096) << "the run finished before it could be stopped";
    } else {
      ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed";
    }
  }
  MigrationEngine engine(cluster.connector(), EngineOptions{});
  PlanOptions plan;
  plan.use_empty_masters = true;
  auto outcome = engine.Rebalance(cluster.seed(), plan, false, nullptr);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->balanced_after);
  auto after = cluster.Checksum();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
  std::string check;
  EXPECT_TRUE(cluster.RedisCliCheck(&check)) << check;
}

TEST(FaultsTest, SourceMasterKilledMidMigrationThenRerunAfterFailover) {
  ClusterFixtureOptions o;
  o.first_index = 80;
  o.replicas_per_master = 1;
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(100000, 32).ok());
  for (int m = 0; m < 3; ++m) {  // every write acknowledged by a replica too
    auto c = cluster.Connect(m);
    ASSERT_TRUE(c.ok());
    auto w = (*c)->Command({"WAIT", "1", "20000"});
    ASSERT_TRUE(w.ok() && w->integer == 1);
  }
  auto before = cluster.Checksum();
  ASSERT_TRUE(before.ok());
  auto added = cluster.AddNode();
  ASSERT_TRUE(added.ok());
  auto victim_id = cluster.NodeId(1);
  ASSERT_TRUE(victim_id.ok());

  EngineOptions slow;
  slow.workers = 1;
  slow.slots_in_flight = 4;
  slow.batch_keys = 5;
  slow.converge_wait_ms = 30000;
  PlanOptions plan;
  plan.use_empty_masters = true;
  Result<RunOutcome> first = Internal("not run");
  std::thread run([&] {
    MigrationEngine engine(cluster.connector(), slow);
    first = engine.Rebalance(cluster.seed(), plan, false, nullptr);
  });
  // Kill node 1 while slots of it are moving (pairs are interleaved).
  bool progressed = WaitFor([&] { return SlotsOf(cluster, *added) >= 300; }, 60s, 2ms);
  cluster.node(1).Kill(SIGKILL);
  run.join();
  ASSERT_TRUE(progressed);
  // Its replica (node 4) takes over.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto topo = cluster.TopologyOf(4);
        return topo.ok() && topo->Myself() && topo->Myself()->IsMaster() &&
               !topo->Myself()->slots.Empty();
      },
      30s, 50ms));

  MigrationEngine engine(cluster.connector(), EngineOptions{});
  auto outcome = engine.Rebalance(cluster.seed(), plan, false, nullptr);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString()
                            << (first.ok() ? "" : "\nfirst run: " + first.status().ToString());
  // Every node must have settled (cluster_state:ok) before the masters are
  // read: a node still down answers CLUSTERDOWN instead of values.
  ASSERT_TRUE(cluster.WaitForConsistent().ok());
  auto after = cluster.Checksum();
  ASSERT_TRUE(after.ok()) << after.status().ToString() << "\n" << cluster.DescribeKeyPlacement();
  EXPECT_EQ(*after, *before) << cluster.DescribeKeyPlacement();
  // The dead node is an operator's business: forget it, then check.
  for (int i = 0; i < cluster.size(); ++i) {
    if (!cluster.node(i).running()) continue;
    auto c = cluster.Connect(i);
    if (c.ok()) (void)(*c)->Command({"CLUSTER", "FORGET", *victim_id});
  }
  std::string check;
  EXPECT_TRUE(WaitFor([&] { return cluster.RedisCliCheck(&check); }, 10s, 200ms)) << check;
}

}  // namespace
}  // namespace rc::engine
