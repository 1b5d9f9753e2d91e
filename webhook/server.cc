#include "webhook/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include "common/log.h"
#include "webhook/admission_handler.h"

namespace rc::webhook {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr const char* kEndpoints = "serving POST /mutate, GET /healthz, GET /metrics";

bool KnownPath(const std::string& path) {
  return path == "/mutate" || path == "/healthz" || path == "/metrics";
}

std::string WhatOf(std::exception_ptr ep) {
  try {
    if (ep) std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
  }
  return "unknown exception";
}

}  // namespace

WebhookServer::WebhookServer(ServerOptions options) : options_(std::move(options)) {}

WebhookServer::~WebhookServer() {
  Stop();
  if (supervisor_.joinable()) supervisor_.join();
}

Result<std::unique_ptr<WebhookServer>> WebhookServer::Create(ServerOptions options) {
  std::unique_ptr<WebhookServer> server(new WebhookServer(std::move(options)));
  auto certs = CertReloader::Create(server->options_.tls_cert_file, server->options_.tls_key_file);
  if (!certs.ok()) return certs.status();
  server->certs_ = std::move(*certs);
  CertReloader* reloader = server->certs_.get();
  server->http_ = std::make_unique<httplib::SSLServer>([reloader](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    reloader->Install(&ctx);  // the current pair, per handshake
    return true;
  });
  if (!server->http_->is_valid()) return Internal("could not set up the TLS server context");
  server->metrics_.SetCertificateNotAfter(server->certs_->not_after_unix());
  server->InstallRoutes();
  return server;
}

void WebhookServer::InstallRoutes() {
  httplib::SSLServer& http = *http_;
  const auto threads = static_cast<size_t>(options_.worker_threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_tcp_nodelay(true);  // else Nagle + delayed ACK: ~40 ms per answer
  // Called for the listening socket only: kept so that Stop() can shut it down.
  http.set_socket_options([this](int sock) {
    httplib::default_socket_options(sock);
    listen_fd_ = sock;
  });
  http.set_keep_alive_max_count(options_.keep_alive_max_requests);
  http.set_keep_alive_timeout(options_.keep_alive_timeout.count());
  http.set_read_timeout(options_.read_timeout);
  http.set_write_timeout(options_.write_timeout);
  http.set_payload_max_length(options_.max_body_bytes);

  http.Post("/mutate", [this](const httplib::Request& req, httplib::Response& res) {
    const Clock::time_point start = Clock::now();
    HandlerReply reply = HandleAdmissionBody(req.body, options_.injection);
    res.status = reply.http_status;
    res.body = std::move(reply.body);  // set_content() would copy it
    res.set_header("Content-Type", reply.content_type);
    if (draining_) res.set_header("Connection", "close");
    const double seconds = SecondsSince(start);
    metrics_.ObserveAdmission(reply.outcome, seconds, reply.patch_operations);
    RC_LOG_INFO << "POST /mutate " << reply.http_status << " " << reply.outcome << " "
                << reply.summary << " patch_ops=" << reply.patch_operations
                << " bytes_in=" << req.body.size()
                << " latency_us=" << static_cast<long>(seconds * 1e6)
                << " remote=" << req.remote_addr;
  });
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.Render(), "text/plain; version=0.0.4");
  });
  // Answers httplib's own refusals with a message; leaves a handler's alone.
  http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                     httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 413) {
      metrics_.ObserveAdmission("too_large", 0, 0);
      res.set_content("request body larger than " + std::to_string(options_.max_body_bytes) +
                          " bytes (--max-body-bytes); an AdmissionReview is far smaller\n",
                      "text/plain");
    } else if (res.status == 404 && KnownPath(req.path)) {
      res.status = 405;
      res.set_content(
          "method " + req.method + " not allowed on " + req.path + "; " + kEndpoints + "\n",
          "text/plain");
    } else if (res.status == 404) {
      res.set_content("no such endpoint " + req.method + " " + req.path + "; " + kEndpoints + "\n",
                      "text/plain");
    } else {
      res.set_content("HTTP " + std::to_string(res.status) + " for " + req.method + " " + req.path +
                          "; " + kEndpoints + "\n",
                      "text/plain");
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  // The backstop: HandleAdmissionBody catches what the core throws, so this
  // is for the rest (an allocation failure, say).
  http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        const std::string what = WhatOf(ep);
        RC_LOG_ERROR << req.method << " " << req.path << " failed: " << what;
        res.status = 500;
        res.set_content("internal error: " + what + "\n", "text/plain");
      });
  http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    if (req.path == "/mutate" && res.status != 413 && res.status != 405) return;  // logged above
    if (res.status >= 400) {
      RC_LOG_WARNING << req.method << " " << req.path << " " << res.status
                     << " remote=" << req.remote_addr;
    } else {
      RC_VLOG(2) << req.method << " " << req.path << " " << res.status
                 << " remote=" << req.remote_addr;
    }
  });
}

Result<int> WebhookServer::Bind() {
  int port = options_.port;
  if (port == 0) {
    port = http_->bind_to_any_port(options_.bind_address);
    if (port < 0) return Unavailable("cannot listen on " + options_.bind_address + " (any port)");
  } else if (!http_->bind_to_port(options_.bind_address, port)) {
    return Unavailable("cannot listen on " + options_.bind_address + ":" + std::to_string(port) +
                       " (in use, not allowed, or not an address of this host)");
  }
  return port;
}

void WebhookServer::Supervise() {
  std::string last_error;
  std::unique_lock<std::mutex> lock(stop_mutex_);
  while (!stop_cv_.wait_for(lock, options_.cert_check_interval, [this] { return stopping_; })) {
    const uint64_t before = certs_->generation();
    Status status = certs_->ReloadIfChanged();
    if (!status.ok()) {
      if (status.message() != last_error) {
        RC_LOG_WARNING << "keeping the previous TLS certificate: " << status.message();
        metrics_.ObserveCertReload(false);
      }
      last_error = status.message();
    } else {
      if (certs_->generation() != before) {
        metrics_.ObserveCertReload(true);
        metrics_.SetCertificateNotAfter(certs_->not_after_unix());
      }
      last_error.clear();
    }
  }
  // Not httplib's stop(): that also ends the connections whose worker has not
  // yet read a request, so a request already sent could go unanswered. Shutting
  // the listening socket down ends the accept loop; httplib then closes it and
  // waits for its workers, which serve every connection already accepted.
  draining_ = true;
  while (!listen_done_) {
    if (http_->is_running() && listen_fd_ >= 0) {
      ::shutdown(listen_fd_, SHUT_RDWR);
      return;
    }
    stop_cv_.wait_for(lock, std::chrono::milliseconds(5));
  }
}

Status WebhookServer::Serve() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (supervisor_.joinable()) return FailedPrecondition("Serve() called twice");
    supervisor_ = std::thread([this] { Supervise(); });
  }
  // Returns once the listener is closed and every worker has finished its
  // connection (the requests in progress are answered).
  const bool listened = http_->listen_after_bind();
  bool requested;
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    requested = stopping_;
    listen_done_ = true;
  }
  Stop();
  supervisor_.join();
  if (!listened && !requested) return Unavailable("the HTTPS listener could not start");
  if (!requested) return Unavailable("the HTTPS listener stopped unexpectedly");
  return Status::Ok();
}

void WebhookServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

bool WebhookServer::IsRunning() const { return http_ && http_->is_running(); }

}  // namespace rc::webhook
