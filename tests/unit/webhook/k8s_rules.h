// The Kubernetes validation rules that matter for an injected StatefulSet,
// checked the way the API server would (a subset of apps/v1 and core/v1
// validation): unique container, port, env and volume names; port names are
// IANA service names of at most 15 characters; every volumeMount names a
// volume or a claim template; restartPolicy only on init containers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rc::webhook::testing {

// Returns one line per violation, empty when the StatefulSet is valid.
std::vector<std::string> ValidateStatefulSet(const nlohmann::json& statefulset);

}  // namespace rc::webhook::testing
