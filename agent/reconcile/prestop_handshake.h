// The preStop hand-shake with this pod's redis container. Its preStop hook
// creates CONFIG_DIR/prestop and waits for CONFIG_DIR/prestop-done. The agent
// decides, from the StatefulSet's spec.replicas:
// - leaving for good (ordinal >= spec.replicas): wait until the coordinator
//   has drained this node and forgotten it (the node then knows only itself
//   and owns no slot), so the drain never runs beside another topology change;
// - restarting: a master with slots hands over to a replica in sync
//   (CLUSTER FAILOVER) and waits until it is a replica itself;
// then writes prestop-done. Only the pod's own termination can trigger this:
// the files live in the pod's own emptyDir.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "agent/reconcile/cluster_observer.h"
#include "agent/reconcile/pod_source.h"
#include "common/redis_client.h"

namespace rc::agent {

struct PrestopOptions {
  std::string config_dir = "/etc/redis-cluster";
  std::string pod_name;                            // this pod
  std::chrono::milliseconds poll{200};             // how often the files are checked
  std::chrono::milliseconds failover_wait{20000};  // for CLUSTER FAILOVER to complete
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
  void Answer();

  PrestopOptions options_;
  PodSource& pods_;
  RedisConnector& connector_;
  ClusterObserver observer_;
  bool failover_sent_ = false;
  std::chrono::steady_clock::time_point failover_started_;
};

}  // namespace rc::agent
