// Scheduling edits of the pod template: hostname anti-affinity between this
// StatefulSet's pods, merged with whatever affinity the user already has, and
// a termination grace period long enough to drain a node.
#pragma once

#include <nlohmann/json.hpp>

#include "webhook/cluster_policy.h"

namespace rc::webhook {

// `selector` is the StatefulSet's spec.selector; the term selects those pods on
// topologyKey kubernetes.io/hostname. kPreferred: a weight-100 preferred term
// (unless an equal required term exists); kRequired: a required term (an equal
// preferred term is dropped as redundant); kNone: nothing is added. Node
// affinity, pod affinity and other terms are kept.
void EnsureAntiAffinity(nlohmann::json& pod_spec, const nlohmann::json& selector,
                        AntiAffinity mode);

// Sets terminationGracePeriodSeconds to 300 unless the user set a larger one;
// returns the resulting grace period.
int EnsureGracePeriod(nlohmann::json& pod_spec);

}  // namespace rc::webhook
