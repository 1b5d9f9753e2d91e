// The status / rebalance / drain commands as a user runs them: the real
// binary against a real cluster, exit codes, JSON, AUTH from a file or env.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/redis_cluster_fixture.h"
#include "tests/support/run_command.h"

namespace rc::testing {
namespace {

CommandRun Agent(const std::string& args, const std::string& env = "") {
  return RunCommand(env + (env.empty() ? "" : " ") + AGENT_BINARY + std::string(" ") + args);
}

ClusterFixtureOptions Options() {
  ClusterFixtureOptions o;
  o.first_index = 60;
  o.masters = 3;
  return o;
}

TEST(CliTest, BadUsageExitsTwoAndHelpZero) {
  EXPECT_EQ(Agent("status").code, 2);
  EXPECT_EQ(Agent("rebalance --seed nonsense").code, 2);
  EXPECT_EQ(Agent("rebalance --seed 127.0.0.1:1 --batch 0").code, 2);
  EXPECT_EQ(Agent("drain --seed 127.0.0.1:1").code, 2);  // --node missing
  CommandRun unknown = Agent("drain --seed 127.0.0.1:1 --node x --password hunter2");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.out.find("unknown flag --password"), std::string::npos);
  for (const char* c : {"status", "rebalance", "drain"}) {
    CommandRun help = Agent(std::string(c) + " --help");
    EXPECT_EQ(help.code, 0) << c;
    EXPECT_NE(help.out.find("--seed HOST:PORT"), std::string::npos) << c;
  }
  // Unreachable seed: a failure, not bad usage.
  EXPECT_EQ(Agent("status --seed 127.40.9.250:6379").code, 1);
}

TEST(CliTest, StatusRebalanceDrainOnARealCluster) {
  RedisClusterFixture cluster(Options());
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(20000, 32).ok());
  auto before = cluster.Checksum();
  ASSERT_TRUE(before.ok());
  auto added = cluster.AddNode();
  ASSERT_TRUE(added.ok());
  const std::string seed = "--seed " + cluster.seed();

  CommandRun status = Agent("status " + seed);
  EXPECT_EQ(status.code, 0) << status.out;
  EXPECT_EQ(status.out.rfind("OK: 3 masters with slots", 0), 0u) << status.out;
  EXPECT_NE(status.out.find("1 empty master"), std::string::npos);

  CommandRun dry = Agent("rebalance " + seed + " --use-empty-masters --dry-run");
  EXPECT_EQ(dry.code, 0) << dry.out;
  EXPECT_NE(dry.out.find("dry run: move 4096 slot(s)"), std::string::npos) << dry.out;
  EXPECT_EQ(cluster.MastersWithSlots().size(), 3u);  // nothing moved

  CommandRun rebalance = Agent("rebalance " + seed + " --use-empty-masters --batch 500");
  EXPECT_EQ(rebalance.code, 0) << rebalance.out;
  EXPECT_NE(rebalance.out.find("balanced and consistent"), std::string::npos) << rebalance.out;
  std::string check;
  EXPECT_TRUE(cluster.RedisCliCheck(&check)) << check;
  EXPECT_EQ(*cluster.Checksum(), *before);

  CommandRun json = Agent("status " + seed + " --json");
  EXPECT_EQ(json.code, 0) << json.out;
  auto parsed = nlohmann::json::parse(json.out.substr(json.out.find('{')), nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json.out;
  EXPECT_TRUE(parsed["healthy"].get<bool>());
  ASSERT_EQ(parsed["masters"].size(), 4u);
  for (const auto& m : parsed["masters"]) EXPECT_EQ(m["slots"].get<int>(), 4096);

  // Drain the node we added, by address; then by weight 0 would be the same.
  CommandRun drain = Agent("drain " + seed + " --node " + cluster.address(*added));
  EXPECT_EQ(drain.code, 0) << drain.out;
  EXPECT_EQ(cluster.MastersWithSlots().size(), 3u);
  EXPECT_TRUE(cluster.RedisCliCheck(&check)) << check;
  EXPECT_EQ(*cluster.Checksum(), *before);

  // Weights by id prefix: node 0 takes twice as many slots.
  auto id0 = cluster.NodeId(0);
  ASSERT_TRUE(id0.ok());
  CommandRun weighted = Agent("rebalance " + seed + " --weight " + id0->substr(0, 10) + "=2");
  EXPECT_EQ(weighted.code, 0) << weighted.out;
  EXPECT_NEAR(cluster.TopologyOf(0)->FindById(*id0)->slots.Count(), 8192, 1);
  EXPECT_EQ(Agent("rebalance " + seed + " --weight nosuchnode=2").code, 2);
  EXPECT_EQ(*cluster.Checksum(), *before);
}

TEST(CliTest, AuthFromAPasswordFileOrTheEnvironmentNeverTheCommandLine) {
  ClusterFixtureOptions o = Options();
  o.password = "s3cret-for-test";  // generated at test time, not a real secret
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(5000, 32).ok());
  auto before = cluster.Checksum();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(cluster.AddNode().ok());
  const std::string seed = "--seed " + cluster.seed();

  CommandRun denied = Agent("status " + seed);
  EXPECT_EQ(denied.code, 1);
  EXPECT_EQ(denied.out.find(o.password), std::string::npos);

  std::string file = cluster.node(0).dir() + "/password";
  std::ofstream(file) << o.password << "\n";
  CommandRun rebalance =
      Agent("rebalance " + seed + " --use-empty-masters --password-file " + file);
  EXPECT_EQ(rebalance.code, 0) << rebalance.out;
  EXPECT_EQ(rebalance.out.find(o.password), std::string::npos) << "password leaked into output";
  EXPECT_EQ(*cluster.Checksum(), *before);
  std::string check;
  EXPECT_TRUE(cluster.RedisCliCheck(&check)) << check;

  CommandRun env = Agent("status " + seed, "REDISCLI_AUTH=" + o.password);
  EXPECT_EQ(env.code, 0) << env.out;
}

}  // namespace
}  // namespace rc::testing
