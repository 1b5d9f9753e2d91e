// The webhook's HTTPS endpoints, served by cpp-httplib's SSLServer around
// HandleAdmissionBody.
//   POST /mutate   AdmissionReview in, AdmissionReview out (400/413/500 with a
//                  text message on bad input; the server keeps serving)
//   GET  /healthz  "ok"
//   GET  /metrics  Prometheus text
// Anything else: 404 (405 for a known path with the wrong method), naming the
// endpoints there are.
// TLS 1.2+ only; the certificate and key are re-read when the files change
// (CertReloader, checked every cert_check_interval) and served to new
// connections. One klog access-log line per admission (probes and scrapes at
// -v=2). Stop() drains: the listener stops taking connections at once; every
// connection already accepted is served, and its answers carry
// "Connection: close" so a kept-alive client moves on.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "webhook/cert_reloader.h"
#include "webhook/injection_options.h"
#include "webhook/metrics.h"

namespace httplib {
class SSLServer;
}  // namespace httplib

namespace rc::webhook {

struct ServerOptions {
  std::string bind_address = "0.0.0.0";     // listen address
  int port = 8443;                          // 0 picks a free port (tests)
  std::string tls_cert_file;                // PEM certificate (chain)
  std::string tls_key_file;                 // PEM private key
  InjectionOptions injection;               // what gets injected
  size_t max_body_bytes = 3 * 1024 * 1024;  // larger AdmissionReviews get 413
  // Worker pool: httplib gives each kept-alive connection a thread while it is
  // open; connections beyond this many wait for one to close.
  int worker_threads = 64;
  size_t keep_alive_max_requests = 100000;  // per connection (httplib's 5 costs a handshake each)
  std::chrono::seconds keep_alive_timeout{5};  // an idle kept-alive connection is closed after
  std::chrono::seconds read_timeout{10};       // a request that stalls this long is dropped
  std::chrono::seconds write_timeout{10};      // an answer nobody reads this long is dropped
  std::chrono::milliseconds cert_check_interval{std::chrono::seconds(5)};
};

class WebhookServer {
 public:
  // Loads the certificate (kInvalidArgument naming the file when unusable).
  static Result<std::unique_ptr<WebhookServer>> Create(ServerOptions options);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Binds the listening socket; returns the port (the chosen one for port 0).
  Result<int> Bind();
  // Serves until Stop(); in-flight requests finish first. Call once, after Bind().
  Status Serve();
  // Thread-safe and idempotent; Serve() returns soon after.
  void Stop();
  bool IsRunning() const;

  const Metrics& metrics() const { return metrics_; }

 private:
  explicit WebhookServer(ServerOptions options);
  void InstallRoutes();
  // Runs beside Serve(): reloads certificates until Stop(), then shuts the
  // listening socket down (once the accept loop runs).
  void Supervise();

  ServerOptions options_;
  std::unique_ptr<CertReloader> certs_;
  std::unique_ptr<httplib::SSLServer> http_;
  Metrics metrics_;
  std::thread supervisor_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;     // guarded by stop_mutex_
  bool listen_done_ = false;  // guarded by stop_mutex_
  std::atomic<int> listen_fd_{-1};
  std::atomic<bool> draining_{false};
};

}  // namespace rc::webhook
