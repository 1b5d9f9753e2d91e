#include "agent/reconcile/election.h"

namespace rc::agent {

bool WantsToCoordinate(int self_ordinal, const PodSnapshot& pods,
                       std::chrono::milliseconds pod0_missing_for,
                       std::chrono::milliseconds lease_duration) {
  if (self_ordinal == 0) return true;
  const PodInfo* pod0 = pods.FindOrdinal(0);
  if (pod0 != nullptr && pod0->ready && !pod0->terminating) return false;
  if (pod0_missing_for < lease_duration) return false;
  for (const auto& p : pods.pods) {
    if (!p.ready || p.terminating || p.ordinal >= pods.spec_replicas) continue;
    return p.ordinal == self_ordinal;  // pods are ordered: the first ready one
  }
  return false;
}

}  // namespace rc::agent
