// `redis-cluster-agent init` against a real redis-server: the rendered file
// starts the server with the cluster settings winning over the user's own
// config, and settings an unknown image tag could not promise are applied by
// the sidecar at run time (CONFIG SET after INFO server).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/config/agent_user.h"
#include "common/redis_client.h"
#include "tests/integration/agent/child_process.h"
#include "tests/support/redis_server_binary.h"
#include "tests/support/wait_for.h"

namespace rc::testing {
namespace {

using std::chrono::seconds;

const char* kIp = "127.50.20.1";

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/rc-agent-init-XXXXXX";
    char* d = mkdtemp(tmpl);
    path = d ? d : "/tmp";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

// Runs the agent binary to completion; returns its exit code and output.
int RunAgent(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
             const std::string& log, std::string* output) {
  ChildProcess p;
  std::vector<std::string> argv = {RC_AGENT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  if (!p.Start(argv, env, log)) return -1;
  int code = p.Wait();
  *output = p.LogTail(10000);
  return code;
}

Result<std::unique_ptr<RedisClient>> Connect(const std::string& password) {
  RedisOptions o;
  o.host = kIp;
  o.password = password;
  o.connect_timeout_ms = 300;
  return ConnectRedis(o);
}

std::string ConfigGet(RedisClient& client, const std::string& name) {
  auto reply = client.Command({"CONFIG", "GET", name});
  if (!reply.ok() || reply->elements.size() < 2) return "?";
  return reply->elements[1].str;
}

std::map<std::string, std::string> PodEnv(const TempDir& dir, const std::string& image) {
  return {{"POD_NAME", "redis-0"},
          {"POD_NAMESPACE", "shop"},
          {"POD_IP", kIp},
          {"SERVICE_NAME", "redis"},
          {"REDIS_IMAGE", image},
          {"REDIS_DATA_DIR", dir.path + "/data"},
          {"REDIS_BIND_ADDRESS", kIp},
          {"REDIS_CLUSTER_CONFIG_DIR", dir.path + "/config"}};
}

TEST(AgentInit, RendersAConfigARealServerStartsWithClusterSettingsWinning) {
  TempDir dir;
  std::filesystem::create_directories(dir.path + "/data");
  std::ofstream(dir.path + "/user.conf") << "maxmemory 7mb\nport 7777\ncluster-enabled no\n";
  // The image names the version under test, so init renders what it accepts.
  const TestServerVersion& version = TestServer();
  auto env = PodEnv(dir, version.Image());
  env["REDIS_PASSWORD"] = "init-pw-5be2";
  env["REDIS_USER_ARGS"] =
      R"(["redis-server", ")" + dir.path + R"(/user.conf", "--maxmemory-policy", "allkeys-lru"])";
  env["REDIS_CLUSTER_EXTRA_CONFIG"] = "hz 20\n";
  std::string out;
  ASSERT_EQ(RunAgent({"init"}, env, dir.path + "/init.log", &out), 0) << out;
  EXPECT_EQ(out.find("init-pw-5be2"), std::string::npos) << "the password is never logged";
  EXPECT_NE(out.find("wrote " + dir.path + "/config/redis.conf"), std::string::npos) << out;

  ChildProcess server;
  ASSERT_TRUE(server.Start({RedisServerBinary(), dir.path + "/config/redis.conf"}, {},
                           dir.path + "/redis.out"));
  std::unique_ptr<RedisClient> client;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto c = Connect("init-pw-5be2");
        if (!c.ok()) return false;
        auto pong = (*c)->Command({"PING"});
        if (!pong.ok() || pong->IsError()) return false;
        client = std::move(*c);
        return true;
      },
      seconds(10)))
      << server.LogTail();
  EXPECT_EQ(ConfigGet(*client, "maxmemory"), std::to_string(7 * 1024 * 1024)) << "user file kept";
  EXPECT_EQ(ConfigGet(*client, "maxmemory-policy"), "allkeys-lru") << "user args kept";
  EXPECT_EQ(ConfigGet(*client, "hz"), "20") << "extra lines kept";
  EXPECT_EQ(ConfigGet(*client, "port"), "6379") << "cluster settings win";
  EXPECT_EQ(ConfigGet(*client, "appendonly"), "yes");
  EXPECT_EQ(ConfigGet(*client, "cluster-announce-ip"), kIp);
  if (version.AtLeast(7, 0)) {
    EXPECT_EQ(ConfigGet(*client, "cluster-announce-hostname"),
              "redis-0.redis.shop.svc.cluster.local");
  }
  if (version.AtLeast(6, 2)) {
    EXPECT_EQ(ConfigGet(*client, "cluster-allow-replica-migration"), "no");
  }
  auto info = client->Command({"INFO", "cluster"});
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->str.find("cluster_enabled:1"), std::string::npos);
  auto anonymous = Connect("");
  ASSERT_TRUE(anonymous.ok());
  auto refused = (*anonymous)->Command({"GET", "x"});
  ASSERT_TRUE(refused.ok());
  EXPECT_TRUE(refused->ErrorStartsWith("NOAUTH")) << refused->str;
  if (!version.AtLeast(6, 0)) {
    EXPECT_NE(out.find("without ACL (Redis < 6.0) the agent works as the default user"),
              std::string::npos)
        << out;
  }
  RC_SKIP_UNLESS_SERVER_AT_LEAST(6, 0, "the rest (the agent's ACL user)");
  // The agent's own user exists, with only the agent's commands.
  RedisOptions agent;
  agent.host = kIp;
  agent.username = agent::kAgentUser;
  agent.password = agent::AgentPassword("init-pw-5be2");
  auto as_agent = ConnectRedis(agent);
  ASSERT_TRUE(as_agent.ok()) << as_agent.status().ToString();
  auto nodes = (*as_agent)->Command({"CLUSTER", "NODES"});
  ASSERT_TRUE(nodes.ok());
  EXPECT_FALSE(nodes->IsError()) << nodes->str;
  auto flush = (*as_agent)->Command({"FLUSHALL"});
  ASSERT_TRUE(flush.ok());
  EXPECT_TRUE(flush->ErrorStartsWith("NOPERM")) << flush->str;
  server.Kill(9);
}

TEST(AgentInit, AnUnknownTagLeavesNewerSettingsToTheSidecar) {
  RC_SKIP_UNLESS_SERVER_AT_LEAST(7, 0, "cluster-announce-hostname set at run time");
  TempDir dir;
  std::filesystem::create_directories(dir.path + "/data");
  auto env = PodEnv(dir, "redis:latest");
  std::string out;
  ASSERT_EQ(RunAgent({"init"}, env, dir.path + "/init.log", &out), 0) << out;
  std::ifstream conf_file(dir.path + "/config/redis.conf");
  std::stringstream conf;
  conf << conf_file.rdbuf();
  EXPECT_EQ(conf.str().find("\ncluster-allow-replica-migration"), std::string::npos) << conf.str();
  EXPECT_EQ(conf.str().find("\ncluster-announce-hostname"), std::string::npos) << conf.str();

  ChildProcess server;
  ASSERT_TRUE(server.Start({RedisServerBinary(), dir.path + "/config/redis.conf"}, {},
                           dir.path + "/redis.out"));
  ASSERT_TRUE(WaitFor([&] { return Connect("").ok(); }, seconds(10))) << server.LogTail();
  auto client = Connect("");
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(ConfigGet(**client, "cluster-allow-replica-migration"), "yes") << "redis' default";

  std::ofstream(dir.path + "/pods.json")
      << R"({"replicas": 1, "pods": [{"name": "redis-0", "ip": ")" << kIp << R"("}]})";
  ChildProcess agent;
  ASSERT_TRUE(agent.Start(
      {RC_AGENT_BINARY, "run", "--discovery=static", "--static-pods=" + dir.path + "/pods.json",
       "--http-port=0", "--http-address=" + std::string(kIp), "--loop-interval-ms=200"},
      env, dir.path + "/agent.log"));
  EXPECT_TRUE(WaitFor(
      [&] {
        return ConfigGet(**client, "cluster-allow-replica-migration") == "no" &&
               ConfigGet(**client, "cluster-announce-hostname") ==
                   "redis-0.redis.shop.svc.cluster.local";
      },
      seconds(15)))
      << agent.LogTail();
  EXPECT_NE(agent.LogTail().find("the settings its image tag did not promise"), std::string::npos);
  agent.Kill(15);
  server.Kill(9);
}

TEST(AgentInit, BadUsageSaysWhatIsWrong) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(RunAgent({"init", "--password", "x"}, {}, dir.path + "/a.log", &out), 2);
  EXPECT_NE(out.find("--password is refused"), std::string::npos) << out;
  auto env = PodEnv(dir, "redis:7.0");
  env.erase("POD_IP");
  EXPECT_EQ(RunAgent({"init"}, env, dir.path + "/b.log", &out), 1);
  EXPECT_NE(out.find("POD_IP is empty"), std::string::npos) << out;
}

}  // namespace
}  // namespace rc::testing
