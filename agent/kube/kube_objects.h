// Pure readers of the Kubernetes objects the agent looks at (StatefulSet,
// Pod list, Lease, PodDisruptionBudget) and builders of the ones it writes
// (Lease, Event, PodDisruptionBudget). No I/O; nlohmann::json exceptions are
// caught here and returned as Status.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/reconcile/pod_source.h"
#include "common/status.h"

namespace rc::agent {

struct StatefulSetInfo {
  std::string name;
  std::string uid;
  int replicas = 1;                                 // spec.replicas (default 1)
  std::string service_name;                         // spec.serviceName
  std::map<std::string, std::string> match_labels;  // spec.selector.matchLabels
  bool deleting = false;                            // metadata.deletionTimestamp is set
  std::string status_annotation;                    // redis-cluster.io/status ("" none)
  std::string LabelSelector() const;                // "app=redis,tier=cache"
};

Result<StatefulSetInfo> ParseStatefulSet(const nlohmann::json& sts);

// Pods of the StatefulSet `sts_name` (names "<sts_name>-N"), ordered by ordinal.
// `zones` maps node name -> zone when known.
Result<std::vector<PodInfo>> ParsePodList(const nlohmann::json& list, const std::string& sts_name,
                                          int redis_port,
                                          const std::map<std::string, std::string>& zones = {});

// The topology.kubernetes.io/zone label of a Node ("" when absent).
std::string NodeZone(const nlohmann::json& node);

// coordination.k8s.io/v1 Lease.
struct LeaseState {
  std::string holder;
  std::string resource_version;
  long long renew_ms = 0;  // renewTime as Unix ms (0 unknown)
  int duration_seconds = 0;
  bool Live(long long now_ms) const {
    return !holder.empty() && renew_ms + duration_seconds * 1000LL > now_ms;
  }
};
Result<LeaseState> ParseLease(const nlohmann::json& lease);
nlohmann::json BuildLease(const std::string& namespace_name, const std::string& name,
                          const std::string& holder, int duration_seconds, long long now_ms,
                          const std::string& resource_version);

// The wall clock as Unix ms, for the `now_ms` arguments below (the builders
// themselves stay pure: callers read the clock).
inline long long UnixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// RFC 3339 with microseconds, UTC: "2026-11-25T09:30:00.000000Z"; and back (ms).
std::string FormatMicroTime(long long unix_ms);
long long ParseMicroTime(const std::string& text);

// core/v1 Event about the StatefulSet.
nlohmann::json BuildEvent(const std::string& namespace_name, const StatefulSetInfo& sts,
                          const std::string& reporting_pod, bool warning, const std::string& reason,
                          const std::string& message, long long now_ms);

// True when some PodDisruptionBudget of `pdb_list` selects pods with `pod_labels`.
bool AnyPdbSelects(const nlohmann::json& pdb_list,
                   const std::map<std::string, std::string>& pod_labels);
// A policy/v1 PodDisruptionBudget (maxUnavailable 1) owned by the StatefulSet.
nlohmann::json BuildPdb(const std::string& namespace_name, const StatefulSetInfo& sts);

}  // namespace rc::agent
