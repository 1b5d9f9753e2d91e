#include "webhook/mutation.h"

#include <algorithm>

#include "webhook/agent_containers.h"
#include "webhook/cluster_policy.h"
#include "webhook/data_volume.h"
#include "webhook/json_merge.h"
#include "webhook/json_patch.h"
#include "webhook/pod_scheduling.h"
#include "webhook/pod_security.h"
#include "webhook/redis_container.h"
#include "webhook/redis_container_injection.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

// Places `want` in `list` under its name: kept when an existing entry already
// covers it, replaced when it differs, else inserted at `insert_at` (or appended).
void EnsureNamedEntry(json& list, json want, long insert_at = -1) {
  long index = IndexByName(list, want["name"].get<std::string>());
  if (index >= 0) {
    json& have = list[static_cast<size_t>(index)];
    if (!Covers(have, want)) have = std::move(want);
    return;
  }
  if (insert_at < 0 || static_cast<size_t>(insert_at) > list.size()) {
    list.push_back(std::move(want));
  } else {
    list.insert(list.begin() + insert_at, std::move(want));
  }
}

void RemoveNamed(json& pod_spec, const char* list_key, const char* name) {
  auto it = pod_spec.find(list_key);
  if (it == pod_spec.end() || !it->is_array()) return;
  long index = IndexByName(*it, name);
  if (index >= 0) it->erase(static_cast<size_t>(index));
  EraseIfEmpty(pod_spec, list_key);
}

Status CheckReplicas(const json& spec, const ClusterPolicy& policy) {
  long long replicas = 1;
  if (spec.contains("replicas") && !spec["replicas"].is_null()) {
    if (!spec["replicas"].is_number_integer())
      return InvalidArgument("spec.replicas is not an integer");
    replicas = spec["replicas"].get<long long>();
  }
  if (replicas < policy.MinimumReplicas()) {
    return InvalidArgument(
        "spec.replicas is " + std::to_string(replicas) +
        " but redis-cluster.io/replicas-per-master=" + std::to_string(policy.replicas_per_master) +
        " needs at least " + std::to_string(policy.MinimumReplicas()) + " (3 masters, each with " +
        std::to_string(policy.replicas_per_master) +
        (policy.replicas_per_master == 1 ? " replica)" : " replicas)"));
  }
  return Status::Ok();
}

// Structural checks that a later .at()/[] would otherwise trip over.
Status CheckShape(const json& sts) {
  if (!sts.is_object()) return InvalidArgument("request.object is not a StatefulSet object");
  if (!sts.contains("spec") || !sts["spec"].is_object()) return InvalidArgument("spec is missing");
  const json& spec = sts["spec"];
  if (!spec.contains("template") || !spec["template"].is_object() ||
      !spec["template"].contains("spec") || !spec["template"]["spec"].is_object()) {
    return InvalidArgument("spec.template.spec is missing");
  }
  const json& pod = spec["template"]["spec"];
  for (const char* list : {"containers", "initContainers", "volumes"}) {
    if (pod.contains(list) && !pod[list].is_null() && !pod[list].is_array()) {
      return InvalidArgument(std::string("spec.template.spec.") + list + " is not a list");
    }
    if (!pod.contains(list) || !pod[list].is_array()) continue;
    for (const json& item : pod[list]) {
      if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
        return InvalidArgument(std::string("spec.template.spec.") + list +
                               " has an entry without a string name");
      }
      for (const char* sub : {"ports", "volumeMounts", "env"}) {
        if (item.contains(sub) && !item[sub].is_null() && !item[sub].is_array()) {
          return InvalidArgument(std::string("spec.template.spec.") + list + "[" +
                                 item["name"].get<std::string>() + "]." + sub + " is not a list");
        }
      }
      for (const char* sub : {"lifecycle", "readinessProbe"}) {
        if (item.contains(sub) && !item[sub].is_null() && !item[sub].is_object()) {
          return InvalidArgument(std::string("spec.template.spec.") + list + "[" +
                                 item["name"].get<std::string>() + "]." + sub +
                                 " is not an object");
        }
      }
    }
  }
  if (pod.contains("affinity") && !pod["affinity"].is_null() && !pod["affinity"].is_object()) {
    return InvalidArgument("spec.template.spec.affinity is not an object");
  }
  if (sts.contains("metadata") && !sts["metadata"].is_object()) {
    return InvalidArgument("metadata is not an object");
  }
  return Status::Ok();
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kIgnored:
      return "ignored";
    case Outcome::kUnchanged:
      return "unchanged";
    case Outcome::kPatched:
      return "patched";
    case Outcome::kDenied:
      return "denied";
  }
  return "ignored";
}

bool IsManaged(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return false;
  }
  const json& metadata = object["metadata"];
  if (!metadata.contains("labels") || !metadata["labels"].is_object()) return false;
  auto it = metadata["labels"].find(kManagedLabel);
  return it != metadata["labels"].end() && *it == kManagedValue;
}

Result<json> MutateStatefulSet(const json& statefulset, const std::string& operation,
                               const std::string& request_name, const InjectionOptions& options,
                               std::vector<std::string>* warnings) {
  RC_RETURN_IF_ERROR(CheckShape(statefulset));
  const json& metadata = FieldRef(statefulset, "metadata");
  auto policy = ParseClusterPolicy(FieldRef(metadata, "annotations"));
  if (!policy.ok()) return policy.status();
  RC_RETURN_IF_ERROR(CheckReplicas(statefulset["spec"], *policy));
  std::string service_name = StringField(statefulset["spec"], "serviceName");
  if (service_name.empty()) {
    return InvalidArgument(
        "spec.serviceName is empty; want the headless Service that gives the "
        "pods their DNS names (POD.SERVICE.NAMESPACE.svc)");
  }

  json mutated = statefulset;
  json& pod_spec = mutated["spec"]["template"]["spec"];
  auto redis = FindRedisContainer(FieldRef(pod_spec, "containers"));
  if (!redis.ok()) return redis.status();
  const std::string redis_field = "spec.template.spec.containers[" +
                                  StringField(pod_spec["containers"][redis->index], "name") + "]";

  // Pod-level pieces first: they decide values the containers need.
  const int grace = EnsureGracePeriod(pod_spec);
  EnsureAntiAffinity(pod_spec, FieldRef(statefulset["spec"], "selector"), policy->anti_affinity);
  const json config_volume = {{"name", kConfigVolumeName}, {"emptyDir", json::object()}};
  EnsureNamedEntry(ArrayAt(pod_spec, "volumes"), config_volume);
  DataVolume data = EnsureDataVolume(pod_spec, redis->index,
                                     FieldRef(statefulset["spec"], "volumeClaimTemplates"));
  if (data.warning) warnings->push_back(*data.warning);

  // The redis container.
  for (const std::string& w : EnsureRedisPorts(pod_spec, redis->index)) warnings->push_back(w);
  json& redis_container = pod_spec["containers"][redis->index];
  RC_RETURN_IF_ERROR(EnsureConfigMount(redis_container, redis_field));
  EnsureTlsVolume(pod_spec, redis_container, policy->tls_secret);
  if (auto w = EnsurePodSecurity(pod_spec, redis->index)) warnings->push_back(*w);
  CommandPlan command = EnsureCommand(redis_container, redis->flavor);
  if (command.warning) warnings->push_back(*command.warning);
  EnsureReadinessProbe(redis_container);
  if (auto w = EnsurePreStop(redis_container, grace)) warnings->push_back(*w);

  // The agent's containers.
  AgentFacts facts;
  facts.statefulset_name = StringField(metadata, "name");
  if (facts.statefulset_name.empty()) facts.statefulset_name = request_name;
  facts.service_name = service_name;
  facts.data_dir = data.mount_path;
  facts.redis_image = StringField(redis_container, "image");
  facts.policy = *policy;
  facts.user_args = command.user_args;
  json& init_containers = ArrayAt(pod_spec, "initContainers");
  if (command.already_injected) {
    long existing = IndexByName(init_containers, kInitContainerName);
    if (existing >= 0) {
      if (auto args =
              LiteralEnv(init_containers[static_cast<size_t>(existing)], "REDIS_USER_ARGS")) {
        json parsed = json::parse(*args, nullptr, false);
        if (parsed.is_array() && std::all_of(parsed.begin(), parsed.end(),
                                             [](const json& a) { return a.is_string(); })) {
          facts.user_args = parsed.get<std::vector<std::string>>();
        }
      }
    }
  }
  EnsureNamedEntry(init_containers, BuildInitContainer(facts, options),
                   IndexByName(init_containers, kAgentContainerName));
  json sidecar = BuildAgentSidecar(facts, options);
  if (options.sidecar_mode == SidecarMode::kNative) {
    RemoveNamed(pod_spec, "containers", kAgentContainerName);
    EnsureNamedEntry(ArrayAt(pod_spec, "initContainers"), std::move(sidecar));
  } else {
    RemoveNamed(pod_spec, "initContainers", kAgentContainerName);
    EnsureNamedEntry(ArrayAt(pod_spec, "containers"), std::move(sidecar));
  }
  // Other containers that declare the agent's port would collide with it.
  for (const json& c : pod_spec["containers"]) {
    if (StringField(c, "name") == kAgentContainerName || !c.contains("ports")) continue;
    for (const json& p : c["ports"]) {
      if (p.is_object() && FieldRef(p, "containerPort") == kAgentHttpPort) {
        warnings->push_back("container " + StringField(c, "name") + " declares port " +
                            std::to_string(kAgentHttpPort) +
                            ", which the redis-cluster-agent sidecar listens on; move it to "
                            "another port");
      }
    }
  }

  // No warning when overriding OrderedReady: the API server defaults the field
  // before admission, so an explicit choice cannot be told from the default.
  if (operation == "CREATE" && FieldRef(mutated["spec"], "podManagementPolicy") != "Parallel") {
    mutated["spec"]["podManagementPolicy"] = "Parallel";
  }
  return mutated;
}

MutationResult BuildPatch(const AdmissionRequest& request, const InjectionOptions& options) {
  MutationResult result;
  result.response.uid = request.uid;
  const bool is_statefulset = request.kind.group == "apps" && request.kind.version == "v1" &&
                              request.kind.kind == "StatefulSet" && request.sub_resource.empty();
  const bool is_write = request.operation == "CREATE" || request.operation == "UPDATE";
  if (!is_statefulset || !is_write || !IsManaged(request.object)) return result;

  std::vector<std::string> warnings;
  auto mutated =
      MutateStatefulSet(request.object, request.operation, request.name, options, &warnings);
  if (!mutated.ok()) {
    result.outcome = Outcome::kDenied;
    result.response.allowed = false;
    result.response.code = 400;
    result.response.message = "redis-cluster: " + mutated.status().message();
    return result;
  }
  for (std::string& w : warnings) result.response.warnings.push_back("redis-cluster: " + w);
  result.response.patch = DiffToPatch(request.object, std::move(*mutated));
  result.outcome = result.response.patch.empty() ? Outcome::kUnchanged : Outcome::kPatched;
  return result;
}

}  // namespace rc::webhook
