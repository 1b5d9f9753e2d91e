// The coordinator lease as a coordination.k8s.io/v1 Lease named
// "<statefulset>-coordinator" in the pod's namespace. Taking or renewing is an
// optimistic update (resourceVersion), so two agents never both win.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "agent/reconcile/coordinator_lease.h"
#include "common/kube_client.h"

namespace rc::agent {

class KubeLease : public CoordinatorLease {
 public:
  KubeLease(KubeClient& client, std::string namespace_name, std::string name,
            std::chrono::seconds duration);
  Result<bool> AcquireOrRenew(const std::string& holder) override;
  Status Release(const std::string& holder) override;
  std::string Holder() override;

 private:
  std::string Path() const;
  KubeClient& client_;
  std::string namespace_name_;
  std::string name_;
  std::chrono::seconds duration_;
  std::mutex mu_;
};

}  // namespace rc::agent
