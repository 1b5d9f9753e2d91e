// Events on the StatefulSet through the API, and the coordinator's chores on
// the seed's other objects: a PodDisruptionBudget (maxUnavailable 1, owned by
// the StatefulSet) when none selects its pods, and a warning when the
// StatefulSet's Service is missing. Both degrade to log lines when RBAC forbids.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "agent/kube/kube_objects.h"
#include "agent/reconcile/event_recorder.h"
#include "common/kube_client.h"

namespace rc::agent {

// Returns the StatefulSet last read, or nullptr when unknown.
using StatefulSetGetter = std::function<const StatefulSetInfo*()>;

class KubeEventRecorder : public EventRecorder {
 public:
  KubeEventRecorder(KubeClient& client, std::string namespace_name, std::string pod_name,
                    StatefulSetGetter sts);
  // Posts the Event; the same reason and message within a minute is posted once.
  void Record(bool warning, const std::string& reason, const std::string& message) override;

 private:
  KubeClient& client_;
  std::string namespace_name_;
  std::string pod_name_;
  StatefulSetGetter sts_;
  std::mutex mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> recent_;
  bool forbidden_logged_ = false;
};

// Called every loop by the coordinator; does its work at most every `period`.
class CoordinatorChores {
 public:
  virtual ~CoordinatorChores() = default;
  virtual void Run() = 0;
};

class SeedObjectsKeeper : public CoordinatorChores {
 public:
  SeedObjectsKeeper(KubeClient& client, std::string namespace_name, std::string service_name,
                    StatefulSetGetter sts, EventRecorder& events,
                    std::chrono::seconds period = std::chrono::seconds(300));
  void Run() override;

 private:
  void EnsurePdb(const StatefulSetInfo& sts);
  void CheckService(const StatefulSetInfo& sts);

  KubeClient& client_;
  std::string namespace_name_;
  std::string service_name_;
  StatefulSetGetter sts_;
  EventRecorder& events_;
  std::chrono::seconds period_;
  std::chrono::steady_clock::time_point next_{};
};

}  // namespace rc::agent
