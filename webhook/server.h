// The webhook's HTTPS endpoints, served by HttpsServer (event loops), around
// HandleAdmissionBody.
//   POST /mutate   AdmissionReview in, AdmissionReview out (400/413/500 with a
//                  text message on bad input; the server keeps serving)
//   GET  /healthz  "ok"
//   GET  /metrics  Prometheus text
// Anything else: 404 (405 for a known path with the wrong method), naming the
// endpoints there are.
// TLS 1.2+ only; the certificate and key are re-read when the files change
// (CertReloader, checked every cert_check_interval). One klog access-log line
// per admission (probes and scrapes at -v=2).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "webhook/cert_reloader.h"
#include "webhook/https_server.h"
#include "webhook/injection_options.h"
#include "webhook/metrics.h"

namespace rc::webhook {

struct ServerOptions {
  std::string bind_address = "0.0.0.0";     // listen address
  int port = 8443;                          // 0 picks a free port (tests)
  std::string tls_cert_file;                // PEM certificate (chain)
  std::string tls_key_file;                 // PEM private key
  InjectionOptions injection;               // what gets injected
  size_t max_body_bytes = 3 * 1024 * 1024;  // larger AdmissionReviews get 413
  int event_threads = 0;                    // event-loop threads; 0: one per CPU core
  size_t keep_alive_max_requests = 100000;  // requests per connection before it is closed
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(10)};  // kept-alive, no request
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
  // Serves until Stop(); in-flight requests finish first. Call after Bind().
  Status Serve();
  // Thread-safe and idempotent; Serve() returns soon after.
  void Stop();
  bool IsRunning() const;

  const Metrics& metrics() const { return metrics_; }

 private:
  explicit WebhookServer(ServerOptions options);
  void Route(const HttpRequest& request, const std::string& peer, HttpResponse* response);
  void Mutate(const HttpRequest& request, const std::string& peer, HttpResponse* response);
  void WatchCertificates();

  ServerOptions options_;
  std::unique_ptr<CertReloader> certs_;
  std::unique_ptr<HttpsServer> http_;
  Metrics metrics_;
  std::thread cert_watcher_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace rc::webhook
