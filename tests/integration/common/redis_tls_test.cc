// The client's TLS transport against a real TLS-only redis-server (Debian's is
// built with TLS): commands and pipelines, verification against the CA and by
// name, client certificates, a plain-text client refused, and certificate
// files rotated while the client runs. Certificates are made by openssl at
// test time.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "common/redis_client.h"
#include "common/tls_context.h"
#include "tests/support/redis_server_binary.h"
#include "tests/support/redis_server_process.h"
#include "tests/support/test_certs.h"
#include "tests/support/wait_for.h"

namespace rc {
namespace {

using testing::LoopbackAddress;
using testing::RedisServerOptions;
using testing::RedisServerProcess;
using testing::ServerTls;
using testing::TestCerts;
using namespace std::chrono_literals;

// Loopback suite 30 belongs to the common tests; this file uses indexes 40..59.
constexpr int kSuite = 30;
constexpr char kSans[] = "DNS:redis.test,DNS:*.redis.test";

class RedisTls : public ::testing::Test {
 protected:
  void SetUp() override {
    RC_SKIP_UNLESS_SERVER_AT_LEAST(6, 0, "TLS");
    char tmpl[] = "/tmp/rc-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto certs = testing::MakeTestCerts(dir_, kSans);
    ASSERT_TRUE(certs.ok()) << certs.status().ToString();
    certs_ = *certs;
  }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::shared_ptr<TlsContext> Context(TlsFiles files) {
    auto ctx = TlsContext::Create(std::move(files));
    EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
    return ctx.ok() ? *ctx : nullptr;
  }
  TlsFiles CaOnly() const {
    TlsFiles f;
    f.ca_file = certs_.ca;
    return f;
  }
  TlsFiles WithClientCert() const {
    TlsFiles f = CaOnly();
    f.cert_file = certs_.client_cert;
    f.key_file = certs_.client_key;
    return f;
  }
  void StartServer(int index, const std::string& auth_clients = "no") {
    RedisServerOptions o;
    o.ip = LoopbackAddress(kSuite, index);
    o.cluster = false;
    ServerTls tls;
    tls.ca_file = certs_.ca;
    tls.cert_file = certs_.server_cert;
    tls.key_file = certs_.server_key;
    tls.auth_clients = auth_clients;
    tls.client = Context(WithClientCert());
    o.tls = tls;
    server_ = std::make_unique<RedisServerProcess>(o);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }
  RedisOptions Options(std::shared_ptr<TlsContext> tls) const {
    RedisOptions o;
    o.host = server_->ip();
    o.port = server_->port();
    o.connect_timeout_ms = 2000;
    o.command_timeout_ms = 2000;
    o.tls = std::move(tls);
    return o;
  }

  std::string dir_;
  TestCerts certs_;
  std::unique_ptr<RedisServerProcess> server_;
};

TEST_F(RedisTls, CommandsAndAThousandCommandPipelineOverTls) {
  StartServer(40);
  auto client = ConnectRedis(Options(Context(CaOnly())));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  std::vector<RedisCommand> cmds;
  for (int i = 0; i < 1000; ++i)
    cmds.push_back({"SET", "k" + std::to_string(i), std::string(100 + i, 'v')});
  auto set = (*client)->Pipeline(cmds);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  for (const auto& r : *set) EXPECT_TRUE(r.IsOk());
  auto big = (*client)->Command({"SET", "big", std::string(1 << 20, 'x')});
  ASSERT_TRUE(big.ok() && big->IsOk());
  auto get = (*client)->Command({"GET", "big"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str.size(), 1u << 20);
  auto port = (*client)->Command({"CONFIG", "GET", "port"});
  ASSERT_TRUE(port.ok() && port->elements.size() == 2) << "CONFIG GET port";
  EXPECT_EQ(port->elements[1].str, "0") << "the server has a plain port";
}

TEST_F(RedisTls, APlainTextClientIsRefused) {
  StartServer(41);
  auto client = ConnectRedis(Options(nullptr));
  if (client.ok()) {  // TCP connects; the first command meets a TLS server
    auto pong = (*client)->Command({"PING"});
    EXPECT_FALSE(pong.ok()) << "a plain PING was answered: " << pong->str;
  }
}

TEST_F(RedisTls, AServerOutsideTheCaIsRefusedNamingTheReason) {
  StartServer(42);
  auto other = testing::MakeTestCerts(dir_ + "/other", kSans);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  TlsFiles f;
  f.ca_file = other->ca;
  auto client = ConnectRedis(Options(Context(f)));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(client.status().message().find("server certificate not accepted"), std::string::npos)
      << client.status().message();
  EXPECT_NE(client.status().message().find(server_->address()), std::string::npos);
  // --insecure accepts it.
  TlsFiles insecure;
  insecure.insecure = true;
  EXPECT_TRUE(ConnectRedis(Options(Context(insecure))).ok());
}

TEST_F(RedisTls, TheServerNameIsCheckedWhenGiven) {
  StartServer(43);
  TlsFiles right = CaOnly();
  right.server_name = "redis-0.redis.test";  // matches *.redis.test
  EXPECT_TRUE(ConnectRedis(Options(Context(right))).ok());
  TlsFiles wrong = CaOnly();
  wrong.server_name = "redis.elsewhere";
  auto client = ConnectRedis(Options(Context(wrong)));
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("does not name 'redis.elsewhere'"), std::string::npos)
      << client.status().message();
}

TEST_F(RedisTls, ClientCertificatesWhenTheServerRequiresThem) {
  StartServer(44, "yes");
  auto anonymous = ConnectRedis(Options(Context(CaOnly())));
  bool refused = !anonymous.ok() || !(*anonymous)->Command({"PING"}).ok();
  EXPECT_TRUE(refused) << "a client without a certificate was served";
  auto client = ConnectRedis(Options(Context(WithClientCert())));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto pong = (*client)->Command({"PING"});
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(pong->str, "PONG");
}

TEST_F(RedisTls, BadFilesAreNamed) {
  TlsFiles missing;
  missing.ca_file = dir_ + "/nope.crt";
  auto ctx = TlsContext::Create(missing);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.status().message().find("nope.crt"), std::string::npos);
  TlsFiles half = CaOnly();
  half.cert_file = certs_.client_cert;
  EXPECT_FALSE(TlsContext::Create(half).ok());
  TlsFiles mismatched = CaOnly();
  mismatched.cert_file = certs_.client_cert;
  mismatched.key_file = certs_.server_key;
  auto m = TlsContext::Create(mismatched);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("does not match"), std::string::npos) << m.status().message();
  EXPECT_FALSE(TlsContext::Create(TlsFiles{}).ok()) << "no CA and not insecure";
}

TEST_F(RedisTls, RotatedFilesAreUsedByNewConnectionsWithoutARestart) {
  StartServer(45);
  // The client reads its CA from a path the test will overwrite.
  const std::string client_ca = dir_ + "/client-ca.crt";
  std::filesystem::copy_file(certs_.ca, client_ca);
  TlsFiles f;
  f.ca_file = client_ca;
  auto tls = Context(f);
  auto before = ConnectRedis(Options(tls));
  ASSERT_TRUE(before.ok()) << before.status().ToString();

  // A new CA and server certificate: the server reloads them (CONFIG SET),
  // then the client's CA file is replaced the way a Secret update does it.
  auto next = testing::MakeTestCerts(dir_, kSans, "next-");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  std::vector<RedisCommand> reload = {
      {"CONFIG", "SET", "tls-ca-cert-file", next->ca},
      {"CONFIG", "SET", "tls-cert-file", next->server_cert, "tls-key-file", next->server_key}};
  if (!testing::TestServer().AtLeast(7, 0)) {
    // One parameter per CONFIG SET before 7.0, and a new cert path with the old
    // key fails: write the new files over the old paths, then one SET of a
    // file to its own path reloads them all (as the agent does).
    for (auto [from, to] : {std::pair{next->server_cert, certs_.server_cert},
                            std::pair{next->server_key, certs_.server_key}})
      std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
    reload = {{"CONFIG", "SET", "tls-ca-cert-file", next->ca},
              {"CONFIG", "SET", "tls-cert-file", certs_.server_cert}};
  }
  auto set = (*before)->Pipeline(reload);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  for (const auto& r : *set) ASSERT_TRUE(r.IsOk()) << r.str;
  auto stale = ConnectRedis(Options(tls));
  EXPECT_FALSE(stale.ok()) << "the old CA accepted the new server certificate";
  const std::string tmp = client_ca + ".new";
  std::filesystem::copy_file(next->ca, tmp);
  std::filesystem::rename(tmp, client_ca);
  EXPECT_TRUE(testing::WaitFor([&] { return ConnectRedis(Options(tls)).ok(); }, 10s, 100ms))
      << "new connections never picked up the rotated CA";
  // The connection opened before the rotation still works.
  auto pong = (*before)->Command({"PING"});
  ASSERT_TRUE(pong.ok()) << pong.status().ToString();
  EXPECT_EQ(pong->str, "PONG");
}

}  // namespace
}  // namespace rc
