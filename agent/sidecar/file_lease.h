// FileLease: the coordinator lease for static discovery (agents on one host).
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "agent/reconcile/coordinator_lease.h"

namespace rc::agent {

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
