#include "webhook/redis_container_injection.h"

#include <algorithm>
#include <set>

#include "webhook/injection_options.h"
#include "webhook/json_merge.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

std::set<std::string> PortNamesInPod(const json& pod_spec) {
  std::set<std::string> names;
  for (const char* list : {"containers", "initContainers"}) {
    auto it = pod_spec.find(list);
    if (it == pod_spec.end() || !it->is_array()) continue;
    for (const json& c : *it) {
      if (!c.is_object() || !c.contains("ports") || !c["ports"].is_array()) continue;
      for (const json& p : c["ports"]) {
        if (p.is_object() && p.contains("name") && p["name"].is_string()) {
          names.insert(p["name"].get<std::string>());
        }
      }
    }
  }
  return names;
}

bool DeclaresPort(const json& container, int number) {
  auto it = container.find("ports");
  if (it == container.end() || !it->is_array()) return false;
  for (const json& p : *it) {
    if (p.is_object() && p.contains("containerPort") && p["containerPort"] == number) return true;
  }
  return false;
}

}  // namespace

std::string PreStopScript(int grace_seconds) {
  int limit = grace_seconds > 10 ? grace_seconds - 10 : 1;
  return std::string("touch ") + kConfigDir + "/prestop; i=0; while [ ! -f " + kConfigDir +
         "/prestop-done ] && [ $i -lt " + std::to_string(limit) +
         " ]; do sleep 1; i=$((i+1)); done";
}

std::vector<std::string> EnsureRedisPorts(json& pod_spec, size_t redis_index) {
  std::vector<std::string> warnings;
  std::set<std::string> taken = PortNamesInPod(pod_spec);
  json& container = pod_spec["containers"][redis_index];
  for (const auto& [number, name] : {std::pair<int, const char*>{kClientPort, "client"},
                                     std::pair<int, const char*>{kClusterBusPort, "cluster-bus"}}) {
    if (DeclaresPort(container, number)) continue;
    json port = {{"containerPort", number}, {"protocol", "TCP"}};
    if (taken.count(name) == 0) {
      port["name"] = name;
      taken.insert(name);
    } else {
      warnings.push_back(std::string("port name ") + name +
                         " is already used by another port in the pod; port " +
                         std::to_string(number) + " was added to container " +
                         StringField(container, "name") + " without a name");
    }
    ArrayAt(container, "ports").push_back(port);
  }
  return warnings;
}

Status EnsureConfigMount(json& container, const std::string& container_field) {
  json& mounts = ArrayAt(container, "volumeMounts");
  for (const json& m : mounts) {
    if (!m.is_object() || StringField(m, "mountPath") != kConfigDir) continue;
    if (StringField(m, "name") == kConfigVolumeName) return Status::Ok();
    return InvalidArgument(container_field + ".volumeMounts mounts volume " +
                           StringField(m, "name") + " at " + kConfigDir +
                           ", which the webhook needs for the " + kConfigVolumeName + " volume");
  }
  mounts.push_back({{"name", kConfigVolumeName}, {"mountPath", kConfigDir}});
  return Status::Ok();
}

void EnsureTlsVolume(json& pod_spec, json& container, const std::optional<std::string>& secret) {
  // In place when present, so a second admission of the same object is no change.
  auto put = [](json& list, const std::optional<json>& want) {
    auto named = [](const json& entry) { return StringField(entry, "name") == kTlsVolumeName; };
    auto it = std::find_if(list.begin(), list.end(), named);
    if (!want) {
      list.erase(std::remove_if(list.begin(), list.end(), named), list.end());
    } else if (it != list.end()) {
      *it = *want;
    } else {
      list.push_back(*want);
    }
  };
  std::optional<json> volume, mount;
  if (secret) {  // else an UPDATE that dropped the annotation drops the volume too
    volume = json{{"name", kTlsVolumeName}, {"secret", {{"secretName", *secret}}}};
    mount = json{{"name", kTlsVolumeName}, {"mountPath", kTlsDir}, {"readOnly", true}};
  }
  put(ArrayAt(pod_spec, "volumes"), volume);
  put(ArrayAt(container, "volumeMounts"), mount);
}

CommandPlan EnsureCommand(json& container, ServerFlavor flavor) {
  CommandPlan plan = PlanCommand(container, flavor);
  if (plan.replace) {
    container["command"] = InjectedCommand(flavor);
    container.erase("args");
  }
  return plan;
}

void EnsureReadinessProbe(json& container) {
  // The probes earlier versions injected (ready as soon as redis listens; the
  // agent's /readyz on its former port) are ours to replace; any other probe
  // is the user's and stays.
  static const json former_tcp = {{"tcpSocket", {{"port", kClientPort}}}, {"periodSeconds", 5}};
  static const json former_port = {
      {"httpGet", {{"path", "/readyz"}, {"port", kFormerAgentHttpPort}}}, {"periodSeconds", 5}};
  if (container.contains("readinessProbe") && container["readinessProbe"].is_object() &&
      container["readinessProbe"] != former_tcp && container["readinessProbe"] != former_port)
    return;
  // Ready means "this node serves its role" (the agent's /readyz: joined, and a
  // replica only once its first sync is done), not "redis listens": a rolling
  // update waits for Ready before it stops the next pod, so a master is never
  // stopped while its only replica is still empty.
  container["readinessProbe"] = {{"httpGet", {{"path", "/readyz"}, {"port", kAgentHttpPort}}},
                                 {"periodSeconds", 5}};
}

std::optional<std::string> EnsurePreStop(json& container, int grace_seconds) {
  const json want = {
      {"exec", {{"command", json::array({"/bin/sh", "-c", PreStopScript(grace_seconds)})}}}};
  json& lifecycle = ObjectAt(container, "lifecycle");
  auto it = lifecycle.find("preStop");
  if (it != lifecycle.end() && Covers(*it, want)) return std::nullopt;
  std::optional<std::string> warning;
  if (it != lifecycle.end() && it->is_object()) {
    const json& pre = *it;
    const json& command = FieldRef(FieldRef(pre, "exec"), "command");
    bool ours = command.is_array() && command.size() == 3 && command[2].is_string() &&
                command[2].get<std::string>().rfind(std::string("touch ") + kConfigDir, 0) == 0;
    if (!ours) {
      warning = "the preStop hook of container " + StringField(container, "name") +
                " was replaced by the drain hand-shake (the agent drains the node before redis "
                "stops)";
    }
  }
  lifecycle["preStop"] = want;
  return warning;
}

}  // namespace rc::webhook
