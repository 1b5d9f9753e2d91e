// Edits of the user's redis container: ports, config mount, command, readiness
// probe, preStop hand-shake. Each function edits `pod_spec` (the pod template's
// spec) in place, only where it does not already say what is wanted, and
// returns admission warnings worth showing to the user.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "webhook/redis_container.h"

namespace rc::webhook {

// Adds 6379 `client` and 16379 `cluster-bus` unless the numbers are declared
// (under any name). A name already used elsewhere in the pod is not reused:
// the port is then added unnamed, with a warning.
std::vector<std::string> EnsureRedisPorts(nlohmann::json& pod_spec, size_t redis_index);

// Mounts the shared config volume at /etc/redis-cluster. kInvalidArgument when
// that path is already taken by another volume.
Status EnsureConfigMount(nlohmann::json& container, const std::string& container_field);

// The redis-cluster.io/tls-secret Secret as volume redis-cluster-tls, mounted
// read-only at /etc/redis-cluster-tls in the redis container; none when
// `secret` is empty (removed if an earlier admission added it).
void EnsureTlsVolume(nlohmann::json& pod_spec, nlohmann::json& container,
                     const std::optional<std::string>& secret);

// Applies PlanCommand's decision. Returns the plan (its user_args feed the init
// container's REDIS_USER_ARGS).
CommandPlan EnsureCommand(nlohmann::json& container, ServerFlavor flavor);

// The readiness probe `httpGet /readyz` on the agent's port when the container
// has none (or has the tcpSocket probe earlier versions injected): Ready means
// the node serves its role in the cluster (see agent/reconcile/readiness.h).
void EnsureReadinessProbe(nlohmann::json& container);

// The preStop hand-shake that holds termination until the agent writes
// prestop-done, for at most `grace_seconds - 10` seconds. Returns a warning when
// it replaces a preStop hook of the user's.
std::optional<std::string> EnsurePreStop(nlohmann::json& container, int grace_seconds);

// The exact preStop shell script for a grace period (exposed for tests).
std::string PreStopScript(int grace_seconds);

}  // namespace rc::webhook
