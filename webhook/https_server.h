// An event-driven HTTPS/1.1 server: a few event-loop threads (one per core by
// default) each own a share of the connections, handed out round-robin by the
// thread that accepts. Requests are answered inline on the loop thread, which
// suits a handler that computes (tens of microseconds) and never blocks. A
// hundred kept-alive connections cost a hundred small buffers, not a hundred
// threads.
//
// TLS 1.2+ only. Stop() closes the listening socket and idle connections at
// once, lets the requests in progress be answered (with `Connection: close`)
// for up to `drain_timeout`, then closes the rest.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "webhook/tls_connection.h"

namespace rc::webhook {

struct HttpsServerOptions {
  std::string bind_address = "0.0.0.0";
  int port = 8443;                // 0 picks a free port (tests)
  int event_threads = 0;          // 0: one per CPU core (at most 16)
  ConnectionLimits connection;    // parse limits and timeouts per connection
  size_t max_connections = 4096;  // more are accepted and closed at once, with a warning
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(10)};
};

class HttpsServer {
 public:
  // `configure_tls` installs the certificate on the new context (the caller's
  // reloader); the context already refuses anything below TLS 1.2.
  static Result<std::unique_ptr<HttpsServer>> Create(
      HttpsServerOptions options, const std::function<void(SSL_CTX*)>& configure_tls,
      HttpCallbacks callbacks);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Binds and listens; returns the port (the chosen one for port 0).
  Result<int> Bind();
  // Runs the event loops until Stop(); returns after the drain. Call once, after Bind().
  Status Serve();
  // Thread-safe and idempotent.
  void Stop();
  bool IsRunning() const { return running_.load(); }
  // Times accepting paused because the process was out of file descriptors.
  uint64_t AcceptPauses() const { return accept_pauses_.load(); }

 private:
  class EventLoop;
  HttpsServer(HttpsServerOptions options, HttpCallbacks callbacks);

  const HttpsServerOptions options_;
  const HttpCallbacks callbacks_;
  SSL_CTX* tls_ = nullptr;
  int listen_fd_ = -1;
  std::mutex loops_mutex_;  // loops_ is built by Serve() while Stop() may wake them
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::atomic<size_t> open_connections_{0};
  std::atomic<uint64_t> accept_pauses_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> running_{false};
};

}  // namespace rc::webhook
