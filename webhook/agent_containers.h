// The two containers the webhook adds to every managed pod, built from the
// StatefulSet's facts: the `redis-cluster-init` init container (renders
// redis.conf into the shared config volume) and the `redis-cluster-agent`
// sidecar (native: restartPolicy Always in initContainers; classic: a regular
// container). Their env, mounts and commands are the agent's stable interface.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "webhook/cluster_policy.h"
#include "webhook/injection_options.h"

namespace rc::webhook {

// What the agent is told about its StatefulSet and redis container.
struct AgentFacts {
  std::string statefulset_name;
  std::string service_name;                           // spec.serviceName
  std::string data_dir = kDefaultDataDir;             // the redis container's data mount path
  std::string redis_image;                            // the redis container's image
  std::optional<std::vector<std::string>> user_args;  // REDIS_USER_ARGS (init only)
  ClusterPolicy policy;
};

// The init container, complete (what the webhook wants it to say).
nlohmann::json BuildInitContainer(const AgentFacts& facts, const InjectionOptions& options);

// The agent sidecar; has `restartPolicy: Always` only in SidecarMode::kNative.
nlohmann::json BuildAgentSidecar(const AgentFacts& facts, const InjectionOptions& options);

// The value of env var `name` in `container`, when it is a literal value.
std::optional<std::string> LiteralEnv(const nlohmann::json& container, const std::string& name);

}  // namespace rc::webhook
