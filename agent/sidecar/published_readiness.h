// What /readyz answers: the loop's last judgement (JudgeReadiness,
// agent/reconcile/readiness.h) of whether this pod's redis serves its role,
// with its reason. Thread-safe: the loop writes it, the health server's
// threads read it.
#pragma once

#include <mutex>

#include "agent/reconcile/readiness.h"

namespace rc::agent {

class PublishedReadiness {
 public:
  void Set(Readiness readiness);
  // Not ready until the loop has looked at this pod's redis once.
  Readiness Get() const;

 private:
  mutable std::mutex mu_;
  Readiness current_{false, "the agent has not looked at this pod's redis yet"};
};

}  // namespace rc::agent
