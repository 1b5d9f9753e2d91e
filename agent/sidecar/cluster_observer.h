// Asks every pod's redis what it knows (CLUSTER NODES, CLUSTER INFO, INFO
// server) in one pipelined round trip per pod, and turns the answers into an
// Observation for the planner. The only I/O of the observe step.
#pragma once

#include <string>

#include "agent/reconcile/observation.h"
#include "common/connection_cache.h"
#include "common/redis_client.h"

namespace rc::agent {

class ClusterObserver {
 public:
  // `connector` carries timeouts and AUTH; it must outlive the observer.
  explicit ClusterObserver(RedisConnector& connector) : connections_(connector) {}

  Observation Observe(const PodSnapshot& pods);
  // One pod only (the agent's own redis, for the preStop hand-shake).
  ObservedNode ObserveOne(const PodInfo& pod);

 private:
  // Kept connections; dropped after an error and reopened next time.
  ConnectionCache connections_;
};

}  // namespace rc::agent
