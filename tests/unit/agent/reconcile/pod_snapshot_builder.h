// PodSnapshots for election tests: pods "redis-N" by ordinal, each ready or not.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/reconcile/pod_source.h"

namespace rc::agent::testing {

inline PodSnapshot PodsByReadiness(const std::vector<std::pair<int, bool>>& ordinal_ready,
                                   int spec_replicas) {
  PodSnapshot s;
  s.spec_replicas = spec_replicas;
  for (auto [o, ready] : ordinal_ready) {
    PodInfo p;
    p.name = "redis-" + std::to_string(o);
    p.ordinal = o;
    p.ready = ready;
    s.pods.push_back(p);
  }
  return s;
}

}  // namespace rc::agent::testing
