#include "agent/kube/kube_objects.h"

#include <cstdio>
#include <ctime>

namespace rc::agent {

std::string StatefulSetInfo::LabelSelector() const {
  std::string out;
  for (const auto& [k, v] : match_labels) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

Result<StatefulSetInfo> ParseStatefulSet(const nlohmann::json& sts) {
  try {
    StatefulSetInfo out;
    out.name = sts.at("metadata").at("name").get<std::string>();
    out.uid = sts["metadata"].value("uid", "");
    out.deleting = sts["metadata"].contains("deletionTimestamp") &&
                   !sts["metadata"]["deletionTimestamp"].is_null();
    const auto& annotations = sts["metadata"].value("annotations", nlohmann::json::object());
    if (annotations.is_object() && annotations.contains("redis-cluster.io/status") &&
        annotations["redis-cluster.io/status"].is_string())
      out.status_annotation = annotations["redis-cluster.io/status"].get<std::string>();
    const auto& spec = sts.at("spec");
    out.replicas = spec.value("replicas", 1);
    out.service_name = spec.value("serviceName", "");
    if (spec.contains("selector") && spec["selector"].contains("matchLabels"))
      for (const auto& [k, v] : spec["selector"]["matchLabels"].items())
        out.match_labels[k] = v.get<std::string>();
    if (out.match_labels.empty())
      return InvalidArgument("StatefulSet " + out.name + " has no spec.selector.matchLabels");
    return out;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("StatefulSet object is not what was expected: ") + e.what());
  }
}

namespace {

// A string field of `obj`, "" when absent or not a string (the API omits empty ones).
std::string Text(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

void ParseContainerStatuses(const nlohmann::json& list, bool init, PodInfo* p) {
  if (!list.is_array()) return;
  for (const auto& c : list) {
    if (!c.contains("state") || !c["state"].contains("waiting")) continue;
    const auto& waiting = c["state"]["waiting"];
    PodInfo::WaitingContainer w;
    w.name = Text(c, "name");
    w.init = init;
    w.reason = Text(waiting, "reason");
    w.message = Text(waiting, "message");
    if (c.contains("lastState") && c["lastState"].contains("terminated")) {
      const auto& last = c["lastState"]["terminated"];
      w.last_exit_code = last.value("exitCode", -1);
      w.last_exit_reason = Text(last, "reason");
    }
    p->waiting.push_back(std::move(w));
  }
}

void ParsePodStatus(const nlohmann::json& status, PodInfo* p) {
  p->ip = Text(status, "podIP");
  p->phase = Text(status, "phase");
  p->status_reason = Text(status, "reason");
  p->status_message = Text(status, "message");
  for (const auto& c : status.value("conditions", nlohmann::json::array())) {
    std::string type = Text(c, "type");
    if (type == "Ready") p->ready = Text(c, "status") == "True";
    if (type == "PodScheduled" && Text(c, "status") == "False") {
      p->unscheduled_reason = Text(c, "reason");
      p->unscheduled_message = Text(c, "message");
    }
  }
  if (status.contains("initContainerStatuses"))
    ParseContainerStatuses(status["initContainerStatuses"], true, p);
  if (status.contains("containerStatuses"))
    ParseContainerStatuses(status["containerStatuses"], false, p);
}

}  // namespace

Result<std::vector<PodInfo>> ParsePodList(const nlohmann::json& list, const std::string& sts_name,
                                          int redis_port,
                                          const std::map<std::string, std::string>& zones) {
  try {
    std::vector<PodInfo> out;
    for (const auto& pod : list.value("items", nlohmann::json::array())) {
      PodInfo p;
      p.name = pod.at("metadata").at("name").get<std::string>();
      if (p.name.rfind(sts_name + "-", 0) != 0) continue;
      p.ordinal = OrdinalOfPodName(p.name);
      if (p.ordinal < 0 || p.name != sts_name + "-" + std::to_string(p.ordinal)) continue;
      p.port = redis_port;
      p.terminating = pod["metadata"].contains("deletionTimestamp") &&
                      !pod["metadata"]["deletionTimestamp"].is_null();
      if (pod.contains("spec")) p.node_name = pod["spec"].value("nodeName", "");
      if (pod.contains("status")) ParsePodStatus(pod["status"], &p);
      auto zone = zones.find(p.node_name);
      if (zone != zones.end()) p.zone = zone->second;
      out.push_back(std::move(p));
    }
    std::sort(out.begin(), out.end(),
              [](const PodInfo& a, const PodInfo& b) { return a.ordinal < b.ordinal; });
    return out;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("pod list is not what was expected: ") + e.what());
  }
}

std::string NodeZone(const nlohmann::json& node) {
  if (!node.contains("metadata") || !node["metadata"].contains("labels")) return "";
  const auto& labels = node["metadata"]["labels"];
  auto it = labels.find("topology.kubernetes.io/zone");
  return it != labels.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string FormatMicroTime(long long unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                (unix_ms % 1000) * 1000);
  return buf;
}

long long ParseMicroTime(const std::string& text) {
  std::tm tm{};
  int frac_len = 0;
  long long frac = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    return 0;
  size_t dot = text.find('.');
  if (dot != std::string::npos) {
    for (size_t i = dot + 1; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]));
         ++i) {
      if (frac_len < 3) {
        frac = frac * 10 + (text[i] - '0');
        ++frac_len;
      }
    }
    while (frac_len < 3) {
      frac *= 10;
      ++frac_len;
    }
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<long long>(timegm(&tm)) * 1000 + frac;
}

Result<LeaseState> ParseLease(const nlohmann::json& lease) {
  try {
    LeaseState out;
    out.resource_version = lease.at("metadata").value("resourceVersion", "");
    if (lease.contains("spec")) {
      const auto& spec = lease["spec"];
      if (spec.contains("holderIdentity") && spec["holderIdentity"].is_string())
        out.holder = spec["holderIdentity"].get<std::string>();
      out.duration_seconds = spec.value("leaseDurationSeconds", 0);
      if (spec.contains("renewTime") && spec["renewTime"].is_string())
        out.renew_ms = ParseMicroTime(spec["renewTime"].get<std::string>());
    }
    return out;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("Lease object is not what was expected: ") + e.what());
  }
}

nlohmann::json BuildLease(const std::string& namespace_name, const std::string& name,
                          const std::string& holder, int duration_seconds, long long now_ms,
                          const std::string& resource_version) {
  nlohmann::json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                          {"kind", "Lease"},
                          {"metadata", {{"name", name}, {"namespace", namespace_name}}},
                          {"spec",
                           {{"holderIdentity", holder},
                            {"leaseDurationSeconds", duration_seconds},
                            {"renewTime", FormatMicroTime(now_ms)}}}};
  if (!resource_version.empty()) lease["metadata"]["resourceVersion"] = resource_version;
  return lease;
}

nlohmann::json BuildEvent(const std::string& namespace_name, const StatefulSetInfo& sts,
                          const std::string& reporting_pod, bool warning, const std::string& reason,
                          const std::string& message, long long now_ms) {
  std::string ts = FormatMicroTime(now_ms);
  std::string seconds_ts = ts.substr(0, 19) + "Z";
  nlohmann::json involved = {{"apiVersion", "apps/v1"},
                             {"kind", "StatefulSet"},
                             {"name", sts.name},
                             {"namespace", namespace_name}};
  if (!sts.uid.empty()) involved["uid"] = sts.uid;
  return {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"generateName", sts.name + "-redis-cluster-"}, {"namespace", namespace_name}}},
      {"involvedObject", involved},
      {"reason", reason},
      {"message", message.substr(0, 1000)},
      {"type", warning ? "Warning" : "Normal"},
      {"source", {{"component", "redis-cluster-agent"}, {"host", reporting_pod}}},
      {"reportingComponent", "redis-cluster-agent"},
      {"reportingInstance", reporting_pod},
      {"firstTimestamp", seconds_ts},
      {"lastTimestamp", seconds_ts},
      {"count", 1}};
}

bool AnyPdbSelects(const nlohmann::json& pdb_list,
                   const std::map<std::string, std::string>& pod_labels) {
  for (const auto& pdb : pdb_list.value("items", nlohmann::json::array())) {
    if (!pdb.contains("spec") || !pdb["spec"].contains("selector")) continue;
    const auto& selector = pdb["spec"]["selector"];
    if (selector.contains("matchExpressions") && !selector["matchExpressions"].empty())
      return true;  // cannot evaluate every operator here: assume the user meant these pods
    if (!selector.contains("matchLabels") || !selector["matchLabels"].is_object()) continue;
    const nlohmann::json& match = selector["matchLabels"];
    bool all = !match.empty();
    for (auto it = match.begin(); it != match.end(); ++it) {
      auto label = pod_labels.find(it.key());
      all = all && it.value().is_string() && label != pod_labels.end() &&
            label->second == it.value().get<std::string>();
    }
    if (all) return true;
  }
  return false;
}

nlohmann::json BuildPdb(const std::string& namespace_name, const StatefulSetInfo& sts) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : sts.match_labels) labels[k] = v;
  nlohmann::json owner = {
      {"apiVersion", "apps/v1"}, {"kind", "StatefulSet"},       {"name", sts.name},
      {"uid", sts.uid},          {"blockOwnerDeletion", false}, {"controller", false}};
  return {{"apiVersion", "policy/v1"},
          {"kind", "PodDisruptionBudget"},
          {"metadata",
           {{"name", sts.name + "-redis-cluster"},
            {"namespace", namespace_name},
            {"labels", {{"app.kubernetes.io/managed-by", "redis-cluster-agent"}}},
            {"ownerReferences", nlohmann::json::array({owner})}}},
          {"spec", {{"maxUnavailable", 1}, {"selector", {{"matchLabels", labels}}}}}};
}

}  // namespace rc::agent
