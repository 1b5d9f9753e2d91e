#include "agent/sidecar/published_readiness.h"

namespace rc::agent {

void PublishedReadiness::Set(Readiness readiness) {
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(readiness);
}

Readiness PublishedReadiness::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

}  // namespace rc::agent
