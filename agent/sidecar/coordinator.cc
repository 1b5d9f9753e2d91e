#include "agent/sidecar/coordinator.h"

#include "agent/kube/kube_pod_source.h"
#include "agent/reconcile/election.h"
#include "common/log.h"

namespace rc::agent {

Coordinator::Coordinator(CoordinatorOptions options, CoordinatorLease& lease)
    : options_(std::move(options)), lease_(lease) {}

Coordinator::~Coordinator() { StopRenewer(); }

void Coordinator::StartRenewer() {
  if (renewing_) return;
  renewing_ = true;
  renewer_ = std::thread([this] {
    auto period = options_.lease_duration / 3;
    auto next = std::chrono::steady_clock::now() + period;
    while (renewing_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (std::chrono::steady_clock::now() < next) continue;
      next = std::chrono::steady_clock::now() + period;
      auto renewed = lease_.AcquireOrRenew(options_.pod_name);
      if (!renewed.ok() || !*renewed)
        RC_LOG_WARNING << "could not renew the coordinator lease: "
                       << (renewed.ok() ? "held by " + lease_.Holder()
                                        : renewed.status().message());
    }
  });
}

void Coordinator::StopRenewer() {
  renewing_ = false;
  if (renewer_.joinable()) renewer_.join();
}

bool Coordinator::Update(const PodSnapshot& pods, std::chrono::steady_clock::time_point now) {
  const PodInfo* pod0 = pods.FindOrdinal(0);
  if (pod0 != nullptr && pod0->ready && !pod0->terminating) {
    pod0_missing_since_.reset();
  } else if (!pod0_missing_since_) {
    pod0_missing_since_ = now;
  }
  auto missing =
      pod0_missing_since_
          ? std::chrono::duration_cast<std::chrono::milliseconds>(now - *pod0_missing_since_)
          : std::chrono::milliseconds(0);
  bool wants = WantsToCoordinate(options_.ordinal, pods, missing, options_.lease_duration);
  if (!wants) {
    if (holding_) {
      StopRenewer();
      (void)lease_.Release(options_.pod_name);
      holding_ = false;
      RC_LOG_INFO << options_.pod_name << " hands coordination back (pod-0 is ready)";
    }
    return false;
  }
  auto acquired = lease_.AcquireOrRenew(options_.pod_name);
  if (!acquired.ok() && acquired.status().code() == ErrorCode::kPermissionDenied &&
      options_.ordinal == 0) {
    // Without the right to use a Lease, pod-0 still coordinates (nobody else
    // does without one); say once how to grant it.
    if (!lease_forbidden_logged_)
      RC_LOG_WARNING << "the coordinator lease is forbidden (" << acquired.status().message()
                     << "); pod-0 coordinates without it. Grant it with: "
                     << RbacGrantCommand(options_.namespace_name, options_.service_account);
    lease_forbidden_logged_ = true;
    if (!holding_) RC_LOG_INFO << options_.pod_name << " coordinates the cluster (pod-0, no lease)";
    holding_ = true;
    return true;
  }
  if (!acquired.ok()) {
    if (acquired.status().message() != last_error_)
      RC_LOG_WARNING << "cannot take the coordinator lease: " << acquired.status().message();
    last_error_ = acquired.status().message();
    return false;
  }
  if (*acquired && !holding_) {
    RC_LOG_INFO << options_.pod_name << " coordinates the cluster ("
                << (options_.ordinal == 0 ? "pod-0" : "pod-0 has been gone longer than the lease")
                << ")";
    StartRenewer();
  }
  if (!*acquired && holding_) StopRenewer();
  holding_ = *acquired;
  return holding_;
}

void Coordinator::Resign() {
  StopRenewer();
  if (holding_) (void)lease_.Release(options_.pod_name);
}

}  // namespace rc::agent
