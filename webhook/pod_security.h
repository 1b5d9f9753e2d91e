// The security context the injected pod runs with: the `restricted` Pod
// Security Standard as a whole, so a namespace that enforces it admits the
// pods. The agent's containers carry their own (agent_containers.cc); this
// file covers the pod and the user's redis container, and leaves either alone
// when the user's template already sets its own.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace rc::webhook {

// The uid and gid of the `redis` user in the official redis and valkey
// images; the pod's fsGroup, so the data volume is writable by the server.
inline constexpr int kRedisUid = 999;

// Sets spec.securityContext (runAsNonRoot, uid/gid/fsGroup 999, seccomp
// RuntimeDefault) when the template has none (or an empty one), and the redis
// container's (no privilege escalation, drop ALL) when it has none. Returns
// a warning when the user's own pod context leaves the pod outside
// `restricted` (no runAsNonRoot or no seccomp profile).
std::optional<std::string> EnsurePodSecurity(nlohmann::json& pod_spec, size_t redis_index);

}  // namespace rc::webhook
