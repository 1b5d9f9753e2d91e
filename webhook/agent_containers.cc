#include "webhook/agent_containers.h"

#include "webhook/json_merge.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

json LiteralEnvVar(const char* name, const std::string& value) {
  json var = json::object();
  var.emplace("name", name);
  var.emplace("value", value);
  return var;
}

// The parts that never change, built once (copying a json is far cheaper
// than building it from initializer lists on every admission).
struct Templates {
  json downward_env;  // POD_NAME, POD_NAMESPACE, POD_IP, NODE_NAME, POD_SERVICE_ACCOUNT
  json init;          // the init container without image and env
  json sidecar;       // the sidecar without image, env and restartPolicy
};

const Templates& GetTemplates() {
  static const Templates templates = [] {
    auto field_env = [](const char* name, const char* path) {
      return json{{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", path}}}}}};
    };
    // Passes the `restricted` Pod Security Standard.
    const json security = {{"runAsNonRoot", true},
                           {"runAsUser", 65532},
                           {"runAsGroup", 65532},
                           {"allowPrivilegeEscalation", false},
                           {"readOnlyRootFilesystem", true},
                           {"capabilities", {{"drop", json::array({"ALL"})}}},
                           {"seccompProfile", {{"type", "RuntimeDefault"}}}};
    const json mounts = json::array({{{"name", kConfigVolumeName}, {"mountPath", kConfigDir}}});
    Templates t;
    t.downward_env = json::array(
        {field_env("POD_NAME", "metadata.name"), field_env("POD_NAMESPACE", "metadata.namespace"),
         field_env("POD_IP", "status.podIP"), field_env("NODE_NAME", "spec.nodeName"),
         field_env("POD_SERVICE_ACCOUNT", "spec.serviceAccountName")});
    t.init = {
        {"name", kInitContainerName},
        {"imagePullPolicy", "IfNotPresent"},
        {"command", json::array({kAgentBinary})},
        {"args", json::array({"init"})},
        {"volumeMounts", mounts},
        {"resources",
         {{"requests", {{"cpu", "10m"}, {"memory", "16Mi"}}}, {"limits", {{"memory", "64Mi"}}}}},
        {"securityContext", security}};
    t.sidecar = {
        {"name", kAgentContainerName},
        {"imagePullPolicy", "IfNotPresent"},
        {"command", json::array({kAgentBinary})},
        {"args", json::array({"run"})},
        {"ports",
         json::array(
             {{{"name", "agent-http"}, {"containerPort", kAgentHttpPort}, {"protocol", "TCP"}}})},
        {"livenessProbe",
         {{"httpGet", {{"path", "/healthz"}, {"port", kAgentHttpPort}}},
          {"periodSeconds", 10},
          {"failureThreshold", 3}}},
        {"volumeMounts", mounts},
        {"resources",
         {{"requests", {{"cpu", "20m"}, {"memory", "32Mi"}}}, {"limits", {{"memory", "128Mi"}}}}},
        {"securityContext", security}};
    return t;
  }();
  return templates;
}

// The env both agent containers get, in a fixed order.
json CommonEnv(const AgentFacts& facts) {
  json env = GetTemplates().downward_env;
  env.push_back(LiteralEnvVar("SERVICE_NAME", facts.service_name));
  env.push_back(LiteralEnvVar("STATEFULSET_NAME", facts.statefulset_name));
  env.push_back(LiteralEnvVar("REDIS_CLUSTER_REPLICAS_PER_MASTER",
                              std::to_string(facts.policy.replicas_per_master)));
  env.push_back(
      LiteralEnvVar("REDIS_CLUSTER_NODE_TIMEOUT_MS", std::to_string(facts.policy.node_timeout_ms)));
  if (facts.policy.fast_migration)
    env.push_back(LiteralEnvVar("REDIS_CLUSTER_MIGRATION_SPEED", "fast"));
  if (facts.policy.extra_config) {
    env.push_back(LiteralEnvVar("REDIS_CLUSTER_EXTRA_CONFIG", *facts.policy.extra_config));
  }
  if (facts.policy.password_secret) {
    env.push_back(
        {{"name", "REDIS_PASSWORD"},
         {"valueFrom",
          {{"secretKeyRef", {{"name", *facts.policy.password_secret}, {"key", "password"}}}}}});
  }
  if (facts.policy.tls_secret) {
    env.push_back(LiteralEnvVar("REDIS_CLUSTER_TLS_DIR", kTlsDir));
    if (facts.policy.tls_auth_clients != "no")
      env.push_back(LiteralEnvVar("REDIS_CLUSTER_TLS_AUTH_CLIENTS", facts.policy.tls_auth_clients));
  }
  env.push_back(LiteralEnvVar("REDIS_DATA_DIR", facts.data_dir));
  env.push_back(LiteralEnvVar("REDIS_IMAGE", facts.redis_image));
  return env;
}

// The Secret's files, read-only, where the agent and redis expect them.
void MountTls(json& container, const AgentFacts& facts) {
  if (!facts.policy.tls_secret) return;
  container["volumeMounts"].push_back(
      {{"name", kTlsVolumeName}, {"mountPath", kTlsDir}, {"readOnly", true}});
}

}  // namespace

json BuildInitContainer(const AgentFacts& facts, const InjectionOptions& options) {
  json container = GetTemplates().init;
  container["image"] = options.agent_image;
  MountTls(container, facts);
  json& env = container["env"] = CommonEnv(facts);
  if (facts.user_args)
    env.push_back(LiteralEnvVar("REDIS_USER_ARGS", json(*facts.user_args).dump()));
  return container;
}

json BuildAgentSidecar(const AgentFacts& facts, const InjectionOptions& options) {
  json sidecar = GetTemplates().sidecar;
  sidecar["image"] = options.agent_image;
  MountTls(sidecar, facts);
  sidecar["env"] = CommonEnv(facts);
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
