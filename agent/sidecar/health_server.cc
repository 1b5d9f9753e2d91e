#include "agent/sidecar/health_server.h"

#include <httplib.h>

namespace rc::agent {

HealthServer::HealthServer(AgentMetrics& metrics, const PublishedReadiness& readiness,
                           std::chrono::seconds stall_after)
    : metrics_(metrics),
      readiness_(readiness),
      stall_after_(stall_after),
      server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    double since = metrics_.SecondsSinceLastLoop();
    bool alive = since < static_cast<double>(stall_after_.count());
    res.status = alive ? 200 : 503;
    res.set_content(alive ? "ok\n" : "the agent loop has not finished a pass recently\n",
                    "text/plain");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const Readiness now = readiness_.Get();
    res.status = now.ready ? 200 : 503;
    res.set_content(now.reason + "\n", "text/plain");
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.Render(), "text/plain; version=0.0.4");
  });
}

HealthServer::~HealthServer() { Stop(); }

Status HealthServer::Start(const std::string& address, int port) {
  if (port == 0) {
    port_ = server_->bind_to_any_port(address.c_str());
  } else {
    port_ = server_->bind_to_port(address.c_str(), port) ? port : -1;
  }
  if (port_ <= 0)
    return Unavailable("cannot listen on " + address + ":" + std::to_string(port) +
                       " for /healthz, /readyz and /metrics");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return Status::Ok();
}

void HealthServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace rc::agent
