// Asks every pod's redis what it knows (CLUSTER NODES, CLUSTER INFO, INFO
// server) in one pipelined round trip per pod, and turns the answers into an
// Observation for the planner. The only I/O of the observe step.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "agent/reconcile/observation.h"
#include "common/redis_client.h"

namespace rc::agent {

class ClusterObserver {
 public:
  // `connector` carries timeouts and AUTH; it must outlive the observer.
  explicit ClusterObserver(RedisConnector& connector) : connector_(connector) {}

  Observation Observe(const PodSnapshot& pods);
  // One pod only (the agent's own redis, for the preStop hand-shake).
  ObservedNode ObserveOne(const PodInfo& pod);

 private:
  RedisConnector& connector_;
  // Kept connections by address; dropped after an error and reopened next time.
  std::map<std::string, std::unique_ptr<RedisClient>> clients_;
};

}  // namespace rc::agent
