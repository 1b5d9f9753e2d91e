#include "agent/config/redis_conf.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "agent/config/agent_user.h"

namespace rc::agent {
namespace {

PodFacts Pod() {
  PodFacts p;
  p.pod_name = "redis-3";
  p.namespace_name = "shop";
  p.pod_ip = "10.0.3.7";
  p.service_name = "redis";
  return p;
}

ConfOptions Options(const std::string& image) {
  ConfOptions o;
  o.image = image;
  return o;
}

// The parsed directives of a rendered file, in order.
std::vector<Directive> Lines(const RenderedConf& conf) {
  auto parsed = ParseConfText(conf.text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : std::vector<Directive>{};
}

// The value the server ends up with: the last line for that directive wins.
std::vector<std::string> Effective(const RenderedConf& conf, const std::string& name) {
  std::vector<std::string> value;
  for (const auto& d : Lines(conf))
    if (d.name == name) value = d.args;
  return value;
}

bool Has(const RenderedConf& conf, const std::string& name) {
  auto lines = Lines(conf);
  return std::any_of(lines.begin(), lines.end(),
                     [&](const Directive& d) { return d.name == name; });
}

TEST(RenderRedisConf, Redis7HoldsEveryClusterSetting) {
  auto conf = RenderRedisConf(Pod(), Options("redis:7.0"));
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_EQ(Effective(*conf, "cluster-enabled"), std::vector<std::string>{"yes"});
  EXPECT_EQ(Effective(*conf, "cluster-config-file"), std::vector<std::string>{"/data/nodes.conf"});
  EXPECT_EQ(Effective(*conf, "cluster-node-timeout"), std::vector<std::string>{"5000"});
  EXPECT_EQ(Effective(*conf, "appendonly"), std::vector<std::string>{"yes"});
  EXPECT_EQ(Effective(*conf, "dir"), std::vector<std::string>{"/data"});
  EXPECT_EQ(Effective(*conf, "cluster-announce-ip"), std::vector<std::string>{"10.0.3.7"});
  EXPECT_EQ(Effective(*conf, "cluster-announce-hostname"),
            std::vector<std::string>{"redis-3.redis.shop.svc.cluster.local"});
  EXPECT_EQ(Effective(*conf, "cluster-allow-replica-migration"), std::vector<std::string>{"no"});
  EXPECT_EQ(Effective(*conf, "protected-mode"), std::vector<std::string>{"no"});
  EXPECT_FALSE(Has(*conf, "requirepass"));
  EXPECT_FALSE(Has(*conf, "bind"));
  EXPECT_TRUE(conf->left_out.empty());
}

TEST(RenderRedisConf, Redis50FileHoldsNothing50Rejects) {
  auto conf = RenderRedisConf(Pod(), Options("redis:5.0.4"));
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  for (const char* newer :
       {"cluster-announce-hostname", "cluster-allow-replica-migration", "bind-source-addr"}) {
    EXPECT_FALSE(Has(*conf, newer)) << newer;
  }
  EXPECT_TRUE(Has(*conf, "cluster-announce-ip"));
  EXPECT_EQ(Effective(*conf, "cluster-migration-barrier"), std::vector<std::string>{"999"});
  ASSERT_EQ(conf->left_out.size(), 2u);
  EXPECT_EQ(conf->left_out[0].name, "cluster-allow-replica-migration");
  EXPECT_EQ(conf->left_out[1].name, "cluster-announce-hostname");
}

TEST(RenderRedisConf, Redis62HasReplicaMigrationButNoHostname) {
  auto conf = RenderRedisConf(Pod(), Options("redis:6.2.14-alpine"));
  ASSERT_TRUE(conf.ok());
  EXPECT_TRUE(Has(*conf, "cluster-allow-replica-migration"));
  EXPECT_FALSE(Has(*conf, "cluster-announce-hostname"));
}

TEST(RenderRedisConf, Redis60LacksReplicaMigrationDirective) {
  auto conf = RenderRedisConf(Pod(), Options("redis:6.0"));
  ASSERT_TRUE(conf.ok());
  EXPECT_FALSE(Has(*conf, "cluster-allow-replica-migration"));
}

TEST(RenderRedisConf, ValkeyGetsEverything) {
  auto conf = RenderRedisConf(Pod(), Options("valkey/valkey:8"));
  ASSERT_TRUE(conf.ok());
  EXPECT_TRUE(Has(*conf, "cluster-announce-hostname"));
  EXPECT_TRUE(Has(*conf, "cluster-allow-replica-migration"));
}

TEST(RenderRedisConf, UnknownTagRendersOnlyWhatEveryVersionAcceptsAndDefersTheRest) {
  PodFacts pod = Pod();
  ConfOptions options = Options("redis:latest");
  auto conf = RenderRedisConf(pod, options);
  ASSERT_TRUE(conf.ok());
  EXPECT_FALSE(Has(*conf, "cluster-announce-hostname"));
  EXPECT_FALSE(Has(*conf, "cluster-allow-replica-migration"));

  // At run time, INFO server says 7.0: both are applied with CONFIG SET.
  auto on7 = DeferredDirectives(pod, options, ParseInfoServer("redis_version:7.0.15\r\n"));
  ASSERT_TRUE(on7.ok());
  ASSERT_EQ(on7->size(), 2u);
  EXPECT_EQ((*on7)[0].name, "cluster-allow-replica-migration");
  EXPECT_EQ((*on7)[1].name, "cluster-announce-hostname");
  // On 6.2 only the replica-migration switch exists.
  auto on62 = DeferredDirectives(pod, options, ParseInfoServer("redis_version:6.2.6\r\n"));
  ASSERT_TRUE(on62.ok());
  ASSERT_EQ(on62->size(), 1u);
  EXPECT_EQ((*on62)[0].name, "cluster-allow-replica-migration");
  // A file rendered for 7.0 leaves nothing for later.
  auto none = DeferredDirectives(pod, Options("redis:7.0"), ParseInfoServer("redis_version:7.0.1"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(RenderRedisConf, TlsServesOnlyTlsOnTheClientPortAndTheBus) {
  ConfOptions options = Options("redis:7.0");
  options.tls_dir = "/etc/redis-cluster/tls";
  auto conf = RenderRedisConf(Pod(), options);
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_EQ(Effective(*conf, "port"), std::vector<std::string>{"0"}) << "no plain listener";
  EXPECT_EQ(Effective(*conf, "tls-port"), std::vector<std::string>{"6379"});
  EXPECT_EQ(Effective(*conf, "tls-cert-file"),
            std::vector<std::string>{"/etc/redis-cluster/tls/tls.crt"});
  EXPECT_EQ(Effective(*conf, "tls-key-file"),
            std::vector<std::string>{"/etc/redis-cluster/tls/tls.key"});
  EXPECT_EQ(Effective(*conf, "tls-ca-cert-file"),
            std::vector<std::string>{"/etc/redis-cluster/tls/ca.crt"});
  EXPECT_EQ(Effective(*conf, "tls-cluster"), std::vector<std::string>{"yes"});
  EXPECT_EQ(Effective(*conf, "tls-replication"), std::vector<std::string>{"yes"});
  EXPECT_EQ(Effective(*conf, "tls-auth-clients"), std::vector<std::string>{"no"});

  // A tag that does not tell the version still gets TLS in the file: a
  // server started without it would have no listener at all.
  options.image = "redis:latest";
  options.tls_auth_clients = "optional";
  auto latest = RenderRedisConf(Pod(), options);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(Effective(*latest, "tls-port"), std::vector<std::string>{"6379"});
  EXPECT_EQ(Effective(*latest, "tls-auth-clients"), std::vector<std::string>{"optional"});
  for (const auto& d : latest->left_out) EXPECT_NE(d.name.rfind("tls-", 0), 0u) << d.name;

  // A user's own port line cannot reopen the plain port.
  options.extra_config = "port 6380\n";
  auto user = RenderRedisConf(Pod(), options);
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(Effective(*user, "port"), std::vector<std::string>{"0"});
}

TEST(RenderRedisConf, TlsIsRefusedForServersWithoutIt) {
  ConfOptions options = Options("redis:5.0.4");
  options.tls_dir = "/tls";
  auto old = RenderRedisConf(Pod(), options);
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("TLS needs redis >= 6.0"), std::string::npos)
      << old.status().message();
  options.image = "redis:7.0";
  options.tls_auth_clients = "always";
  auto bad = RenderRedisConf(Pod(), options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'always' is not one of no, optional, yes"),
            std::string::npos)
      << bad.status().message();
  options.tls_auth_clients = "no";
  options.tls_dir = "tls";
  EXPECT_FALSE(RenderRedisConf(Pod(), options).ok()) << "relative TLS dir";
}

TEST(RenderRedisConf, PasswordTurnsOnAuthAndKeepsProtectedModeDefault) {
  ConfOptions options = Options("redis:7.0");
  options.password = "s3 cr\"et";
  auto conf = RenderRedisConf(Pod(), options);
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(Effective(*conf, "requirepass"), std::vector<std::string>{"s3 cr\"et"});
  EXPECT_EQ(Effective(*conf, "masterauth"), std::vector<std::string>{"s3 cr\"et"});
  EXPECT_FALSE(Has(*conf, "protected-mode"));
}

TEST(RenderRedisConf, PasswordOn6AndLaterCreatesTheAgentUserBesideTheDefaultOne) {
  for (const char* image : {"redis:6.0.20", "redis:7.0", "valkey/valkey:8.0"}) {
    ConfOptions options = Options(image);
    options.password = "pw";
    auto conf = RenderRedisConf(Pod(), options);
    ASSERT_TRUE(conf.ok()) << image;
    EXPECT_EQ(Effective(*conf, "requirepass"), std::vector<std::string>{"pw"}) << image;
    EXPECT_EQ(Effective(*conf, "user"), AgentUserDirective(AgentPassword("pw")).args) << image;
    EXPECT_TRUE(conf->overridden.empty()) << image;
  }
  // No password: nobody authenticates, so no user.
  auto open = RenderRedisConf(Pod(), Options("redis:7.0"));
  ASSERT_TRUE(open.ok());
  EXPECT_FALSE(Has(*open, "user"));
}

TEST(RenderRedisConf, AgentUserWaitsForTheServerToSayItHasAcls) {
  ConfOptions options = Options("redis:5.0.4");
  options.password = "pw";
  auto on5 = RenderRedisConf(Pod(), options);
  ASSERT_TRUE(on5.ok());
  EXPECT_FALSE(Has(*on5, "user"));  // 5.0 would refuse to start
  auto later5 = DeferredDirectives(Pod(), options, ParseInfoServer("redis_version:5.0.14\r\n"));
  ASSERT_TRUE(later5.ok());
  for (const auto& d : *later5) EXPECT_NE(d.name, "user");

  // Unknown tag: created at run time (ACL SETUSER) once INFO says 6.0 or later.
  options.image = "redis:latest";
  auto unknown = RenderRedisConf(Pod(), options);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(Has(*unknown, "user"));
  auto on7 = DeferredDirectives(Pod(), options, ParseInfoServer("redis_version:7.0.15\r\n"));
  ASSERT_TRUE(on7.ok());
  bool user = false;
  for (const auto& d : *on7) user |= d.name == "user";
  EXPECT_TRUE(user);
}

TEST(RenderRedisConf, AnAclFileOfTheUsersKeepsTheAgentOnTheDefaultUser) {
  ConfOptions options = Options("redis:7.0");
  options.password = "pw";
  options.extra_config = "aclfile /data/users.acl\n";
  auto conf = RenderRedisConf(Pod(), options);
  ASSERT_TRUE(conf.ok());
  EXPECT_FALSE(Has(*conf, "user"));  // redis refuses user lines beside an aclfile
  EXPECT_EQ(Effective(*conf, "aclfile"), std::vector<std::string>{"/data/users.acl"});
}

TEST(RenderRedisConf, ClusterSettingsWinOverExtraLinesAndTheUsersOwnConfig) {
  ConfOptions options = Options("redis:7.0");
  options.extra_config = "maxmemory 100mb\ncluster-enabled no\nappendonly no\n";
  auto user = ParseUserServerArgs(
      R"(["redis-server", "/usr/local/etc/redis/redis.conf", "--port", "7000", "--maxmemory-policy", "allkeys-lru"])");
  ASSERT_TRUE(user.ok());
  options.user = *user;
  auto conf = RenderRedisConf(Pod(), options);
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  // The agent's defaults come first, then the user's file, so everything after
  // the file wins over it, and the file over the defaults.
  auto lines = Lines(*conf);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], (Directive{"repl-diskless-sync-delay", {"0"}}));
  EXPECT_EQ(lines[1], (Directive{"include", {"/usr/local/etc/redis/redis.conf"}}));
  EXPECT_EQ(Effective(*conf, "maxmemory"), std::vector<std::string>{"100mb"});
  EXPECT_EQ(Effective(*conf, "maxmemory-policy"), std::vector<std::string>{"allkeys-lru"});
  EXPECT_EQ(Effective(*conf, "port"), std::vector<std::string>{"6379"});
  EXPECT_EQ(Effective(*conf, "cluster-enabled"), std::vector<std::string>{"yes"});
  EXPECT_EQ(Effective(*conf, "appendonly"), std::vector<std::string>{"yes"});
  std::vector<std::string> overridden = conf->overridden;
  std::sort(overridden.begin(), overridden.end());
  EXPECT_EQ(overridden, (std::vector<std::string>{"appendonly", "cluster-enabled", "port"}));
}

TEST(RenderRedisConf, DefaultsGiveWayToTheUsersLines) {
  ConfOptions options = Options("redis:7.0");
  auto plain = RenderRedisConf(Pod(), options);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(Effective(*plain, "repl-diskless-sync-delay"), std::vector<std::string>{"0"});
  options.extra_config = "repl-diskless-sync-delay 5\n";
  auto conf = RenderRedisConf(Pod(), options);
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_EQ(Effective(*conf, "repl-diskless-sync-delay"), std::vector<std::string>{"5"});
  EXPECT_TRUE(conf->overridden.empty()) << "a default is not a cluster setting";
}

TEST(RenderRedisConf, TestOptionsBindOneAddress) {
  ConfOptions options = Options("redis:7.0.15");
  options.bind_address = "127.50.0.1";
  options.port = 6380;
  options.data_dir = "/tmp/x";
  PodFacts pod = Pod();
  pod.service_name.clear();
  auto conf = RenderRedisConf(pod, options);
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(Effective(*conf, "bind"), std::vector<std::string>{"127.50.0.1"});
  EXPECT_EQ(Effective(*conf, "bind-source-addr"), std::vector<std::string>{"127.50.0.1"});
  EXPECT_EQ(Effective(*conf, "cluster-config-file"), std::vector<std::string>{"/tmp/x/nodes.conf"});
  EXPECT_FALSE(Has(*conf, "cluster-announce-hostname"));
}

TEST(RenderRedisConf, RejectsBadFactsWithAClearMessage) {
  struct Case {
    const char* what;
    PodFacts pod;
    ConfOptions options;
    const char* says;
  };
  PodFacts no_ip = Pod();
  no_ip.pod_ip = "";
  PodFacts bad_ip = Pod();
  bad_ip.pod_ip = "10.0.0";
  ConfOptions bad_port = Options("redis:7");
  bad_port.port = 60000;
  ConfOptions relative_dir = Options("redis:7");
  relative_dir.data_dir = "data";
  ConfOptions bad_extra = Options("redis:7");
  bad_extra.extra_config = "maxmemory \"1mb\n";
  const Case cases[] = {
      {"no ip", no_ip, Options("redis:7"), "POD_IP is empty"},
      {"bad ip", bad_ip, Options("redis:7"), "not an IP address"},
      {"bad port", Pod(), bad_port, "out of range"},
      {"relative dir", Pod(), relative_dir, "not an absolute path"},
      {"bad extra", Pod(), bad_extra, "redis-cluster.io/config"},
  };
  for (const auto& c : cases) {
    auto conf = RenderRedisConf(c.pod, c.options);
    ASSERT_FALSE(conf.ok()) << c.what;
    EXPECT_NE(conf.status().message().find(c.says), std::string::npos)
        << c.what << ": " << conf.status().message();
  }
}

}  // namespace
}  // namespace rc::agent
