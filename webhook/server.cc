#include "webhook/server.h"

#include <httplib.h>

#include "common/log.h"
#include "webhook/admission_handler.h"

namespace rc::webhook {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

WebhookServer::WebhookServer(ServerOptions options) : options_(std::move(options)) {}

WebhookServer::~WebhookServer() {
  Stop();
  if (cert_watcher_.joinable()) cert_watcher_.join();
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
    reloader->Install(&ctx);
    return true;
  });
  if (!server->http_->is_valid()) return Internal("could not set up the TLS server context");
  server->InstallRoutes();
  return server;
}

void WebhookServer::InstallRoutes() {
  httplib::SSLServer& http = *http_;
  const int threads = options_.worker_threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_tcp_nodelay(true);
  http.set_keep_alive_max_count(options_.keep_alive_max_requests);
  http.set_keep_alive_timeout(10);  // an idle connection holds a worker thread
  http.set_read_timeout(10);
  http.set_write_timeout(10);
  http.set_payload_max_length(options_.max_body_bytes);

  http.Post("/mutate", [this](const httplib::Request& req, httplib::Response& res) {
    const Clock::time_point start = Clock::now();
    HandlerReply reply = HandleAdmissionBody(req.body, options_.injection);
    res.status = reply.http_status;
    res.body = std::move(reply.body);  // set_content() would copy it
    res.set_header("Content-Type", reply.content_type);
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
  http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 413) {
      metrics_.ObserveAdmission("too_large", 0, 0);
      res.set_content("request body larger than " + std::to_string(options_.max_body_bytes) +
                          " bytes; an AdmissionReview is far smaller\n",
                      "text/plain");
    } else if (res.status == 404) {
      res.set_content("no such endpoint " + req.method + " " + req.path +
                          "; serving POST /mutate, GET /healthz, GET /metrics\n",
                      "text/plain");
    }
  });
  http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        RC_LOG_ERROR << req.method << " " << req.path << " failed: " << what;
        res.status = 500;
        res.set_content("internal error: " + what + "\n", "text/plain");
      });
  http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    if (req.path == "/mutate") return;  // logged by its handler, with latency
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
    if (port < 0) return Unavailable("cannot bind " + options_.bind_address + " on any port");
  } else if (!http_->bind_to_port(options_.bind_address, port)) {
    return Unavailable("cannot bind " + options_.bind_address + ":" + std::to_string(port) +
                       " (in use, or not allowed)");
  }
  return port;
}

void WebhookServer::WatchCertificates() {
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
      if (certs_->generation() != before) metrics_.ObserveCertReload(true);
      last_error.clear();
    }
  }
}

Status WebhookServer::Serve() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (stopping_) return Status::Ok();
    cert_watcher_ = std::thread([this] { WatchCertificates(); });
  }
  http_->listen_after_bind();
  bool requested;
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    requested = stopping_;
  }
  Stop();
  if (cert_watcher_.joinable()) cert_watcher_.join();
  if (!requested) return Unavailable("the HTTPS listener stopped unexpectedly");
  return Status::Ok();
}

void WebhookServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (http_) http_->stop();
}

bool WebhookServer::IsRunning() const { return http_ && http_->is_running(); }

}  // namespace rc::webhook
