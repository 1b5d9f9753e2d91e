#include "webhook/server.h"

#include "common/log.h"
#include "webhook/admission_handler.h"

namespace rc::webhook {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr const char* kEndpoints = "serving POST /mutate, GET /healthz, GET /metrics";

}  // namespace

WebhookServer::WebhookServer(ServerOptions options) : options_(std::move(options)) {}

WebhookServer::~WebhookServer() {
  Stop();
  if (cert_watcher_.joinable()) cert_watcher_.join();
}

Result<std::unique_ptr<WebhookServer>> WebhookServer::Create(ServerOptions options) {
  std::unique_ptr<WebhookServer> server(new WebhookServer(std::move(options)));
  const ServerOptions& o = server->options_;
  auto certs = CertReloader::Create(o.tls_cert_file, o.tls_key_file);
  if (!certs.ok()) return certs.status();
  server->certs_ = std::move(*certs);

  HttpsServerOptions http;
  http.bind_address = o.bind_address;
  http.port = o.port;
  http.event_threads = o.event_threads;
  http.connection.parse.max_body_bytes = o.max_body_bytes;
  http.connection.max_requests = o.keep_alive_max_requests;
  http.connection.idle_timeout_ms = o.idle_timeout.count();
  CertReloader* reloader = server->certs_.get();
  WebhookServer* self = server.get();
  auto https = HttpsServer::Create(
      std::move(http), [reloader](SSL_CTX* ctx) { reloader->Install(ctx); },
      HttpCallbacks{[self](const HttpRequest& request, const std::string& peer,
                           HttpResponse* response) { self->Route(request, peer, response); },
                    [self](int status, const std::string&) {
                      if (status == 413) self->metrics_.ObserveAdmission("too_large", 0, 0);
                    }});
  if (!https.ok()) return https.status();
  server->http_ = std::move(*https);
  return server;
}

void WebhookServer::Route(const HttpRequest& request, const std::string& peer,
                          HttpResponse* response) {
  if (request.path == "/mutate" && request.method == "POST") {
    Mutate(request, peer, response);
    return;
  }
  const bool get = request.method == "GET";
  if (get && request.path == "/healthz") {
    response->body = "ok\n";
  } else if (get && request.path == "/metrics") {
    response->content_type = "text/plain; version=0.0.4";
    response->body = metrics_.Render();
  } else if (request.path == "/mutate" || request.path == "/healthz" ||
             request.path == "/metrics") {
    response->status = 405;
    response->body = "method " + std::string(request.method) + " not allowed on " +
                     std::string(request.path) + "; " + kEndpoints + "\n";
  } else {
    response->status = 404;
    response->body = "no such endpoint " + std::string(request.method) + " " +
                     std::string(request.path) + "; " + kEndpoints + "\n";
  }
  if (response->status >= 400) {
    RC_LOG_WARNING << request.method << " " << request.path << " " << response->status
                   << " remote=" << peer;
  } else {
    RC_VLOG(2) << request.method << " " << request.path << " " << response->status
               << " remote=" << peer;
  }
}

void WebhookServer::Mutate(const HttpRequest& request, const std::string& peer,
                           HttpResponse* response) {
  const Clock::time_point start = Clock::now();
  HandlerReply reply = HandleAdmissionBody(request.body, options_.injection);
  response->status = reply.http_status;
  response->content_type = std::move(reply.content_type);
  response->body = std::move(reply.body);
  const double seconds = SecondsSince(start);
  metrics_.ObserveAdmission(reply.outcome, seconds, reply.patch_operations);
  RC_LOG_INFO << "POST /mutate " << reply.http_status << " " << reply.outcome << " "
              << reply.summary << " patch_ops=" << reply.patch_operations
              << " bytes_in=" << request.body.size()
              << " latency_us=" << static_cast<long>(seconds * 1e6) << " remote=" << peer;
}

Result<int> WebhookServer::Bind() { return http_->Bind(); }

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
  Status served = http_->Serve();
  bool requested;
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    requested = stopping_;
  }
  Stop();
  if (cert_watcher_.joinable()) cert_watcher_.join();
  if (!served.ok()) return served;
  if (!requested) return Unavailable("the HTTPS listener stopped unexpectedly");
  return Status::Ok();
}

void WebhookServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (http_) http_->Stop();
}

bool WebhookServer::IsRunning() const { return http_ && http_->IsRunning(); }

}  // namespace rc::webhook
