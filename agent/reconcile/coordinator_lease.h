// The lock that makes topology changes one at a time: whoever holds the
// coordinator lease may change the cluster. Backed by a Kubernetes Lease
// (KubeLease) in a pod, or a shared file (FileLease) for static discovery.
// Implementations are thread-safe: the loop renews from a second thread while
// a long migration runs.
#pragma once

#include <chrono>
#include <mutex>
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

// A lease in a JSON file ({"holder": ..., "renewed_ms": ..., "duration_ms": ...}),
// read and written under flock() so agents on one host agree.
class FileLease : public CoordinatorLease {
 public:
  FileLease(std::string path, std::chrono::milliseconds duration)
      : path_(std::move(path)), duration_(duration) {}
  Result<bool> AcquireOrRenew(const std::string& holder) override;
  Status Release(const std::string& holder) override;
  std::string Holder() override;

 private:
  std::string path_;
  std::chrono::milliseconds duration_;
  std::mutex mu_;
};

}  // namespace rc::agent
