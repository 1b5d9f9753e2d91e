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

  // What Kubernetes says about it (from the API only; empty from DNS or a file),
  // for telling why it does not run (pod_waits.h).
  std::string phase;                // status.phase: "Pending", "Running", "Failed" ...
  std::string status_reason;        // status.reason ("Evicted")
  std::string status_message;       // status.message
  std::string unscheduled_reason;   // condition PodScheduled=False: its reason ("Unschedulable")
  std::string unscheduled_message;  // ... and message ("0/3 nodes are available: ...")
  struct WaitingContainer {
    std::string name;
    bool init = false;   // an initContainerStatuses entry (init container or native sidecar)
    std::string reason;  // state.waiting.reason ("CrashLoopBackOff", "ErrImagePull" ...)
    std::string message;
    int last_exit_code = -1;  // lastState.terminated.exitCode (-1 none)
    std::string last_exit_reason;
  };
  std::vector<WaitingContainer> waiting;  // containers in state "waiting", init ones first

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
  // The pods' Kubernetes status fields were read (the API; not DNS or a file).
  bool statuses_known = false;
  std::string statefulset;  // its name, when read from the API (pods are "<name>-N")

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
