// The lock that makes topology changes one at a time: whoever holds the
// coordinator lease may change the cluster. Backed by a Kubernetes Lease
// (agent/kube/kube_lease.h) in a pod, or a shared file
// (agent/sidecar/file_lease.h) for static discovery.
// Implementations are thread-safe: the loop renews from a second thread while
// a long migration runs.
#pragma once

#include <string>

#include "common/status.h"

namespace rc::agent {

class CoordinatorLease {
 public:
  virtual ~CoordinatorLease() = default;
  // Takes the lease when it is free, expired, or already ours (then renews it).
  // Returns false when someone else holds a live lease.
  virtual Result<bool> AcquireOrRenew(const std::string& holder) = 0;
  // Gives the lease up if `holder` holds it.
  virtual Status Release(const std::string& holder) = 0;
  // Who holds it now ("" none or expired); for log lines.
  virtual std::string Holder() = 0;
};

}  // namespace rc::agent
