#include "agent/sidecar/static_pod_source.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rc::agent {

Result<PodSnapshot> ParsePodSnapshotJson(std::string_view text) {
  try {
    auto json = nlohmann::json::parse(text);
    if (!json.is_object()) return InvalidArgument("pod list is not a JSON object");
    PodSnapshot out;
    if (!json.contains("replicas") || !json["replicas"].is_number_integer())
      return InvalidArgument("pod list: \"replicas\" (an integer) is missing");
    out.spec_replicas = json["replicas"].get<int>();
    if (out.spec_replicas < 0) return InvalidArgument("pod list: \"replicas\" is negative");
    out.statefulset_deleting = json.value("deleting", false);
    for (const auto& p : json.value("pods", nlohmann::json::array())) {
      PodInfo pod;
      pod.name = p.at("name").get<std::string>();
      pod.ordinal = p.contains("ordinal") ? p["ordinal"].get<int>() : OrdinalOfPodName(pod.name);
      if (pod.ordinal < 0)
        return InvalidArgument("pod list: pod '" + pod.name + "' has no ordinal (name-N)");
      pod.ip = p.value("ip", "");
      pod.port = p.value("port", 6379);
      pod.node_name = p.value("node", "");
      pod.zone = p.value("zone", "");
      pod.ready = p.value("ready", true);
      pod.terminating = p.value("terminating", false);
      out.pods.push_back(std::move(pod));
    }
    std::sort(out.pods.begin(), out.pods.end(),
              [](const PodInfo& a, const PodInfo& b) { return a.ordinal < b.ordinal; });
    return out;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("pod list is not valid: ") + e.what());
  }
}

Result<PodSnapshot> StaticPodSource::Observe() {
  std::ifstream in(path_);
  // Unavailable, not NotFound: kNotFound means "the StatefulSet is gone".
  if (!in) return Unavailable("static pod list " + path_ + " cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  auto snapshot = ParsePodSnapshotJson(ss.str());
  if (!snapshot.ok()) return snapshot.status().WithContext(path_);
  snapshot->source = "static file " + path_;
  return snapshot;
}

}  // namespace rc::agent
