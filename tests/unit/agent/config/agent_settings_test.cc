#include "agent/config/agent_settings.h"

#include <gtest/gtest.h>

#include <map>

namespace rc::agent {
namespace {

struct Argv {
  explicit Argv(std::vector<std::string> words) : words_(std::move(words)) {
    for (auto& w : words_) ptrs_.push_back(w.data());
  }
  int argc() { return static_cast<int>(ptrs_.size()); }
  char** argv() { return ptrs_.data(); }
  std::vector<std::string> words_;
  std::vector<char*> ptrs_;
};

EnvLookup Env(std::map<std::string, std::string> env) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(env));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST(ParseAgentSettings, ReadsTheWebhookEnvironment) {
  Argv a({"init"});
  auto s = ParseAgentSettings(a.argc(), a.argv(),
                              Env({{"POD_NAME", "redis-2"},
                                   {"POD_NAMESPACE", "shop"},
                                   {"POD_IP", "10.1.2.3"},
                                   {"POD_SERVICE_ACCOUNT", "redis-sa"},
                                   {"SERVICE_NAME", "redis"},
                                   {"STATEFULSET_NAME", "redis"},
                                   {"REDIS_CLUSTER_REPLICAS_PER_MASTER", "2"},
                                   {"REDIS_CLUSTER_NODE_TIMEOUT_MS", "3000"},
                                   {"REDIS_PASSWORD", "pw"},
                                   {"REDIS_IMAGE", "redis:5.0.4"},
                                   {"CLUSTER_DOMAIN", "corp.local"},
                                   {"REDIS_CLUSTER_MIGRATION_SPEED", "fast"},
                                   {"REDIS_CLUSTER_TLS_DIR", "/etc/redis-cluster/tls"},
                                   {"REDIS_CLUSTER_TLS_AUTH_CLIENTS", "yes"},
                                   {"REDIS_USER_ARGS", R"(["redis-server","/c.conf"])"}}),
                              {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->pod.pod_name, "redis-2");
  EXPECT_EQ(s->pod.pod_ip, "10.1.2.3");
  EXPECT_EQ(s->pod.cluster_domain, "corp.local");
  EXPECT_EQ(s->replicas_per_master, 2);
  EXPECT_EQ(s->conf.node_timeout_ms, 3000);
  EXPECT_EQ(s->conf.password, "pw");
  EXPECT_EQ(s->conf.image, "redis:5.0.4");
  EXPECT_EQ(s->conf.user.config_file, "/c.conf");
  EXPECT_EQ(s->config_dir, "/etc/redis-cluster");
  EXPECT_TRUE(s->fast_migration);
  EXPECT_EQ(s->conf.tls_dir, "/etc/redis-cluster/tls");
  EXPECT_EQ(s->conf.tls_auth_clients, "yes");
  EXPECT_EQ(s->service_account, "redis-sa");
}

TEST(ParseAgentSettings, FlagsWinOverTheEnvironment) {
  Argv a({"run", "--pod-ip=127.50.0.9", "--config-dir", "/tmp/c", "--http-port", "0"});
  int http_port = 8479;
  std::string discovery = "kube";
  auto s = ParseAgentSettings(a.argc(), a.argv(), Env({{"POD_IP", "10.1.2.3"}}),
                              [&](FlagParser& parser) {
                                parser.AddInt("http-port", &http_port, "port");
                                parser.AddString("discovery", &discovery, "way");
                              });
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->pod.pod_ip, "127.50.0.9");
  EXPECT_EQ(s->config_dir, "/tmp/c");
  EXPECT_EQ(http_port, 0);
  EXPECT_EQ(discovery, "kube");
  EXPECT_FALSE(s->fast_migration) << "gentle unless asked";
  EXPECT_TRUE(s->conf.tls_dir.empty()) << "plain text unless asked";
  EXPECT_EQ(s->conf.tls_auth_clients, "no");
}

TEST(ParseAgentSettings, RejectsBadUsageWithAClearMessage) {
  struct Case {
    std::vector<std::string> argv;
    const char* says;
  } cases[] = {
      {{"init", "--password", "x"}, "--password is refused"},
      {{"init", "--bogus=1"}, "unknown flag --bogus"},
      {{"init", "--pod-ip"}, "needs a value"},
      {{"init", "--replicas-per-master=two"}, "not a whole number"},
      {{"init", "--password-file=/nonexistent/pw"}, "cannot be read"},
      {{"init", "stray"}, "unexpected argument"},
      {{"run", "--migration-speed=turbo"}, "want gentle (the default) or fast"},
      {{"run", "--tls-auth-clients=yes"},
       "--tls-auth-clients (REDIS_CLUSTER_TLS_AUTH_CLIENTS) needs --tls-dir"},
  };
  for (auto& c : cases) {
    Argv a(c.argv);
    auto s = ParseAgentSettings(a.argc(), a.argv(), Env({}));
    ASSERT_FALSE(s.ok()) << c.says;
    EXPECT_NE(s.status().message().find(c.says), std::string::npos) << s.status().message();
  }
}

TEST(ParseAgentSettings, HelpListsTheSharedFlagsWithTheirEnvironmentAndTheExtraOnes) {
  Argv a({"run", "--help"});
  int port = 1;
  auto s = ParseAgentSettings(a.argc(), a.argv(), Env({}), [&](FlagParser& parser) {
    parser.AddInt("http-port", &port, "the health port");
  });
  ASSERT_EQ(s.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("--pod-ip"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("[POD_IP]"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("--http-port"), std::string::npos) << s.status().message();
}

TEST(ClusterDomainFromResolvConf, ReadsTheSearchList) {
  EXPECT_EQ(ClusterDomainFromResolvConf(
                "nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local "
                "cluster.local\noptions ndots:5\n"),
            "cluster.local");
  EXPECT_EQ(ClusterDomainFromResolvConf("search ns.svc.k8s.example.com\n"), "k8s.example.com");
  EXPECT_EQ(ClusterDomainFromResolvConf("nameserver 1.1.1.1\n"), "");
}

}  // namespace
}  // namespace rc::agent
