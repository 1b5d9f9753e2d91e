// Discovery: which pods the StatefulSet has and wants. PodSource is abstract so
// the loop runs the same against the Kubernetes API (KubePodSource), the
// headless Service's DNS, or a static file (StaticPodSource, tests and hosts
// outside Kubernetes).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace rc::agent {

struct PodInfo {
  std::string name;       // "redis-3"
  int ordinal = -1;       // 3
  std::string ip;         // "" while the pod has no IP yet
  int port = 6379;        // redis client port
  std::string node_name;  // Kubernetes node ("" unknown)
  std::string zone;       // topology.kubernetes.io/zone of that node ("" unknown)
  bool ready = false;
  bool terminating = false;  // deletionTimestamp set

  std::string Address() const { return ip + ":" + std::to_string(port); }
};

struct PodSnapshot {
  int spec_replicas = 0;              // the StatefulSet's spec.replicas
  std::vector<PodInfo> pods;          // ordered by ordinal
  std::string source;                 // "kubernetes API", "DNS", "static file ..."
  bool statefulset_deleting = false;  // the StatefulSet has a deletionTimestamp
  // The API answered this agent before and now refuses it (401/403): its
  // ServiceAccount or RoleBinding is gone, as when the namespace is deleted.
  bool api_access_lost = false;

  const PodInfo* FindOrdinal(int ordinal) const;
  const PodInfo* FindName(const std::string& name) const;
};

class PodSource {
 public:
  virtual ~PodSource() = default;
  // One look at the StatefulSet and its pods. Errors say what could not be read;
  // kNotFound when the StatefulSet does not exist (any more).
  virtual Result<PodSnapshot> Observe() = 0;
};

// "redis-12" -> 12; -1 when the name has no "-N" suffix.
int OrdinalOfPodName(const std::string& name);

}  // namespace rc::agent
