// The preStop hand-shake with this pod's redis container. Its preStop hook
// creates CONFIG_DIR/prestop and waits for CONFIG_DIR/prestop-done. The agent
// decides, from the StatefulSet's spec.replicas:
// - leaving for good (ordinal >= spec.replicas): wait until the coordinator
//   has drained this node and forgotten it (the node then knows only itself
//   and owns no slot), so the drain never runs beside another topology change;
// - restarting: a master with slots hands over to a replica in sync
//   (CLUSTER FAILOVER) and waits until it is a replica itself. With no replica
//   in sync yet (its replica is being replaced, or still in its first sync) it
//   waits for one, up to `handover_wait`, rather than take the shard down;
// - the StatefulSet is gone or being deleted: the whole cluster goes away,
//   nothing to hand over to: redis may stop at once;
// - the API answered the agent before and refuses it now (the namespace, or
//   the pods' ServiceAccount or RoleBinding, is being deleted): nobody can
//   coordinate a hand-over any more: redis may stop at once, with a warning;
// then writes prestop-done. Only the pod's own termination can trigger this:
// the files live in the pod's own emptyDir.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "agent/reconcile/pod_source.h"
#include "agent/sidecar/cluster_observer.h"
#include "common/redis_client.h"

namespace rc::agent {

struct PrestopOptions {
  std::string config_dir = "/etc/redis-cluster";
  std::string pod_name;                            // this pod
  std::chrono::milliseconds poll{200};             // how often the files are checked
  std::chrono::milliseconds failover_wait{20000};  // for one CLUSTER FAILOVER to complete
  // How long a restarting master waits for a replica in sync (and retries a
  // FAILOVER that did not complete) before it lets redis stop anyway. The
  // preStop hook itself gives up 10 s before the grace period (300 s) ends.
  std::chrono::milliseconds handover_wait{240000};
  int replicas_per_master = 1;  // 0: no replica to wait for
};

class PrestopHandshake {
 public:
  PrestopHandshake(PrestopOptions options, PodSource& pods, RedisConnector& connector)
      : options_(std::move(options)), pods_(pods), connector_(connector), observer_(connector) {}

  bool Requested() const;  // CONFIG_DIR/prestop exists
  bool Answered() const;   // CONFIG_DIR/prestop-done exists

  // Blocks until the hand-shake is answered (prestop-done written) or `stop`.
  // Call when Requested() && !Answered().
  void Handle(const std::atomic<bool>& stop);

 private:
  // True when this pod may stop now; `note` says what it is waiting for.
  bool ReadyToStop(std::string* note);
  bool HandOver(const ObservedNode& self, std::string* note);
  // A replica of `master_id` whose own redis says its link is up (first sync done).
  const ClusterNode* ReplicaInSync(const ObservedNode& self, const std::string& master_id);
  void Answer();

  PrestopOptions options_;
  PodSource& pods_;
  RedisConnector& connector_;
  ClusterObserver observer_;
  bool failover_sent_ = false;
  std::chrono::steady_clock::time_point failover_started_;
  std::chrono::steady_clock::time_point handle_started_;
};

}  // namespace rc::agent
