#include "webhook/data_volume.h"

#include <set>

#include "webhook/injection_options.h"
#include "webhook/json_merge.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

std::set<std::string> ClaimNames(const json& claim_templates) {
  std::set<std::string> names;
  if (!claim_templates.is_array()) return names;
  for (const json& t : claim_templates) {
    if (t.is_object() && t.contains("metadata") && t["metadata"].is_object()) {
      std::string name = StringField(t["metadata"], "name");
      if (!name.empty()) names.insert(name);
    }
  }
  return names;
}

std::string EphemeralWarning(const std::string& volume) {
  return "no volumeClaimTemplates: the redis data lives in the emptyDir volume " + volume +
         ", so deleting a pod loses that node's data; add a volumeClaimTemplate mounted at /data "
         "to keep it";
}

bool IsEmptyDirVolume(const json& pod_spec, const std::string& name) {
  long index = IndexByName(FieldRef(pod_spec, "volumes"), name);
  return index >= 0 && pod_spec["volumes"][static_cast<size_t>(index)].contains("emptyDir");
}

}  // namespace

DataVolume EnsureDataVolume(json& pod_spec, size_t redis_index, const json& claim_templates) {
  const std::set<std::string> claims = ClaimNames(claim_templates);
  json& container = pod_spec["containers"][redis_index];
  json& mounts = ArrayAt(container, "volumeMounts");
  // 1. A mount at /data, whatever backs it.
  for (const json& m : mounts) {
    if (!m.is_object() || StringField(m, "mountPath") != kDefaultDataDir) continue;
    std::string volume = StringField(m, "name");
    DataVolume data{kDefaultDataDir, std::nullopt};
    if (claims.count(volume) == 0 && IsEmptyDirVolume(pod_spec, volume)) {
      data.warning = EphemeralWarning(volume);
    }
    return data;
  }
  // 2. A claim template mounted elsewhere.
  for (const json& m : mounts) {
    if (m.is_object() && claims.count(StringField(m, "name")) > 0) {
      return DataVolume{StringField(m, "mountPath"), std::nullopt};
    }
  }
  // 3. A claim template nobody mounts: mount it at /data.
  if (!claims.empty()) {
    mounts.push_back({{"name", *claims.begin()}, {"mountPath", kDefaultDataDir}});
    return DataVolume{kDefaultDataDir, std::nullopt};
  }
  // 4. Nothing persistent: an emptyDir.
  json& volumes = ArrayAt(pod_spec, "volumes");
  std::string name = "redis-data";
  if (IndexByName(volumes, name) >= 0) name = "redis-cluster-data";
  if (IndexByName(volumes, name) < 0)
    volumes.push_back({{"name", name}, {"emptyDir", json::object()}});
  mounts.push_back({{"name", name}, {"mountPath", kDefaultDataDir}});
  return DataVolume{kDefaultDataDir, EphemeralWarning(name)};
}

}  // namespace rc::webhook
