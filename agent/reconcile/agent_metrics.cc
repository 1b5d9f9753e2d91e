#include "agent/reconcile/agent_metrics.h"

#include <chrono>

#include "common/steady_ms.h"

namespace rc::agent {

void AgentMetrics::LoopDone(bool ok) {
  ++loops_;
  if (!ok) ++loop_errors_;
  last_loop_ms_ = SteadyNowMs();
}

void AgentMetrics::Heartbeat() { last_loop_ms_ = SteadyNowMs(); }

void AgentMetrics::ActionDone(const std::string& action, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  actions_[{action, ok}]++;
}

void AgentMetrics::Moved(long long slots, long long keys) {
  slots_moved_ += slots;
  keys_moved_ += keys;
}

void AgentMetrics::SetCluster(int masters, int nodes, bool balanced) {
  masters_ = masters;
  nodes_ = nodes;
  balanced_ = balanced ? 1 : 0;
}

double AgentMetrics::SecondsSinceLastLoop() const {
  long long last = last_loop_ms_;
  if (last == 0) return 1e9;
  return static_cast<double>(SteadyNowMs() - last) / 1000.0;
}

std::string AgentMetrics::Render() const {
  std::string out;
  auto gauge = [&](const char* name, const char* help, long long value, const char* type) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(value) + "\n";
  };
  gauge("redis_cluster_agent_loops_total", "Observe-plan-act loops run.", loops_, "counter");
  gauge("redis_cluster_agent_loop_errors_total", "Loops that could not observe or act.",
        loop_errors_, "counter");
  gauge("redis_cluster_agent_coordinator", "1 when this agent holds the coordinator lease.",
        coordinator_, "gauge");
  gauge("redis_cluster_agent_redis_up", "1 when this pod's redis answered the last loop.",
        redis_up_, "gauge");
  gauge("redis_cluster_agent_cluster_masters", "Masters holding slots (coordinator's view).",
        masters_, "gauge");
  gauge("redis_cluster_agent_cluster_nodes", "Nodes in the cluster (coordinator's view).", nodes_,
        "gauge");
  gauge("redis_cluster_agent_cluster_balanced", "1 when the coordinator found nothing to do.",
        balanced_, "gauge");
  gauge("redis_cluster_agent_cluster_lost_slots",
        "Slots served by no master with no replica to take over (coordinator's view); "
        "`redis-cluster-agent cover-slots --accept-data-loss` serves them again, empty.",
        lost_slots_, "gauge");
  gauge("redis_cluster_agent_slots_moved_total", "Slots moved by this agent.", slots_moved_,
        "counter");
  gauge("redis_cluster_agent_keys_moved_total", "Keys moved by this agent.", keys_moved_,
        "counter");
  out +=
      "# HELP redis_cluster_agent_migration_progress Fraction of the current migration done.\n"
      "# TYPE redis_cluster_agent_migration_progress gauge\n"
      "redis_cluster_agent_migration_progress " +
      std::to_string(migration_progress_permille_ / 1000.0) + "\n";
  out +=
      "# HELP redis_cluster_agent_actions_total Topology actions taken, by kind and result.\n"
      "# TYPE redis_cluster_agent_actions_total counter\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, count] : actions_) {
    out += "redis_cluster_agent_actions_total{action=\"" + key.first + "\",result=\"" +
           (key.second ? "ok" : "error") + "\"} " + std::to_string(count) + "\n";
  }
  return out;
}

void AgentMetrics::SetReadiness(bool ready, std::string reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ready_ = ready;
  ready_reason_ = std::move(reason);
}

bool AgentMetrics::ready(std::string* reason) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (reason != nullptr) *reason = ready_reason_;
  return ready_;
}

}  // namespace rc::agent
