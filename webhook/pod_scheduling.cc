#include "webhook/pod_scheduling.h"

#include "webhook/injection_options.h"
#include "webhook/json_merge.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

constexpr char kRequiredKey[] = "requiredDuringSchedulingIgnoredDuringExecution";
constexpr char kPreferredKey[] = "preferredDuringSchedulingIgnoredDuringExecution";

bool HasCovering(const json& list, const json& want) {
  if (!list.is_array()) return false;
  for (const json& item : list) {
    if (Covers(item, want)) return true;
  }
  return false;
}

}  // namespace

void EnsureAntiAffinity(json& pod_spec, const json& selector, AntiAffinity mode) {
  if (mode == AntiAffinity::kNone) return;
  json label_selector = json::object();
  if (selector.is_object()) {
    for (const char* key : {"matchLabels", "matchExpressions"}) {
      if (selector.contains(key)) label_selector[key] = selector[key];
    }
  }
  const json term = {{"labelSelector", label_selector}, {"topologyKey", "kubernetes.io/hostname"}};
  const json weighted = {{"weight", 100}, {"podAffinityTerm", term}};

  const json& existing_anti = FieldRef(FieldRef(pod_spec, "affinity"), "podAntiAffinity");
  const bool has_required = HasCovering(FieldRef(existing_anti, kRequiredKey), term);
  const bool has_preferred = HasCovering(FieldRef(existing_anti, kPreferredKey), weighted);
  if (mode == AntiAffinity::kPreferred) {
    if (has_required || has_preferred) return;
    json& anti = ObjectAt(ObjectAt(pod_spec, "affinity"), "podAntiAffinity");
    ArrayAt(anti, kPreferredKey).push_back(weighted);
    return;
  }
  if (has_required && !has_preferred) return;
  json& anti = ObjectAt(ObjectAt(pod_spec, "affinity"), "podAntiAffinity");
  if (has_preferred) {
    json kept = json::array();
    for (const json& item : anti[kPreferredKey]) {
      if (!Covers(item, weighted)) kept.push_back(item);
    }
    anti[kPreferredKey] = kept;
    EraseIfEmpty(anti, kPreferredKey);
  }
  if (!has_required) ArrayAt(anti, kRequiredKey).push_back(term);
}

int EnsureGracePeriod(json& pod_spec) {
  auto it = pod_spec.find("terminationGracePeriodSeconds");
  if (it != pod_spec.end() && it->is_number_integer() &&
      it->get<long long>() >= kDefaultGracePeriodSeconds) {
    long long grace = it->get<long long>();
    return grace > 1000000 ? 1000000 : static_cast<int>(grace);
  }
  pod_spec["terminationGracePeriodSeconds"] = kDefaultGracePeriodSeconds;
  return kDefaultGracePeriodSeconds;
}

}  // namespace rc::webhook
