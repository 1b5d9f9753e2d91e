// Discovery through the Kubernetes API: the StatefulSet (spec.replicas, its
// selector) and its pods (IP, node, readiness, termination). When the API
// says 403 the agent logs ONE line with the exact kubectl command that grants
// the right and falls back to the headless Service's DNS
// (NAME-i.SERVICE.NS.svc.DOMAIN), which cannot tell spec.replicas: then no pod
// is ever taken for leaving (a drain needs the API), only joins and heals.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/kube/kube_objects.h"
#include "agent/reconcile/pod_source.h"
#include "common/kube_client.h"

namespace rc::agent {

struct KubeDiscoveryOptions {
  std::string namespace_name;
  std::string statefulset_name;
  std::string service_name;  // the headless Service (DNS fallback)
  std::string cluster_domain = "cluster.local";
  std::string service_account = "default";  // named in the RBAC hint
  int redis_port = 6379;
  int dns_max_ordinal = 64;  // DNS fallback probes NAME-0..NAME-(max-1)
};

// Resolves a host name to an IPv4/IPv6 address ("" when it does not resolve).
using HostResolver = std::function<std::string(const std::string& host)>;
HostResolver SystemResolver();

// The kubectl command that binds the agent's ClusterRole to `service_account`.
std::string RbacGrantCommand(const std::string& ns, const std::string& service_account);

// The one line printed when the API forbids reading pods or the StatefulSet.
std::string RbacHint(const KubeDiscoveryOptions& options);

// Whether the API has ever answered this agent (shared by the sources of one
// process: the sidecar loop's and the preStop hand-shake's).
using ApiAnsweredFlag = std::shared_ptr<std::atomic<bool>>;

class KubePodSource : public PodSource {
 public:
  // `answered` may be shared with another source of this process; when the
  // API refuses after it once answered, snapshots say api_access_lost.
  KubePodSource(KubeClient& client, KubeDiscoveryOptions options, HostResolver resolver,
                ApiAnsweredFlag answered = std::make_shared<std::atomic<bool>>(false));
  Result<PodSnapshot> Observe() override;
  // The last StatefulSet read (for Events, PDB), when the API allowed it.
  const StatefulSetInfo* statefulset() const { return has_sts_ ? &sts_ : nullptr; }

 private:
  Result<PodSnapshot> FromDns();
  // Zone label of each node the pods run on (topology.kubernetes.io/zone),
  // read once per node; nodes are cluster-scoped, so a 403 stops the lookups.
  void FillZones(std::vector<PodInfo>& pods);

  KubeClient& client_;
  KubeDiscoveryOptions options_;
  HostResolver resolver_;
  ApiAnsweredFlag answered_;
  bool forbidden_logged_ = false;
  bool has_sts_ = false;
  StatefulSetInfo sts_;
  int dns_high_water_ = 0;                    // highest ordinal+1 ever seen in DNS
  std::map<std::string, std::string> zones_;  // node name -> zone ("" none)
  bool nodes_forbidden_ = false;
};

}  // namespace rc::agent
