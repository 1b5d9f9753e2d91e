// Who coordinates: pod-0 whenever it runs and is ready; when pod-0 has been
// gone longer than the lease duration, the lowest ready ordinal takes over
// until pod-0 is back. Pure: the loop tracks how long pod-0 has been missing.
#pragma once

#include <chrono>

#include "agent/reconcile/pod_source.h"

namespace rc::agent {

bool WantsToCoordinate(int self_ordinal, const PodSnapshot& pods,
                       std::chrono::milliseconds pod0_missing_for,
                       std::chrono::milliseconds lease_duration);

}  // namespace rc::agent
