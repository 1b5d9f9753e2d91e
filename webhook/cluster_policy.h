// The cluster policy a user declares with `redis-cluster.io/` annotations on a
// StatefulSet, parsed and validated in one place: a ClusterPolicy that exists
// is valid. Every rejection names the annotation and the accepted values, in
// one line fit for an admission denial.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"

namespace rc::webhook {

enum class AntiAffinity { kPreferred, kRequired, kNone };

struct ClusterPolicy {
  int replicas_per_master = 1;  // redis-cluster.io/replicas-per-master, 0..5
  AntiAffinity anti_affinity = AntiAffinity::kPreferred;  // redis-cluster.io/anti-affinity
  std::optional<std::string> password_secret;  // redis-cluster.io/password-secret (Secret name)
  std::optional<std::string> extra_config;     // redis-cluster.io/config, normalised lines
  int node_timeout_ms = 5000;                  // redis-cluster.io/node-timeout-ms, 1000..60000
  bool fast_migration = false;                 // redis-cluster.io/migration-speed: gentle|fast
  // redis-cluster.io/tls-secret: a kubernetes.io/tls Secret with ca.crt; every
  // redis connection (clients, bus, replication, the agent) then uses TLS.
  std::optional<std::string> tls_secret;
  std::string tls_auth_clients = "no";  // redis-cluster.io/tls-auth-clients: no|optional|yes

  // The smallest spec.replicas that gives 3 masters with their replicas.
  int MinimumReplicas() const { return 3 * (1 + replicas_per_master); }
};

// Parses metadata.annotations (an object, or null when there are none).
// Annotations outside the `redis-cluster.io/` prefix are ignored, and so is
// the agent-owned `redis-cluster.io/status`; other unknown keys inside the
// prefix are rejected (kInvalidArgument).
Result<ClusterPolicy> ParseClusterPolicy(const nlohmann::json& annotations);

// Validates the `redis-cluster.io/config` value: every non-blank, non-comment
// line is `directive value...`, no control characters, no directive the agent
// owns. Returns the lines trimmed and joined with '\n'.
Result<std::string> ValidateExtraConfig(const std::string& value);

const char* AntiAffinityName(AntiAffinity mode);

}  // namespace rc::webhook
