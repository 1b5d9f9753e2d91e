// HttpsServer, the transport alone (a trivial handler), over real TLS on a
// free loopback port, driven by a raw TLS client so the tests control every
// byte: pipelining, 100-continue, bad framing, timeouts, a client vanishing
// mid-request, the connection limit, many connections at once, and a stop
// that lets the request in progress finish. Certificates are made at test
// time by certs/make-certs.sh; nothing is committed.
#include "webhook/https_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "tests/support/wait_for.h"

namespace rc::webhook {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const fs::path kSourceDir = RC_SOURCE_DIR;

// A blocking TLS client on one connection (the certificate is not checked:
// server_test.cc covers verification; this is about framing).
class RawTlsClient {
 public:
  struct Socket {
    int fd;  // connected, or -1 when connecting failed
  };
  explicit RawTlsClient(int port) : RawTlsClient(Socket{ConnectTo(port)}) {}
  // Takes over a socket already connected.
  explicit RawTlsClient(Socket connected) : fd_(connected.fd) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    timeval timeout{5, 0};  // no read waits longer than this
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    connected_ = fd_ >= 0;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    connected_ = connected_ && SSL_connect(ssl_) == 1;
  }
  ~RawTlsClient() {
    SSL_free(ssl_);
    close(fd_);
    SSL_CTX_free(ctx_);
  }
  bool connected() const { return connected_; }

  static int ConnectTo(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

  bool Write(const std::string& bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
           static_cast<int>(bytes.size());
  }

  // Reads until `text` has arrived `times` times, the server closes, or 5 s pass.
  std::string ReadUntil(const std::string& text, int times = 1) {
    while (Count(received_, text) < times) {
      if (!ReadSome()) break;
    }
    return received_;
  }
  // True when the server closes the connection (TLS close or EOF) within 5 s.
  bool ServerCloses() {
    while (ReadSome()) {
    }
    return closed_;
  }
  const std::string& received() const { return received_; }

 private:
  static int Count(const std::string& haystack, const std::string& needle) {
    int n = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size())) {
      ++n;
    }
    return n;
  }
  bool ReadSome() {
    char buffer[16384];
    const int n = SSL_read(ssl_, buffer, sizeof(buffer));
    if (n > 0) {
      received_.append(buffer, static_cast<size_t>(n));
      return true;
    }
    const int error = SSL_get_error(ssl_, n);
    const bool timed_out = error == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK);
    closed_ = !timed_out;  // close_notify, EOF or a reset
    return false;
  }

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);  // the client writes to connections the server has closed
    char pattern[] = "/tmp/rc-https-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    const std::string command = "EXTRA_SANS='IP:127.0.0.1' '" +
                                (kSourceDir / "certs/make-certs.sh").string() + "' '" +
                                dir_.string() + "' > /dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    options_.bind_address = "127.0.0.1";
    options_.port = 0;
    options_.event_threads = 2;
    options_.connection.parse.max_body_bytes = 4096;
  }

  void TearDown() override {
    StopServer();
    fs::remove_all(dir_);
  }

  // Echoes "METHOD PATH body" back, unless the handler is held (Hold()).
  void StartServer() {
    const std::string cert = (dir_ / "tls.crt").string();
    const std::string key = (dir_ / "tls.key").string();
    auto server = HttpsServer::Create(
        options_,
        [cert, key](SSL_CTX* ctx) {
          SSL_CTX_use_certificate_chain_file(ctx, cert.c_str());
          SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM);
        },
        HttpCallbacks{
            [this](const HttpRequest& request, const std::string&, HttpResponse* response) {
              {
                std::unique_lock<std::mutex> lock(hold_mutex_);
                ++in_handler_;
                hold_cv_.notify_all();
                hold_cv_.wait(lock, [this] { return !held_; });
              }
              response->body = std::string(request.method) + " " + std::string(request.path) + " " +
                               std::string(request.body);
            },
            [this](int status, const std::string&) {
              std::lock_guard<std::mutex> lock(hold_mutex_);
              refused_.push_back(status);
            }});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    auto port = server_->Bind();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    serving_ = std::thread([this] { serve_status_ = server_->Serve(); });
    ASSERT_TRUE(testing::WaitFor([this] { return server_->IsRunning(); }, milliseconds(5000)));
  }

  void StopServer() {
    Release();
    if (server_) server_->Stop();
    if (serving_.joinable()) serving_.join();
    EXPECT_TRUE(serve_status_.ok()) << serve_status_.ToString();
    server_.reset();
  }

  void Hold() {
    std::lock_guard<std::mutex> lock(hold_mutex_);
    held_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(hold_mutex_);
    held_ = false;
    hold_cv_.notify_all();
  }
  bool WaitInHandler(int count) {
    std::unique_lock<std::mutex> lock(hold_mutex_);
    return hold_cv_.wait_for(lock, milliseconds(5000), [&] { return in_handler_ >= count; });
  }

  bool ServesHealthz() {
    RawTlsClient client(port_);
    return client.connected() && client.Write("GET /healthz HTTP/1.1\r\n\r\n") &&
           client.ReadUntil("GET /healthz ").find("200 OK") != std::string::npos;
  }

  fs::path dir_;
  HttpsServerOptions options_;
  std::unique_ptr<HttpsServer> server_;
  int port_ = 0;
  std::thread serving_;
  Status serve_status_;
  std::vector<int> refused_;  // guarded by hold_mutex_ while serving
  std::mutex hold_mutex_;
  std::condition_variable hold_cv_;
  bool held_ = false;
  int in_handler_ = 0;
};

TEST_F(HttpsServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  RawTlsClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(
      client.Write("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\none"
                   "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\ntwo"
                   "GET /c HTTP/1.1\r\n\r\n"));
  const std::string got = client.ReadUntil("HTTP/1.1 200 OK", 3);
  const size_t a = got.find("POST /a one"), b = got.find("POST /b two"), c = got.find("GET /c ");
  ASSERT_NE(a, std::string::npos) << got;
  ASSERT_NE(b, std::string::npos) << got;
  ASSERT_NE(c, std::string::npos) << got;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(got.find("Connection: close"), std::string::npos) << "kept alive: " << got;
}

// More answers than the server buffers before it stops reading (256 KB).
TEST_F(HttpsServerTest, AFloodOfPipelinedRequestsIsAnsweredWhole) {
  StartServer();
  RawTlsClient client(port_);
  ASSERT_TRUE(client.connected());
  const int kRequests = 3000;
  std::string flood;
  for (int i = 0; i < kRequests; ++i) {
    const std::string body = std::to_string(i) + std::string(100, '.');
    flood +=
        "POST /p HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  ASSERT_TRUE(client.Write(flood));
  const std::string got = client.ReadUntil("HTTP/1.1 200 OK", kRequests);
  EXPECT_NE(got.find("POST /p 0."), std::string::npos);
  EXPECT_NE(got.find("POST /p " + std::to_string(kRequests - 1) + "."), std::string::npos)
      << "the last answer is missing; got " << got.size() << " bytes";
}

TEST_F(HttpsServerTest, ExpectContinueGetsA100BeforeTheBodyIsSent) {
  StartServer();
  RawTlsClient client(port_);
  ASSERT_TRUE(
      client.Write("POST /m HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_NE(client.ReadUntil("\r\n\r\n").find("HTTP/1.1 100 Continue\r\n\r\n"), std::string::npos)
      << client.received();
  ASSERT_TRUE(client.Write("body"));
  EXPECT_NE(client.ReadUntil("POST /m body").find("POST /m body"), std::string::npos)
      << client.received();
}

TEST_F(HttpsServerTest, BadFramingIsAnsweredThenClosedAndTheServerKeepsServing) {
  StartServer();
  struct Case {
    std::string request, answer;
  } cases[] = {
      {"NONSENSE\r\n\r\n", "400 Bad Request"},
      {"POST /m HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "501 Not Implemented"},
      {"GET / HTTP/1.1\r\nX: " + std::string(20000, 'x') + "\r\n\r\n", "431 "},
      {"POST /m HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'b'),
       "413 Content Too Large"},
  };
  for (const Case& c : cases) {
    RawTlsClient client(port_);
    ASSERT_TRUE(client.connected());
    client.Write(c.request);
    EXPECT_TRUE(client.ServerCloses()) << c.answer;
    EXPECT_NE(client.received().find(c.answer), std::string::npos) << client.received();
    EXPECT_NE(client.received().find("Connection: close"), std::string::npos);
    EXPECT_TRUE(ServesHealthz()) << "stopped serving after " << c.answer;
  }
  StopServer();
  EXPECT_EQ(refused_, (std::vector<int>{400, 501, 431, 413}));
}

TEST_F(HttpsServerTest, ConnectionCloseIsHonoured) {
  StartServer();
  RawTlsClient client(port_);
  client.Write("GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(client.ServerCloses());
  EXPECT_NE(client.received().find("GET /x"), std::string::npos) << client.received();
  EXPECT_NE(client.received().find("Connection: close"), std::string::npos);
}

TEST_F(HttpsServerTest, IdleAndSlowConnectionsAreClosed) {
  options_.connection.idle_timeout_ms = 300;
  options_.connection.request_timeout_ms = 600;
  StartServer();
  RawTlsClient idle(port_);
  ASSERT_TRUE(idle.Write("GET /x HTTP/1.1\r\n\r\n"));
  idle.ReadUntil("GET /x");
  EXPECT_TRUE(idle.ServerCloses()) << "an idle kept-alive connection stayed open";

  // A request trickling in, one byte at a time, gets no answer and is closed.
  RawTlsClient slow(port_);
  const std::string request = "GET /slow HTTP/1.1\r\n\r\n";
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  for (size_t i = 0; i < request.size() && std::chrono::steady_clock::now() < deadline; ++i) {
    if (!slow.Write(request.substr(i, 1))) {
      closed = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(100));  // the slow sender under test
  }
  EXPECT_TRUE(closed || slow.ServerCloses());
  EXPECT_EQ(slow.received().find("GET /slow"), std::string::npos);
}

TEST_F(HttpsServerTest, AClientVanishingMidRequestLeavesTheServerServing) {
  StartServer();
  {
    RawTlsClient client(port_);
    client.Write("POST /m HTTP/1.1\r\nContent-Length: 1000\r\n\r\npartial");
  }  // closed without the rest
  {
    RawTlsClient client(port_);  // handshake only, then gone
  }
  EXPECT_TRUE(ServesHealthz());
}

TEST_F(HttpsServerTest, ConnectionsBeyondTheLimitAreClosed) {
  options_.max_connections = 2;
  StartServer();
  RawTlsClient one(port_), two(port_);
  ASSERT_TRUE(one.connected() && two.connected());
  RawTlsClient three(port_);
  EXPECT_FALSE(three.connected() && three.Write("GET /3 HTTP/1.1\r\n\r\n") &&
               three.ReadUntil("GET /3").find("GET /3") != std::string::npos)
      << "a third connection was served with a limit of 2";
  ASSERT_TRUE(one.Write("GET /1 HTTP/1.1\r\n\r\n"));
  EXPECT_NE(one.ReadUntil("GET /1").find("GET /1"), std::string::npos);
}

// Out of file descriptors, the server cannot accept; once some are free again
// it takes the connections waiting in the backlog and serves them.
TEST_F(HttpsServerTest, RunningOutOfDescriptorsOnlyDelaysConnections) {
  StartServer();
  std::vector<int> sockets;
  for (int i = 0; i < 3; ++i) sockets.push_back(socket(AF_INET, SOCK_STREAM, 0));
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(sockets.back() + 1);  // no descriptor above these
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int fd : sockets) {  // completes through the backlog; accept4 fails with EMFILE
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  }
  EXPECT_TRUE(testing::WaitFor([&] { return server_->AcceptPauses() > 0; }, milliseconds(5000)));
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  for (int fd : sockets) {
    RawTlsClient client(RawTlsClient::Socket{fd});
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Write("GET /late HTTP/1.1\r\n\r\n"));
    EXPECT_NE(client.ReadUntil("GET /late").find("GET /late"), std::string::npos);
  }
  EXPECT_TRUE(ServesHealthz());
}

TEST_F(HttpsServerTest, ManyConnectionsAtOnceAreAllServed) {
  StartServer();
  std::vector<std::unique_ptr<RawTlsClient>> clients;
  for (int i = 0; i < 300; ++i) {
    clients.push_back(std::make_unique<RawTlsClient>(port_));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < clients.size(); ++i) {
      ASSERT_TRUE(clients[i]->Write(
          "POST /n HTTP/1.1\r\nContent-Length: " + std::to_string(std::to_string(i).size()) +
          "\r\n\r\n" + std::to_string(i)));
    }
    for (size_t i = 0; i < clients.size(); ++i) {
      const std::string want = "POST /n " + std::to_string(i);
      EXPECT_NE(clients[i]->ReadUntil(want, round + 1).find(want), std::string::npos) << i;
    }
  }
}

TEST_F(HttpsServerTest, StopLetsTheRequestInProgressFinish) {
  StartServer();
  RawTlsClient idle(port_);
  ASSERT_TRUE(idle.connected());
  RawTlsClient busy(port_);
  Hold();
  ASSERT_TRUE(busy.Write("POST /slow HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"));
  ASSERT_TRUE(WaitInHandler(1));
  server_->Stop();
  EXPECT_TRUE(idle.ServerCloses()) << "an idle connection was kept open while stopping";
  Release();
  EXPECT_NE(busy.ReadUntil("POST /slow hi").find("POST /slow hi"), std::string::npos)
      << busy.received();
  EXPECT_NE(busy.received().find("Connection: close"), std::string::npos) << busy.received();
  EXPECT_TRUE(busy.ServerCloses());
  serving_.join();
  EXPECT_TRUE(serve_status_.ok()) << serve_status_.ToString();
  EXPECT_FALSE(server_->IsRunning());
}

}  // namespace
}  // namespace rc::webhook
