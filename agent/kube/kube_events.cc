#include "agent/kube/kube_events.h"

#include "agent/kube/kube_objects.h"
#include "common/log.h"

namespace rc::agent {

KubeEventRecorder::KubeEventRecorder(KubeClient& client, std::string namespace_name,
                                     std::string pod_name, StatefulSetGetter sts)
    : client_(client),
      namespace_name_(std::move(namespace_name)),
      pod_name_(std::move(pod_name)),
      sts_(std::move(sts)) {}

void KubeEventRecorder::Record(bool warning, const std::string& reason,
                               const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  const StatefulSetInfo* sts = sts_();
  if (sts == nullptr) return;
  auto now = std::chrono::steady_clock::now();
  std::string key = reason + "\n" + message;
  auto it = recent_.find(key);
  if (it != recent_.end() && now - it->second < std::chrono::minutes(1)) return;
  recent_[key] = now;
  if (recent_.size() > 200) recent_.clear();
  std::string text = log::Redact(message);
  auto posted = client_.Post(
      "/api/v1/namespaces/" + namespace_name_ + "/events",
      BuildEvent(namespace_name_, *sts, pod_name_, warning, reason, text, UnixNowMs()));
  if (!posted.ok() && !forbidden_logged_) {
    RC_LOG_WARNING << "cannot create Events on StatefulSet " << sts->name << " ("
                   << posted.status().message() << "); the log keeps telling what happens";
    forbidden_logged_ = posted.status().code() == ErrorCode::kPermissionDenied;
  }
}

SeedObjectsKeeper::SeedObjectsKeeper(KubeClient& client, std::string namespace_name,
                                     std::string service_name, StatefulSetGetter sts,
                                     EventRecorder& events, std::chrono::seconds period)
    : client_(client),
      namespace_name_(std::move(namespace_name)),
      service_name_(std::move(service_name)),
      sts_(std::move(sts)),
      events_(events),
      period_(period) {}

void SeedObjectsKeeper::Run() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_) return;
  const StatefulSetInfo* sts = sts_();
  if (sts == nullptr) return;
  next_ = now + period_;
  EnsurePdb(*sts);
  CheckService(*sts);
}

void SeedObjectsKeeper::EnsurePdb(const StatefulSetInfo& sts) {
  std::string path = "/apis/policy/v1/namespaces/" + namespace_name_ + "/poddisruptionbudgets";
  auto list = client_.List(path, "");
  if (!list.ok()) {
    RC_LOG_WARNING << "cannot list PodDisruptionBudgets (" << list.status().message()
                   << "); not creating one for StatefulSet " << sts.name;
    return;
  }
  if (AnyPdbSelects(*list, sts.match_labels)) return;
  auto created = client_.Post(path, BuildPdb(namespace_name_, sts));
  if (created.ok()) {
    RC_LOG_INFO << "created PodDisruptionBudget " << sts.name
                << "-redis-cluster (maxUnavailable 1) owned by StatefulSet " << sts.name;
    events_.Record(false, "PodDisruptionBudgetCreated",
                   "created PodDisruptionBudget " + sts.name + "-redis-cluster (maxUnavailable 1)");
  } else if (created.status().code() != ErrorCode::kConflict) {
    RC_LOG_WARNING << "cannot create a PodDisruptionBudget for StatefulSet " << sts.name << ": "
                   << created.status().message()
                   << "; node drains may then stop several redis pods at once";
  }
}

void SeedObjectsKeeper::CheckService(const StatefulSetInfo& sts) {
  std::string service = service_name_.empty() ? sts.service_name : service_name_;
  if (service.empty()) return;
  auto got = client_.Get("/api/v1/namespaces/" + namespace_name_ + "/services/" + service);
  if (got.ok() || got.status().code() != ErrorCode::kNotFound) return;
  std::string msg = "StatefulSet " + sts.name + " names Service " + service +
                    " (spec.serviceName) but it does not exist: pods get no DNS names; create "
                    "a headless Service (clusterIP: None) named " +
                    service;
  RC_LOG_WARNING << msg;
  events_.Record(true, "ServiceMissing", msg);
}

}  // namespace rc::agent
