#include "agent/sidecar/cluster_observer.h"

namespace rc::agent {
namespace {

bool InfoSays(const std::string& info, const std::string& line) {
  return info.find(line) != std::string::npos;
}

std::string InfoField(const std::string& info, const std::string& key) {
  size_t pos = info.find(key + ":");
  if (pos == std::string::npos) return "";
  pos += key.size() + 1;
  size_t end = info.find_first_of("\r\n", pos);
  return info.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

}  // namespace

ObservedNode ClusterObserver::ObserveOne(const PodInfo& pod) {
  ObservedNode node;
  node.pod = pod;
  if (pod.ip.empty()) {
    node.error = "pod has no IP yet";
    return node;
  }
  auto connected = connections_.Get(pod.ip, pod.port);
  if (!connected.ok()) {
    node.error = connected.status().message();
    node.auth_refused = connected.status().code() == ErrorCode::kPermissionDenied;
    return node;
  }
  RedisClient* client = *connected;
  auto replies = client->Pipeline(
      {{"CLUSTER", "NODES"}, {"CLUSTER", "INFO"}, {"INFO", "server"}, {"INFO", "replication"}});
  if (!replies.ok()) {
    node.error = replies.status().message();
    connections_.Drop(pod.ip, pod.port);
    return node;
  }
  const auto& nodes = (*replies)[0];
  if (nodes.IsError()) {
    node.error = "CLUSTER NODES: " + nodes.str;
    return node;
  }
  auto topology = Topology::ParseClusterNodes(nodes.str);
  if (!topology.ok()) {
    node.error = topology.status().message();
    return node;
  }
  node.view = std::move(*topology);
  const ClusterNode* me = node.view.Myself();
  if (me == nullptr) {
    node.error = "CLUSTER NODES has no 'myself' line";
    return node;
  }
  node.id = me->id;
  node.reachable = true;
  node.cluster_state_ok = InfoSays((*replies)[1].str, "cluster_state:ok");
  node.version = ParseInfoServer((*replies)[2].str);
  node.run_id = InfoField((*replies)[2].str, "run_id");
  const std::string& replication = (*replies)[3].str;
  if (InfoField(replication, "role") == "slave") {
    node.replicating_from =
        InfoField(replication, "master_host") + ":" + InfoField(replication, "master_port");
    node.replication_link_up = InfoField(replication, "master_link_status") == "up";
  }
  return node;
}

Observation ClusterObserver::Observe(const PodSnapshot& pods) {
  Observation obs;
  obs.spec_replicas = pods.spec_replicas;
  for (const auto& pod : pods.pods) {
    if (pod.ip.empty()) continue;
    obs.nodes.push_back(ObserveOne(pod));
  }
  return obs;
}

}  // namespace rc::agent
