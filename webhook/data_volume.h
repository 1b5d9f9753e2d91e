// Where the redis container keeps its data. The user's volumeClaimTemplates
// when present (mounted at /data when no container mount uses them yet), else
// an emptyDir named `redis-data` plus a warning that deleting a pod then loses
// that node's data.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace rc::webhook {

struct DataVolume {
  std::string mount_path;              // REDIS_DATA_DIR for the agent
  std::optional<std::string> warning;  // set when the data is ephemeral
};

// Edits `pod_spec` (adds a mount and maybe an emptyDir volume) when needed.
// `claim_templates` is the StatefulSet's spec.volumeClaimTemplates (or null).
DataVolume EnsureDataVolume(nlohmann::json& pod_spec, size_t redis_index,
                            const nlohmann::json& claim_templates);

}  // namespace rc::webhook
