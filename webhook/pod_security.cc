#include "webhook/pod_security.h"

#include "webhook/json_merge.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

bool Unset(const json& object, const char* field) {
  auto it = object.find(field);
  return it == object.end() || it->is_null() || (it->is_object() && it->empty());
}

}  // namespace

std::optional<std::string> EnsurePodSecurity(json& pod_spec, size_t redis_index) {
  std::optional<std::string> warning;
  if (Unset(pod_spec, "securityContext")) {
    pod_spec["securityContext"] = {{"runAsNonRoot", true},
                                   {"runAsUser", kRedisUid},
                                   {"runAsGroup", kRedisUid},
                                   {"fsGroup", kRedisUid},
                                   {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  } else if (pod_spec["securityContext"].is_object()) {
    const json& own = pod_spec["securityContext"];
    if (FieldRef(own, "runAsNonRoot") != true || Unset(own, "seccompProfile")) {
      warning =
          "spec.template.spec.securityContext is the template's own and was kept; without "
          "runAsNonRoot: true and a seccompProfile the pods do not pass the restricted Pod "
          "Security Standard";
    }
  }
  json& redis = pod_spec["containers"][redis_index];
  if (Unset(redis, "securityContext")) {
    redis["securityContext"] = {{"allowPrivilegeEscalation", false},
                                {"capabilities", {{"drop", json::array({"ALL"})}}}};
  }
  return warning;
}

}  // namespace rc::webhook
