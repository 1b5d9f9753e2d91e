// The HTTPS server over real TLS on a free loopback port: mutate, health,
// metrics, bad inputs (the server keeps serving), TLS version floor, a
// certificate rotation picked up without a restart, and the drain on Stop(). Certificates are made
// at test time by certs/make-certs.sh (openssl); nothing is committed.
#include "webhook/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/wait_for.h"
#include "webhook/base64.h"

namespace rc::webhook {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

const fs::path kSourceDir = RC_SOURCE_DIR;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Runs certs/make-certs.sh into `dir` (a new CA unless one is there).
void MakeCerts(const fs::path& dir) {
  std::string command = "EXTRA_SANS='DNS:localhost,IP:127.0.0.1' '" +
                        (kSourceDir / "certs/make-certs.sh").string() + "' '" + dir.string() +
                        "' > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

class WebhookServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rc-webhook-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    MakeCerts(dir_ / "a");
    ServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.tls_cert_file = (dir_ / "a/tls.crt").string();
    options.tls_key_file = (dir_ / "a/tls.key").string();
    options.max_body_bytes = 1024 * 1024;
    options.worker_threads = 8;
    options.cert_check_interval = milliseconds(50);
    auto server = WebhookServer::Create(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    auto port = server_->Bind();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    serving_ = std::thread([this] { serve_status_ = server_->Serve(); });
    ASSERT_TRUE(testing::WaitFor([this] { return server_->IsRunning(); }, milliseconds(5000)));
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (serving_.joinable()) serving_.join();
    EXPECT_TRUE(serve_status_.ok()) << serve_status_.ToString();
    fs::remove_all(dir_);
  }

  std::unique_ptr<httplib::SSLClient> Client(const fs::path& ca) {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    client->set_ca_cert_path(ca.string().c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(5);
    client->set_read_timeout(5);
    client->set_tcp_nodelay(true);
    return client;
  }

  std::string MinimalReview() {
    return json::parse(
               ReadFile(kSourceDir / "tests/unit/webhook/testdata/minimal.in.json"))["review"]
        .dump();
  }

  httplib::Result Post(httplib::SSLClient& client, const std::string& body) {
    return client.Post("/mutate", body, "application/json");
  }

  fs::path dir_;
  std::unique_ptr<WebhookServer> server_;
  int port_ = 0;
  std::thread serving_;
  Status serve_status_;
};

TEST_F(WebhookServerTest, MutateAnswersTheReviewWithAPatch) {
  auto client = Client(dir_ / "a/ca.crt");
  auto res = Post(*client, MinimalReview());
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  json review = json::parse(res->body);
  EXPECT_EQ(review["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(review["response"]["uid"], "7f0c1a2e-0001");
  EXPECT_EQ(review["response"]["allowed"], true);
  EXPECT_EQ(review["response"]["patchType"], "JSONPatch");
  auto patch = Base64Decode(review["response"]["patch"].get<std::string>());
  ASSERT_TRUE(patch.has_value());
  EXPECT_FALSE(json::parse(*patch).empty());
}

TEST_F(WebhookServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto client = Client(dir_ / "a/ca.crt");
  client->set_keep_alive(true);
  for (int i = 0; i < 50; ++i) {
    auto res = Post(*client, MinimalReview());
    ASSERT_TRUE(res) << i << ": " << httplib::to_string(res.error());
    ASSERT_EQ(res->status, 200);
  }
}

TEST_F(WebhookServerTest, HealthzAndMetrics) {
  auto client = Client(dir_ / "a/ca.crt");
  auto health = client->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");

  ASSERT_TRUE(Post(*client, MinimalReview()));
  ASSERT_TRUE(Post(*client, "{not json"));
  auto metrics = client->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  const std::string& text = metrics->body;
  EXPECT_NE(text.find("redis_cluster_webhook_admission_requests_total{outcome=\"patched\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("redis_cluster_webhook_admission_requests_total{outcome=\"bad_request\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("redis_cluster_webhook_admission_duration_seconds_count 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE redis_cluster_webhook_admission_duration_seconds histogram"),
            std::string::npos);
  EXPECT_EQ(text.find("redis_cluster_webhook_patch_operations_total 0\n"), std::string::npos)
      << text;
  // The serving certificate's notAfter, for the expiry alert: in the future.
  const std::string expiry = "redis_cluster_webhook_certificate_expiry_timestamp_seconds ";
  const size_t at = text.find("\n" + expiry);
  ASSERT_NE(at, std::string::npos) << text;
  const double not_after = std::stod(text.substr(at + 1 + expiry.size()));
  EXPECT_GT(not_after, static_cast<double>(std::time(nullptr))) << text;
}

TEST_F(WebhookServerTest, BadInputsGetAMessageAndTheServerKeepsServing) {
  auto client = Client(dir_ / "a/ca.crt");
  json wrong_version = json::parse(MinimalReview());
  wrong_version["apiVersion"] = "admission.k8s.io/v1beta1";
  json no_request = json::parse(MinimalReview());
  no_request.erase("request");
  struct Case {
    std::string body;
    int status;
    std::string message_part;
  } cases[] = {
      {"{not json", 400, "not valid JSON"},
      {"", 400, "not valid JSON"},
      {wrong_version.dump(), 400, "apiVersion"},
      {no_request.dump(), 400, "request is missing"},
      {std::string(2 * 1024 * 1024, ' '), 413, "larger than 1048576 bytes"},
  };
  for (const Case& c : cases) {
    auto res = Post(*client, c.body);
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, c.status) << c.message_part;
    EXPECT_NE(res->body.find(c.message_part), std::string::npos) << res->body;
    auto fine = Post(*Client(dir_ / "a/ca.crt"), MinimalReview());
    ASSERT_TRUE(fine) << "server stopped serving after a bad input: " << c.message_part;
    EXPECT_EQ(fine->status, 200);
  }
  auto unknown = client->Get("/nope");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body.find("/mutate"), std::string::npos);
  auto wrong_method = client->Get("/mutate");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_NE(wrong_method->body.find("POST /mutate"), std::string::npos) << wrong_method->body;
}

// A raw TLS connection (no certificate check) to the server under test.
class RawTlsConnection {
 public:
  explicit RawTlsConnection(int port) : ctx_(SSL_CTX_new(TLS_client_method())) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    connected_ = SSL_connect(ssl_) == 1;
  }
  ~RawTlsConnection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    close(fd_);
    SSL_CTX_free(ctx_);
  }
  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
           static_cast<int>(bytes.size());
  }
  // Reads until done(what was read) holds or the server closes the connection.
  std::string ReadUntil(const std::function<bool(const std::string&)>& done) {
    std::string out;
    char buffer[4096];
    int n;
    while (!done(out) && (n = SSL_read(ssl_, buffer, sizeof(buffer))) > 0) out.append(buffer, n);
    return out;
  }
  void Close() {
    SSL_shutdown(ssl_);
    ::shutdown(fd_, SHUT_RDWR);
  }
  // Everything until the server closes the connection.
  std::string ReadAll() {
    std::string out;
    char buffer[4096];
    int n;
    while ((n = SSL_read(ssl_, buffer, sizeof(buffer))) > 0) out.append(buffer, n);
    return out;
  }

 private:
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
};

// Stop() closes the listener at once, but a request already arriving is
// answered before Serve() returns.
TEST_F(WebhookServerTest, StopFinishesTheRequestInFlight) {
  const std::string body = MinimalReview();
  RawTlsConnection in_flight(port_);
  ASSERT_TRUE(in_flight.connected());
  ASSERT_TRUE(
      in_flight.Send("POST /mutate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10)));
  server_->Stop();
  EXPECT_TRUE(
      testing::WaitFor([&] { return !RawTlsConnection(port_).connected(); }, milliseconds(5000)))
      << "still accepting connections after Stop()";
  ASSERT_TRUE(in_flight.Send(body.substr(10)));
  const std::string answer = in_flight.ReadAll();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"uid\":\"7f0c1a2e-0001\""), std::string::npos) << answer;
  serving_.join();
  EXPECT_TRUE(serve_status_.ok()) << serve_status_.ToString();
}

// A kept-alive connection open at Stop() gets its next request answered with
// "Connection: close"; when the client then closes, Serve() returns without
// waiting for the idle timeout.
TEST_F(WebhookServerTest, StopAnswersAKeptAliveConnectionWithConnectionClose) {
  const std::string body = MinimalReview();
  const std::string request =
      "POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  // Whole answers in `read`: each header block followed by its Content-Length bytes.
  auto answers_in = [](const std::string& read) {
    size_t count = 0, at = 0;
    for (;;) {
      const size_t head_end = read.find("\r\n\r\n", at);
      if (head_end == std::string::npos) return count;
      const size_t length_at = read.find("Content-Length: ", at);
      if (length_at == std::string::npos || length_at > head_end) return count;
      const size_t length = std::stoul(read.substr(length_at + 16));
      if (read.size() < head_end + 4 + length) return count;
      ++count;
      at = head_end + 4 + length;
    }
  };
  RawTlsConnection kept(port_);
  ASSERT_TRUE(kept.connected());
  ASSERT_TRUE(kept.Send(request));
  const std::string first =
      kept.ReadUntil([&](const std::string& r) { return answers_in(r) == 1; });
  ASSERT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
  EXPECT_EQ(first.find("Connection: close"), std::string::npos) << first;

  server_->Stop();
  EXPECT_TRUE(
      testing::WaitFor([&] { return !RawTlsConnection(port_).connected(); }, milliseconds(5000)))
      << "still accepting connections after Stop()";
  ASSERT_TRUE(kept.Send(request));
  const std::string second =
      kept.ReadUntil([&](const std::string& r) { return answers_in(r) == 1; });
  ASSERT_EQ(second.rfind("HTTP/1.1 200", 0), 0u) << "the request sent after Stop():\n" << second;
  EXPECT_NE(second.find("Connection: close"), std::string::npos) << second;
  kept.Close();
  // keep_alive_timeout is 5 s: returning well before shows the close was seen.
  EXPECT_TRUE(testing::WaitFor([&] { return !server_->IsRunning(); }, milliseconds(3000)))
      << "Serve() still running after the last connection closed";
  serving_.join();
  EXPECT_TRUE(serve_status_.ok()) << serve_status_.ToString();
}

// A TLS 1.1 client must not complete a handshake.
TEST_F(WebhookServerTest, RefusesTlsBelow12) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(ctx, nullptr);
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
  SSL_CTX_set_security_level(ctx, 0);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  EXPECT_NE(SSL_connect(ssl), 1) << "a TLS 1.1 handshake succeeded";
  SSL_free(ssl);
  close(fd);
  SSL_CTX_free(ctx);
  // And TLS 1.2+ still works.
  auto res = Client(dir_ / "a/ca.crt")->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(WebhookServerTest, PlainHttpIsNotServed) {
  httplib::Client plain("127.0.0.1", port_);
  plain.set_read_timeout(2);
  auto res = plain.Get("/healthz");
  EXPECT_FALSE(res && res->status == 200);
}

TEST_F(WebhookServerTest, PicksUpARotatedCertificateWithoutRestart) {
  ASSERT_TRUE(Client(dir_ / "a/ca.crt")->Get("/healthz"));
  EXPECT_FALSE(Client(dir_ / "b-ca.crt")->Get("/healthz"));  // no such CA file yet
  MakeCerts(dir_ / "b");
  // Rotate the way a Secret update looks to the pod: new files in place.
  fs::copy_file(dir_ / "b/tls.key", dir_ / "a/tls.key.tmp");
  fs::copy_file(dir_ / "b/tls.crt", dir_ / "a/tls.crt.tmp");
  fs::rename(dir_ / "a/tls.key.tmp", dir_ / "a/tls.key");
  fs::rename(dir_ / "a/tls.crt.tmp", dir_ / "a/tls.crt");
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        auto res = Client(dir_ / "b/ca.crt")->Get("/healthz");
        return res && res->status == 200;
      },
      milliseconds(5000)))
      << "the new certificate was not served";
  EXPECT_FALSE(Client(dir_ / "a/ca.crt")->Get("/healthz")) << "the old certificate is still served";
  auto metrics = Client(dir_ / "b/ca.crt")->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("certificate_reloads_total{result=\"ok\"} 1"), std::string::npos);
}

// How the kubelet updates a mounted Secret: files are symlinks through
// `..data`, which is swapped atomically to a new timestamped directory.
TEST(WebhookServerSecretVolume, PicksUpASecretUpdateDoneBySymlinkSwap) {
  char pattern[] = "/tmp/rc-webhook-secret-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  MakeCerts(dir / "a");
  MakeCerts(dir / "b");
  const fs::path volume = dir / "volume";
  fs::create_directories(volume / "..2026_01");
  fs::copy_file(dir / "a/tls.crt", volume / "..2026_01/tls.crt");
  fs::copy_file(dir / "a/tls.key", volume / "..2026_01/tls.key");
  fs::create_directory_symlink("..2026_01", volume / "..data");
  fs::create_symlink("..data/tls.crt", volume / "tls.crt");
  fs::create_symlink("..data/tls.key", volume / "tls.key");

  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.tls_cert_file = (volume / "tls.crt").string();
  options.tls_key_file = (volume / "tls.key").string();
  options.cert_check_interval = milliseconds(50);
  auto server = WebhookServer::Create(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto port = (*server)->Bind();
  ASSERT_TRUE(port.ok());
  std::thread serving([&] { EXPECT_TRUE((*server)->Serve().ok()); });
  auto healthy_with = [&](const fs::path& ca) {
    httplib::SSLClient client("127.0.0.1", *port);
    client.set_ca_cert_path(ca.string().c_str());
    client.enable_server_certificate_verification(true);
    auto res = client.Get("/healthz");
    return res && res->status == 200;
  };
  EXPECT_TRUE(testing::WaitFor([&] { return healthy_with(dir / "a/ca.crt"); }, milliseconds(5000)));

  fs::create_directories(volume / "..2026_02");
  fs::copy_file(dir / "b/tls.crt", volume / "..2026_02/tls.crt");
  fs::copy_file(dir / "b/tls.key", volume / "..2026_02/tls.key");
  fs::create_directory_symlink("..2026_02", volume / "..data_tmp");
  fs::rename(volume / "..data_tmp", volume / "..data");  // the atomic swap
  EXPECT_TRUE(testing::WaitFor([&] { return healthy_with(dir / "b/ca.crt"); }, milliseconds(5000)));

  (*server)->Stop();
  serving.join();
  fs::remove_all(dir);
}

TEST_F(WebhookServerTest, KeepsTheOldCertificateWhenTheNewKeyDoesNotMatch) {
  MakeCerts(dir_ / "b");
  fs::copy_file(dir_ / "b/tls.key", dir_ / "a/tls.key", fs::copy_options::overwrite_existing);
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        auto res = Client(dir_ / "a/ca.crt")->Get("/metrics");
        return res &&
               res->body.find("certificate_reloads_total{result=\"error\"} 1") != std::string::npos;
      },
      milliseconds(5000)));
  auto res = Client(dir_ / "a/ca.crt")->Get("/healthz");
  ASSERT_TRUE(res) << "the server stopped serving its old certificate";
  EXPECT_EQ(res->status, 200);
}

TEST(WebhookServerCreate, NamesTheUnusableCertificateFile) {
  ServerOptions options;
  options.tls_cert_file = "/nonexistent/tls.crt";
  options.tls_key_file = "/nonexistent/tls.key";
  auto server = WebhookServer::Create(options);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("/nonexistent/tls.crt"), std::string::npos);
}

}  // namespace
}  // namespace rc::webhook
