// The HTTPS Kubernetes client against a local TLS API stand-in (cpp-httplib SSLServer on
// 127.0.0.1, port 0) whose CA and certificate are made by `openssl` into a temporary
// directory when the suite starts (never committed). Also LoadInClusterConfig.
#include "common/kube_client.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/wait_for.h"

namespace rc {
namespace {

namespace fs = std::filesystem;

constexpr char kToken[] = "test-token-made-up-for-this-test";
constexpr char kForbidden[] =
    R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"statefulsets.apps \"web\" is forbidden: User \"system:serviceaccount:ns:default\" cannot get resource \"statefulsets\" in API group \"apps\" in the namespace \"ns\"","reason":"Forbidden","code":403})";
constexpr char kNotFound[] =
    R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"web-9\" not found","reason":"NotFound","code":404})";

// Runs openssl; fails the test with the command's output when it fails.
bool Openssl(const fs::path& dir, const std::string& args) {
  std::string cmd = "cd '" + dir.string() + "' && openssl " + args + " >>openssl.log 2>&1";
  if (std::system(cmd.c_str()) == 0) return true;
  std::ifstream log(dir / "openssl.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  ADD_FAILURE() << "openssl " << args << " failed:\n" << text;
  return false;
}

// A CA ("<name>-ca.crt") and a server certificate for IP 127.0.0.1 signed by it.
bool MakeCaAndServerCert(const fs::path& dir, const std::string& name) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  std::ofstream(dir / "san.ext") << "subjectAltName=IP:127.0.0.1\n";
  return Openssl(dir, "req -x509 " + ec + " -keyout " + name + "-ca.key -out " + name +
                          "-ca.crt -days 1 -subj /CN=" + name + "-ca") &&
         Openssl(dir, "req " + ec + " -keyout " + name + "-server.key -out " + name +
                          "-server.csr -subj /CN=127.0.0.1") &&
         Openssl(dir, "x509 -req -in " + name + "-server.csr -CA " + name + "-ca.crt -CAkey " +
                          name + "-ca.key -CAcreateserial -out " + name +
                          "-server.crt -days 1 -extfile san.ext");
}

struct SeenRequest {
  std::string method, path, target, authorization, content_type, body, label_selector;
};

// The API stand-in: records every request and answers by path.
class FakeApiServer {
 public:
  FakeApiServer(const fs::path& cert, const fs::path& key) : server_(cert.c_str(), key.c_str()) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res);
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    server_.Patch(".*", handler);
  }
  ~FakeApiServer() {
    release_slow_.set_value();  // a handler still waiting must not block stop()
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  bool Start() {
    if (!server_.is_valid()) return false;
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return false;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return testing::WaitFor([this] { return server_.is_running(); }, std::chrono::seconds(5));
  }
  int port() const { return port_; }
  void set_accepted_token(const std::string& token) {
    std::lock_guard<std::mutex> lock(mu_);
    accepted_ = token;
  }
  std::string accepted_token() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  std::vector<SeenRequest> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back({req.method, req.path, req.target, req.get_header_value("Authorization"),
                       req.get_header_value("Content-Type"), req.body,
                       req.get_param_value("labelSelector")});
    }
    const std::string& p = req.path;
    if (p == "/rotating") {
      // Accepts only the current token, as an API server does once the old one expired.
      if (req.get_header_value("Authorization") != "Bearer " + accepted_token()) {
        res.status = 401;
        res.set_content(R"({"kind":"Status","message":"Unauthorized"})", "application/json");
      } else {
        res.set_content(R"({"ok":true})", "application/json");
      }
    } else if (p == "/slow") {
      slow_.wait();  // held until the test has seen its client give up
      res.set_content("{}", "application/json");
    } else if (p == "/apis/apps/v1/namespaces/ns/statefulsets/web") {
      res.status = 403;
      res.set_content(kForbidden, "application/json");
    } else if (p == "/api/v1/namespaces/ns/pods/web-9") {
      res.status = 404;
      res.set_content(kNotFound, "application/json");
    } else if (p == "/conflict") {
      res.status = 409;
      res.set_content(R"({"kind":"Status","message":"the object has been modified"})",
                      "application/json");
    } else if (p == "/not-json") {
      res.set_content("hello", "text/plain");
    } else if (req.method == "GET") {
      res.set_content(R"({"kind":"Pod","metadata":{"name":"web-0"}})", "application/json");
    } else {
      res.status = req.method == "POST" ? 201 : 200;
      res.set_content(R"({"echo":)" + req.body + "}", "application/json");
    }
  }

  httplib::SSLServer server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<SeenRequest> seen_;
  std::string accepted_ = kToken;
  std::promise<void> release_slow_;
  std::shared_future<void> slow_ = release_slow_.get_future().share();
};

class KubeClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/rc-kube-test-XXXXXX";
    dir_ = new fs::path(mkdtemp(tmpl));
    certs_ok_ = MakeCaAndServerCert(*dir_, "good") && MakeCaAndServerCert(*dir_, "other");
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }

  void SetUp() override {
    ASSERT_TRUE(certs_ok_);
    server_ = std::make_unique<FakeApiServer>(*dir_ / "good-server.crt", *dir_ / "good-server.key");
    ASSERT_TRUE(server_->Start()) << "the TLS API stand-in did not start";
    client_ = MakeHttpsKubeClient(Config(server_->port(), "good-ca.crt"));
  }

  static KubeConfig Config(int port, const std::string& ca) {
    KubeConfig config;
    config.host = "127.0.0.1";
    config.port = port;
    config.token = kToken;
    config.ca_file = (*dir_ / ca).string();
    config.namespace_name = "ns";
    config.timeout_ms = 2000;
    return config;
  }

  static fs::path* dir_;
  static bool certs_ok_;
  std::unique_ptr<FakeApiServer> server_;
  std::unique_ptr<KubeClient> client_;
};

fs::path* KubeClientTest::dir_ = nullptr;
bool KubeClientTest::certs_ok_ = false;

TEST_F(KubeClientTest, GetSendsTheBearerTokenAndReturnsTheJson) {
  auto pod = client_->Get("/api/v1/namespaces/ns/pods/web-0");
  ASSERT_TRUE(pod.ok()) << pod.status().ToString();
  EXPECT_EQ((*pod)["metadata"]["name"], "web-0");
  auto seen = server_->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/api/v1/namespaces/ns/pods/web-0");
  EXPECT_EQ(seen[0].authorization, std::string("Bearer ") + kToken);
}

TEST_F(KubeClientTest, ARotatedTokenFileIsReadAgainAfterA401) {
  const std::string file = (*dir_ / "token").string();
  std::ofstream(file) << kToken << "\n";
  KubeConfig config = Config(server_->port(), "good-ca.crt");
  config.token_file = file;
  auto client = MakeHttpsKubeClient(config);
  ASSERT_TRUE(client->Get("/rotating").ok());
  // The kubelet writes a new token; the server stops taking the old one.
  std::ofstream(file) << "rotated-token-made-up-too\n";
  server_->set_accepted_token("rotated-token-made-up-too");
  auto after = client->Get("/rotating");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ((*after)["ok"], true);
  // Without a token file, a 401 is an error that says so.
  auto fixed = MakeHttpsKubeClient(Config(server_->port(), "good-ca.crt"));
  auto refused = fixed->Get("/rotating");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("HTTP 401"), std::string::npos)
      << refused.status().message();
}

TEST_F(KubeClientTest, ListEncodesTheLabelSelector) {
  auto pods = client_->List("/api/v1/namespaces/ns/pods", "app=web,tier!=cache");
  ASSERT_TRUE(pods.ok()) << pods.status().ToString();
  auto seen = server_->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/api/v1/namespaces/ns/pods");
  EXPECT_EQ(seen[0].target, "/api/v1/namespaces/ns/pods?labelSelector=app%3Dweb%2Ctier!%3Dcache");
  EXPECT_EQ(seen[0].label_selector, "app=web,tier!=cache");
  ASSERT_TRUE(client_->List("/api/v1/namespaces/ns/pods", "").ok());
  EXPECT_EQ(server_->seen()[1].target, "/api/v1/namespaces/ns/pods");  // no empty selector
}

TEST_F(KubeClientTest, MergePatchUsesTheMergePatchContentType) {
  nlohmann::json patch = {{"metadata", {{"labels", {{"redis-cluster.io/role", "master"}}}}}};
  auto reply = client_->MergePatch("/api/v1/namespaces/ns/pods/web-0", patch);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ((*reply)["echo"], patch);
  auto seen = server_->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PATCH");
  EXPECT_EQ(seen[0].content_type, "application/merge-patch+json");
  EXPECT_EQ(nlohmann::json::parse(seen[0].body), patch);
  EXPECT_EQ(seen[0].authorization, std::string("Bearer ") + kToken);
}

TEST_F(KubeClientTest, PostAndPutSendJson) {
  nlohmann::json event = {{"kind", "Event"}, {"reason", "Rebalanced"}};
  auto posted = client_->Post("/api/v1/namespaces/ns/events", event);
  ASSERT_TRUE(posted.ok()) << posted.status().ToString();  // 201 Created is success
  EXPECT_EQ((*posted)["echo"], event);
  auto put = client_->Put("/api/v1/namespaces/ns/configmaps/c", {{"data", {{"k", "v"}}}});
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto seen = server_->seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(seen[0].body), event);
  EXPECT_EQ(seen[1].method, "PUT");
}

TEST_F(KubeClientTest, InvalidUtf8InABodyIsReplacedNotThrown) {
  nlohmann::json body = {{"message", std::string("bad \xff byte")}};
  auto posted = client_->Post("/api/v1/namespaces/ns/events", body);
  ASSERT_TRUE(posted.ok()) << posted.status().ToString();
}

TEST_F(KubeClientTest, NotFoundCarriesTheApiMessage) {
  auto pod = client_->Get("/api/v1/namespaces/ns/pods/web-9");
  ASSERT_FALSE(pod.ok());
  EXPECT_EQ(pod.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(pod.status().message().find("pods \"web-9\" not found"), std::string::npos)
      << pod.status().message();
}

TEST_F(KubeClientTest, ForbiddenCarriesTheApiMessageVerbAndPath) {
  auto sts = client_->Get("/apis/apps/v1/namespaces/ns/statefulsets/web");
  ASSERT_FALSE(sts.ok());
  EXPECT_EQ(sts.status().code(), ErrorCode::kPermissionDenied);
  const std::string& msg = sts.status().message();
  EXPECT_NE(msg.find("GET /apis/apps/v1/namespaces/ns/statefulsets/web"), std::string::npos) << msg;
  EXPECT_NE(msg.find("statefulsets.apps \"web\" is forbidden: User "
                     "\"system:serviceaccount:ns:default\" cannot get resource \"statefulsets\""),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find(kToken), std::string::npos);
}

TEST_F(KubeClientTest, ConflictAndNonJsonReplies) {
  auto conflict = client_->Put("/conflict", nlohmann::json::object());
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), ErrorCode::kConflict);
  EXPECT_NE(conflict.status().message().find("the object has been modified"), std::string::npos);
  auto text = client_->Get("/not-json");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), ErrorCode::kInternal);
  EXPECT_NE(text.status().message().find("GET /not-json"), std::string::npos);
}

TEST_F(KubeClientTest, SlowServerIsATimeout) {
  KubeConfig config = Config(server_->port(), "good-ca.crt");
  config.timeout_ms = 300;
  auto reply = MakeHttpsKubeClient(config)->Get("/slow");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kTimeout) << reply.status().ToString();
  EXPECT_NE(reply.status().message().find("GET /slow"), std::string::npos);
}

TEST_F(KubeClientTest, CertificateFromAnotherCaIsRefused) {
  FakeApiServer impostor(*dir_ / "other-server.crt", *dir_ / "other-server.key");
  ASSERT_TRUE(impostor.Start());
  auto reply =
      MakeHttpsKubeClient(Config(impostor.port(), "good-ca.crt"))->Get("/api/v1/namespaces");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnavailable) << reply.status().ToString();
  EXPECT_NE(reply.status().message().find("not trusted"), std::string::npos)
      << reply.status().message();
  EXPECT_TRUE(impostor.seen().empty()) << "a request reached a server the client must not trust";
  // The same server is accepted with its own CA: the refusal above was verification.
  auto trusted =
      MakeHttpsKubeClient(Config(impostor.port(), "other-ca.crt"))->Get("/api/v1/namespaces");
  EXPECT_TRUE(trusted.ok()) << trusted.status().ToString();
}

TEST_F(KubeClientTest, ClosedPortIsUnavailable) {
  KubeConfig config = Config(1, "good-ca.crt");  // nothing listens on port 1
  auto reply = MakeHttpsKubeClient(config)->Get("/api");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnavailable) << reply.status().ToString();
  EXPECT_NE(reply.status().message().find("127.0.0.1:1"), std::string::npos);
}

}  // namespace
}  // namespace rc
