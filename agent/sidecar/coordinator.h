// Who changes the topology: this agent coordinates while it wants to
// (WantsToCoordinate: pod-0 whenever it is ready, else the lowest ready
// ordinal once pod-0 has been gone longer than the lease) and holds the
// coordinator lease. While it holds the lease a thread renews it every third
// of its duration, so a long migration never lets it expire. Without the right
// to use a Lease (HTTP 403), pod-0 coordinates anyway and says once in the log
// how to grant it. One log line whenever coordination is taken or handed back.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "agent/reconcile/coordinator_lease.h"
#include "agent/reconcile/pod_source.h"

namespace rc::agent {

struct CoordinatorOptions {
  std::string pod_name;  // this pod ("redis-3"), the lease holder's name
  int ordinal = -1;      // from the name
  std::chrono::milliseconds lease_duration{15000};
  // For the `kubectl` command that grants the Lease when it is forbidden.
  std::string namespace_name;
  std::string service_account = "default";
};

class Coordinator {
 public:
  // `lease` must outlive the coordinator.
  Coordinator(CoordinatorOptions options, CoordinatorLease& lease);
  ~Coordinator();  // stops renewing; the lease is left to expire (see Resign)
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  // Decides from this look at the pods, at `now`, whether this agent
  // coordinates: takes or renews the lease when it wants to, releases it when
  // it no longer does. Returns whether it coordinates now.
  bool Update(const PodSnapshot& pods, std::chrono::steady_clock::time_point now);
  // Whether this agent holds the lease (or, pod-0 without the right to one,
  // coordinates without it); an Update whose lease call failed leaves it as it was.
  bool holding() const { return holding_; }
  // Stops renewing and gives the lease up when held (the agent stops).
  void Resign();

 private:
  void StartRenewer();
  void StopRenewer();

  CoordinatorOptions options_;
  CoordinatorLease& lease_;
  bool holding_ = false;
  bool lease_forbidden_logged_ = false;
  std::string last_error_;  // the last lease error logged, said once
  std::optional<std::chrono::steady_clock::time_point> pod0_missing_since_;
  std::atomic<bool> renewing_{false};
  std::thread renewer_;
};

}  // namespace rc::agent
