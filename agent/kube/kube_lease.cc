#include "agent/kube/kube_lease.h"

#include "agent/kube/kube_objects.h"

namespace rc::agent {

KubeLease::KubeLease(KubeClient& client, std::string namespace_name, std::string name,
                     std::chrono::seconds duration)
    : client_(client),
      namespace_name_(std::move(namespace_name)),
      name_(std::move(name)),
      duration_(duration) {}

std::string KubeLease::Path() const {
  return "/apis/coordination.k8s.io/v1/namespaces/" + namespace_name_ + "/leases/" + name_;
}

Result<bool> KubeLease::AcquireOrRenew(const std::string& holder) {
  std::lock_guard<std::mutex> lock(mu_);
  int secs = static_cast<int>(duration_.count());
  auto current = client_.Get(Path());
  if (!current.ok() && current.status().code() == ErrorCode::kNotFound) {
    auto created =
        client_.Post("/apis/coordination.k8s.io/v1/namespaces/" + namespace_name_ + "/leases",
                     BuildLease(namespace_name_, name_, holder, secs, UnixNowMs(), ""));
    if (created.ok()) return true;
    if (created.status().code() == ErrorCode::kConflict) return false;  // someone else was faster
    return created.status();
  }
  if (!current.ok()) return current.status();
  auto state = ParseLease(*current);
  if (!state.ok()) return state.status();
  if (state->Live(UnixNowMs()) && state->holder != holder) return false;
  auto updated = client_.Put(Path(), BuildLease(namespace_name_, name_, holder, secs, UnixNowMs(),
                                                state->resource_version));
  if (updated.ok()) return true;
  if (updated.status().code() == ErrorCode::kConflict) return false;
  return updated.status();
}

Status KubeLease::Release(const std::string& holder) {
  std::lock_guard<std::mutex> lock(mu_);
  auto current = client_.Get(Path());
  if (!current.ok())
    return current.status().code() == ErrorCode::kNotFound ? Status::Ok() : current.status();
  auto state = ParseLease(*current);
  if (!state.ok() || state->holder != holder) return Status::Ok();
  auto released = client_.Put(
      Path(), BuildLease(namespace_name_, name_, "", static_cast<int>(duration_.count()), 0,
                         state->resource_version));
  return released.ok() || released.status().code() == ErrorCode::kConflict ? Status::Ok()
                                                                           : released.status();
}

std::string KubeLease::Holder() {
  std::lock_guard<std::mutex> lock(mu_);
  auto current = client_.Get(Path());
  if (!current.ok()) return "";
  auto state = ParseLease(*current);
  return state.ok() && state->Live(UnixNowMs()) ? state->holder : "";
}

}  // namespace rc::agent
