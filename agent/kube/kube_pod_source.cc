#include "agent/kube/kube_pod_source.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include "common/log.h"

namespace rc::agent {

HostResolver SystemResolver() {
  return [](const std::string& host) -> std::string {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) return "";
    char buf[INET6_ADDRSTRLEN] = {0};
    if (res->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, buf, sizeof(buf));
    } else if (res->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, buf,
                sizeof(buf));
    }
    freeaddrinfo(res);
    return buf;
  };
}

std::string RbacGrantCommand(const std::string& ns, const std::string& service_account) {
  return "kubectl create rolebinding redis-cluster-agent --clusterrole=redis-cluster-agent "
         "--serviceaccount=" +
         ns + ":" + service_account + " -n " + ns;
}

std::string RbacHint(const KubeDiscoveryOptions& o) {
  return "the agent may not read StatefulSet " + o.statefulset_name + " or its pods in namespace " +
         o.namespace_name +
         "; grant it with: " + RbacGrantCommand(o.namespace_name, o.service_account) +
         " (until then it follows the headless Service's DNS: joins and heals, but cannot tell "
         "a scale-down from a restart, so it never drains)";
}

KubePodSource::KubePodSource(KubeClient& client, KubeDiscoveryOptions options,
                             HostResolver resolver, ApiAnsweredFlag answered)
    : client_(client),
      options_(std::move(options)),
      resolver_(std::move(resolver)),
      answered_(std::move(answered)) {}

Result<PodSnapshot> KubePodSource::Observe() {
  std::string ns = options_.namespace_name;
  auto sts_json =
      client_.Get("/apis/apps/v1/namespaces/" + ns + "/statefulsets/" + options_.statefulset_name);
  if (!sts_json.ok() && sts_json.status().code() == ErrorCode::kPermissionDenied) {
    if (!forbidden_logged_) RC_LOG_WARNING << RbacHint(options_);
    forbidden_logged_ = true;
    return FromDns();
  }
  if (!sts_json.ok()) return sts_json.status();
  auto sts = ParseStatefulSet(*sts_json);
  if (!sts.ok()) return sts.status();
  sts_ = *sts;
  has_sts_ = true;
  auto pods_json = client_.List("/api/v1/namespaces/" + ns + "/pods", sts->LabelSelector());
  if (!pods_json.ok() && pods_json.status().code() == ErrorCode::kPermissionDenied) {
    if (!forbidden_logged_) RC_LOG_WARNING << RbacHint(options_);
    forbidden_logged_ = true;
    return FromDns();
  }
  if (!pods_json.ok()) return pods_json.status();
  auto pods = ParsePodList(*pods_json, sts->name, options_.redis_port);
  if (!pods.ok()) return pods.status();
  FillZones(*pods);
  if (forbidden_logged_) RC_LOG_INFO << "the Kubernetes API answers again: discovery through it";
  forbidden_logged_ = false;
  answered_->store(true);
  PodSnapshot out;
  out.spec_replicas = sts->replicas;
  out.pods = std::move(*pods);
  out.source = "kubernetes API";
  out.statefulset_deleting = sts->deleting;
  out.statuses_known = true;
  out.statefulset = sts->name;
  return out;
}

void KubePodSource::FillZones(std::vector<PodInfo>& pods) {
  for (auto& p : pods) {
    if (p.node_name.empty()) continue;
    auto known = zones_.find(p.node_name);
    if (known == zones_.end() && !nodes_forbidden_) {
      auto node = client_.Get("/api/v1/nodes/" + p.node_name);
      std::string zone;
      if (node.ok()) {
        zone = NodeZone(*node);
      } else if (node.status().code() == ErrorCode::kPermissionDenied) {
        nodes_forbidden_ = true;
        RC_VLOG(1) << "cannot read nodes (cluster-scoped); replicas are spread by node only";
      }
      known = zones_.emplace(p.node_name, zone).first;
    }
    if (known != zones_.end()) p.zone = known->second;
  }
}

Result<PodSnapshot> KubePodSource::FromDns() {
  if (options_.service_name.empty())
    return FailedPrecondition("the API is forbidden and SERVICE_NAME is not set: no discovery");
  PodSnapshot out;
  out.source = "DNS of " + options_.service_name;
  out.api_access_lost = answered_->load();
  for (int i = 0; i < options_.dns_max_ordinal; ++i) {
    std::string name = options_.statefulset_name + "-" + std::to_string(i);
    std::string host = name + "." + options_.service_name + "." + options_.namespace_name +
                       ".svc." + options_.cluster_domain;
    std::string ip = resolver_(host);
    if (ip.empty()) continue;
    PodInfo p;
    p.name = name;
    p.ordinal = i;
    p.ip = ip;
    p.port = options_.redis_port;
    p.ready = true;  // the headless Service publishes ready pods
    out.pods.push_back(p);
    dns_high_water_ = std::max(dns_high_water_, i + 1);
  }
  // DNS cannot tell spec.replicas: never shrink, so no pod is taken for leaving.
  out.spec_replicas = dns_high_water_;
  return out;
}

}  // namespace rc::agent
