// The agent's Prometheus metrics: the same milestones and failures the log
// and the Events tell, as counters and gauges. Thread-safe. Labels never hold
// a password or a key, only action names.
//
// Per pod: build_info, coordinator, redis_up, loops, actions, moves.
// Cluster-wide (masters, nodes, balanced, lost slots, migration progress):
// only the coordinator knows them, so only the coordinator exports them, and
// only once it has looked at the cluster. Other pods omit the series rather
// than report a 0 that would read as "not balanced" or "no masters"; so
// `max(redis_cluster_agent_cluster_balanced)` per StatefulSet is the answer.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace rc::agent {

class AgentMetrics {
 public:
  void LoopDone(bool ok);
  // The loop is alive but busy (a long migration reports progress): keeps /healthz green.
  void Heartbeat();
  void ActionDone(const std::string& action, bool ok);
  void Moved(long long slots, long long keys);
  // Losing coordination forgets the cluster-wide view (no stale series later).
  void SetCoordinator(bool is);
  void SetCluster(int masters, int nodes, bool balanced);
  void SetRedisUp(bool up) { redis_up_ = up ? 1 : 0; }
  // Slots served by no master with no replica to take over (lost_slots_advisor.h).
  void SetLostSlots(int slots) { lost_slots_ = slots; }
  void SetMigrationProgress(double fraction) {
    migration_progress_ppm_ = static_cast<int>(fraction * 1e6);
  }
  // A slot-moving action (drain, rebalance) runs; progress restarts at 0.
  void SetMigrationRunning(bool running);

  bool redis_up() const { return redis_up_ == 1; }
  // Seconds since the last finished loop (for /healthz); large before the first one.
  double SecondsSinceLastLoop() const;

  // Prometheus text exposition format.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, bool>, long long> actions_;
  std::atomic<long long> loops_{0}, loop_errors_{0}, slots_moved_{0}, keys_moved_{0};
  std::atomic<int> coordinator_{0}, masters_{0}, nodes_{0}, balanced_{0}, redis_up_{0};
  std::atomic<int> migration_progress_ppm_{0}, migration_running_{0};
  std::atomic<bool> cluster_known_{false};  // SetCluster was called
  std::atomic<int> lost_slots_{0};
  std::atomic<long long> last_loop_ms_{0};
};

}  // namespace rc::agent
