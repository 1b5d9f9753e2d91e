// The status / rebalance / drain commands as a user runs them: the real
// binary against a real cluster, exit codes, JSON, AUTH from a file or env.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/tls_context.h"
#include "tests/support/redis_cluster_fixture.h"
#include "tests/support/redis_server_binary.h"
#include "tests/support/run_command.h"
#include "tests/support/test_certs.h"

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

// Given a TLS-only cluster (port 0, tls-cluster, tls-replication), every
// command works with --tls --cacert as redis-cli spells them, and a plain-text
// attempt fails with a message, not a hang.
TEST(CliTest, StatusRebalanceDrainCoverSlotsOverTls) {
  RC_SKIP_UNLESS_SERVER_AT_LEAST(6, 0, "TLS");
  char tmpl[] = "/tmp/rc-cli-tls-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  struct RemoveDir {
    std::string path;
    ~RemoveDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } cleanup{dir};
  auto certs = MakeTestCerts(dir, "DNS:redis.test,DNS:*.redis.test");
  ASSERT_TRUE(certs.ok()) << certs.status().ToString();
  TlsFiles client_files;
  client_files.ca_file = certs->ca;
  auto client = TlsContext::Create(client_files);
  ASSERT_TRUE(client.ok()) << client.status().ToString();

  ClusterFixtureOptions o = Options();
  o.first_index = 70;  // 70..73: between the other CLI tests (60..) and faults_test (80..)
  ServerTls tls;
  tls.ca_file = certs->ca;
  tls.cert_file = certs->server_cert;
  tls.key_file = certs->server_key;
  tls.client = *client;
  o.tls = tls;
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(10000, 64).ok());
  auto before = cluster.Checksum();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  auto added = cluster.AddNode();
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  const std::string seed = "--seed " + cluster.seed();
  const std::string with_tls = " --tls --cacert " + certs->ca + " --sni redis.test";

  CommandRun plain = Agent("status " + seed + " --timeout-ms 2000");
  EXPECT_EQ(plain.code, 1) << plain.out;
  EXPECT_FALSE(plain.out.empty());

  CommandRun wrong_name = Agent("status " + seed + " --tls --cacert " + certs->ca +
                                " --sni other.test --timeout-ms 2000");
  EXPECT_EQ(wrong_name.code, 1) << "the certificate does not name other.test: " << wrong_name.out;

  CommandRun status = Agent("status " + seed + with_tls);
  EXPECT_EQ(status.code, 0) << status.out;
  EXPECT_NE(status.out.find("1 empty master"), std::string::npos) << status.out;

  CommandRun rebalance = Agent("rebalance " + seed + with_tls + " --use-empty-masters");
  EXPECT_EQ(rebalance.code, 0) << rebalance.out;
  std::string check;
  EXPECT_TRUE(cluster.RedisCliCheck(&check)) << check;
  EXPECT_EQ(*cluster.Checksum(), *before);
  EXPECT_EQ(cluster.MastersWithSlots().size(), 4u);

  CommandRun drain = Agent("drain " + seed + with_tls + " --node " + cluster.address(*added));
  EXPECT_EQ(drain.code, 0) << drain.out;
  EXPECT_EQ(cluster.MastersWithSlots().size(), 3u);
  EXPECT_TRUE(cluster.RedisCliCheck(&check)) << check;
  EXPECT_EQ(*cluster.Checksum(), *before);

  // Nothing is lost: cover-slots has nothing to do, and says so over TLS too.
  CommandRun cover = Agent("cover-slots " + seed + with_tls + " --accept-data-loss --dry-run");
  EXPECT_EQ(cover.code, 0) << cover.out;
}

}  // namespace
}  // namespace rc::testing
