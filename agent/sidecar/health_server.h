// /healthz, /readyz and /metrics over plain HTTP (in-pod, port agent-http).
// /healthz: the loop is alive (a loop finished within `stall_after`).
// /readyz: this pod's redis serves its role (PublishedReadiness), the reason as body.
// /metrics: AgentMetrics in Prometheus text format.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "agent/sidecar/agent_metrics.h"
#include "agent/sidecar/published_readiness.h"
#include "common/status.h"

namespace httplib {
class Server;
}

namespace rc::agent {

class HealthServer {
 public:
  // Both must outlive the server.
  HealthServer(AgentMetrics& metrics, const PublishedReadiness& readiness,
               std::chrono::seconds stall_after);
  ~HealthServer();  // stops and joins
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // Binds `address:port` (port 0: any free port) and serves on a thread.
  Status Start(const std::string& address, int port);
  int port() const { return port_; }
  void Stop();

 private:
  AgentMetrics& metrics_;
  const PublishedReadiness& readiness_;
  std::chrono::seconds stall_after_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace rc::agent
