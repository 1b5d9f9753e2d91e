// Whether this pod's redis serves its role in the cluster: what the redis
// container's readiness probe (httpGet /readyz on the agent port, injected by
// the webhook) reports. A rolling update waits for each replaced pod to be
// Ready before it stops the next one, so "ready" must mean "the shard this pod
// belongs to is whole again", not merely "redis listens": otherwise a master
// can be stopped while its only replica is still empty or syncing, and the
// shard's keys are lost. Pure: the loop observes, this decides.
#pragma once

#include <string>

#include "agent/reconcile/observation.h"

namespace rc::agent {

struct Readiness {
  bool ready = false;
  std::string reason;  // one line for the /readyz body and the log
};

// `self`: this pod's node as observed this loop. `cluster_exists`: whether any
// other pod of the StatefulSet already holds cluster state (only consulted when
// `self` holds none: before the cluster is created every node is ready, so an
// OrderedReady StatefulSet can start all its pods).
Readiness JudgeReadiness(const ObservedNode& self, bool cluster_exists);

}  // namespace rc::agent
