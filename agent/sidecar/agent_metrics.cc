#include "agent/sidecar/agent_metrics.h"

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

void AgentMetrics::SetCoordinator(bool is) {
  coordinator_ = is ? 1 : 0;
  if (!is) {
    cluster_known_ = false;
    migration_running_ = 0;
  }
}

void AgentMetrics::SetCluster(int masters, int nodes, bool balanced) {
  masters_ = masters;
  nodes_ = nodes;
  balanced_ = balanced ? 1 : 0;
  cluster_known_ = true;
}

void AgentMetrics::SetMigrationRunning(bool running) {
  if (running) migration_progress_ppm_ = 0;
  migration_running_ = running ? 1 : 0;
}

double AgentMetrics::SecondsSinceLastLoop() const {
  long long last = last_loop_ms_;
  if (last == 0) return 1e9;
  return static_cast<double>(SteadyNowMs() - last) / 1000.0;
}

namespace {

// One metric family without labels, in the text exposition format.
void Family(std::string& out, const char* name, const char* type, const char* help,
            const std::string& value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + value + "\n";
}

}  // namespace

std::string AgentMetrics::Render() const {
  std::string out;
  auto integer = [](long long v) { return std::to_string(v); };
  out +=
      "# HELP redis_cluster_agent_build_info The agent's version; always 1.\n"
      "# TYPE redis_cluster_agent_build_info gauge\n"
      "redis_cluster_agent_build_info{version=\"" RC_VERSION "\"} 1\n";
  Family(out, "redis_cluster_agent_loops_total", "counter", "Observe-plan-act loops run.",
         integer(loops_));
  Family(out, "redis_cluster_agent_loop_errors_total", "counter",
         "Loops that could not observe or act.", integer(loop_errors_));
  Family(out, "redis_cluster_agent_coordinator", "gauge",
         "1 when this agent coordinates the cluster (holds the coordinator lease).",
         integer(coordinator_));
  Family(out, "redis_cluster_agent_redis_up", "gauge",
         "1 when this pod's redis answered the last loop.", integer(redis_up_));
  Family(out, "redis_cluster_agent_slots_moved_total", "counter", "Slots moved by this agent.",
         integer(slots_moved_));
  Family(out, "redis_cluster_agent_keys_moved_total", "counter", "Keys moved by this agent.",
         integer(keys_moved_));
  if (coordinator_ == 1 && cluster_known_) {
    // Cluster-wide: only the coordinator exports them (see the header).
    Family(out, "redis_cluster_agent_cluster_masters", "gauge",
           "Masters holding slots (exported by the coordinator only).", integer(masters_));
    Family(out, "redis_cluster_agent_cluster_nodes", "gauge",
           "Nodes in the cluster (exported by the coordinator only).", integer(nodes_));
    Family(out, "redis_cluster_agent_cluster_balanced", "gauge",
           "1 when the coordinator found nothing to do (exported by the coordinator only).",
           integer(balanced_));
    Family(out, "redis_cluster_agent_cluster_lost_slots", "gauge",
           "Slots served by no master with no replica to take over (exported by the coordinator "
           "only); `redis-cluster-agent cover-slots --accept-data-loss` serves them again, empty.",
           integer(lost_slots_));
    Family(out, "redis_cluster_agent_migration_running", "gauge",
           "1 while the coordinator moves slots (drain or rebalance).",
           integer(migration_running_));
    Family(out, "redis_cluster_agent_migration_progress_ratio", "gauge",
           "Fraction (0..1) of the current or last migration done (exported by the coordinator "
           "only).",
           std::to_string(migration_progress_ppm_ / 1e6));
  }
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

}  // namespace rc::agent
