#include "webhook/agent_containers.h"

#include "webhook/json_merge.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

json FieldEnv(const char* name, const char* field_path) {
  return {{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", field_path}}}}}};
}

json LiteralEnvVar(const char* name, const std::string& value) {
  return {{"name", name}, {"value", value}};
}

// The env both agent containers get, in a fixed order.
json CommonEnv(const AgentFacts& facts) {
  json env = json::array({
      FieldEnv("POD_NAME", "metadata.name"),
      FieldEnv("POD_NAMESPACE", "metadata.namespace"),
      FieldEnv("POD_IP", "status.podIP"),
      FieldEnv("NODE_NAME", "spec.nodeName"),
      LiteralEnvVar("SERVICE_NAME", facts.service_name),
      LiteralEnvVar("STATEFULSET_NAME", facts.statefulset_name),
      LiteralEnvVar("REDIS_CLUSTER_REPLICAS_PER_MASTER",
                    std::to_string(facts.policy.replicas_per_master)),
      LiteralEnvVar("REDIS_CLUSTER_NODE_TIMEOUT_MS", std::to_string(facts.policy.node_timeout_ms)),
  });
  if (facts.policy.extra_config) {
    env.push_back(LiteralEnvVar("REDIS_CLUSTER_EXTRA_CONFIG", *facts.policy.extra_config));
  }
  if (facts.policy.password_secret) {
    env.push_back({{"name", "REDIS_PASSWORD"},
                   {"valueFrom",
                    {{"secretKeyRef", {{"name", *facts.policy.password_secret}, {"key", "password"}}}}}});
  }
  env.push_back(LiteralEnvVar("REDIS_DATA_DIR", facts.data_dir));
  env.push_back(LiteralEnvVar("REDIS_IMAGE", facts.redis_image));
  return env;
}

// Passes the `restricted` Pod Security Standard.
json RestrictedSecurityContext() {
  return {{"runAsNonRoot", true},
          {"runAsUser", 65532},
          {"runAsGroup", 65532},
          {"allowPrivilegeEscalation", false},
          {"readOnlyRootFilesystem", true},
          {"capabilities", {{"drop", json::array({"ALL"})}}},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

json ConfigMount() {
  return json::array({{{"name", kConfigVolumeName}, {"mountPath", kConfigDir}}});
}

}  // namespace

json BuildInitContainer(const AgentFacts& facts, const InjectionOptions& options) {
  json env = CommonEnv(facts);
  if (facts.user_args) env.push_back(LiteralEnvVar("REDIS_USER_ARGS", json(*facts.user_args).dump()));
  return {{"name", kInitContainerName},
          {"image", options.agent_image},
          {"imagePullPolicy", "IfNotPresent"},
          {"command", json::array({kAgentBinary})},
          {"args", json::array({"init"})},
          {"env", env},
          {"volumeMounts", ConfigMount()},
          {"resources",
           {{"requests", {{"cpu", "10m"}, {"memory", "16Mi"}}}, {"limits", {{"memory", "64Mi"}}}}},
          {"securityContext", RestrictedSecurityContext()}};
}

json BuildAgentSidecar(const AgentFacts& facts, const InjectionOptions& options) {
  json sidecar = {
      {"name", kAgentContainerName},
      {"image", options.agent_image},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", json::array({kAgentBinary})},
      {"args", json::array({"run"})},
      {"env", CommonEnv(facts)},
      {"ports",
       json::array({{{"name", "agent-http"}, {"containerPort", kAgentHttpPort}, {"protocol", "TCP"}}})},
      {"livenessProbe",
       {{"httpGet", {{"path", "/healthz"}, {"port", kAgentHttpPort}}},
        {"periodSeconds", 10},
        {"failureThreshold", 3}}},
      {"volumeMounts", ConfigMount()},
      {"resources",
       {{"requests", {{"cpu", "20m"}, {"memory", "32Mi"}}}, {"limits", {{"memory", "128Mi"}}}}},
      {"securityContext", RestrictedSecurityContext()}};
  if (options.sidecar_mode == SidecarMode::kNative) sidecar["restartPolicy"] = "Always";
  return sidecar;
}

std::optional<std::string> LiteralEnv(const json& container, const std::string& name) {
  auto env = container.find("env");
  if (env == container.end() || !env->is_array()) return std::nullopt;
  for (const json& var : *env) {
    if (var.is_object() && StringField(var, "name") == name && var.contains("value") &&
        var["value"].is_string()) {
      return var["value"].get<std::string>();
    }
  }
  return std::nullopt;
}

}  // namespace rc::webhook
