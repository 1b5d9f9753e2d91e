// The coordinator's one-line summary on its StatefulSet, readable without
// exec: `kubectl get sts NAME -o jsonpath='{.metadata.annotations.redis-cluster\.io/status}'`.
//   masters=3 replicas=3 slots=16384/16384 balanced=yes last="rebalance: moved ..."
//   at=2026-12-07T10:00:00Z
// Written with a JSON merge PATCH only when the line changes (and at most once
// per `min_interval`), so the API server is not written to every loop. The
// webhook accepts the annotation and leaves it alone (agent-owned).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "agent/kube/kube_events.h"
#include "common/kube_client.h"
#include "common/topology.h"

namespace rc::agent {

inline constexpr char kStatusAnnotation[] = "redis-cluster.io/status";

struct ClusterSummary {
  int masters = 0;       // masters serving slots
  int replicas = 0;      // replicas not failed
  int slots_served = 0;  // slots a live master serves (of 16384)
  bool balanced = false;
  std::string last;       // the last action done, one line ("" none yet)
  long long last_ms = 0;  // when it finished, Unix ms
};

// Masters serving slots, replicas not failed and the slots live masters
// serve, per `view` (last and balanced are left to the caller).
ClusterSummary SummarizeView(const Topology& view);

// The annotation's text. Without a `last` of its own, the `last=... at=...`
// tail of `previous` (the annotation as the StatefulSet carries it, e.g. from
// the coordinator before a failover) is kept, so it is not lost.
std::string BuildStatusLine(const ClusterSummary& summary, const std::string& previous = "");

// RFC 3339 to the second, UTC: "2026-12-07T10:00:00Z".
std::string FormatStatusTime(long long unix_ms);

class StatusAnnotation {
 public:
  struct Options {
    std::chrono::milliseconds min_interval{5000};  // between two writes
    std::chrono::milliseconds retry_after{60000};  // after a refused write
  };
  StatusAnnotation(KubeClient& client, std::string namespace_name, StatefulSetGetter sts,
                   Options options);
  StatusAnnotation(KubeClient& client, std::string namespace_name, StatefulSetGetter sts)
      : StatusAnnotation(client, std::move(namespace_name), std::move(sts), Options()) {}

  // The annotation the StatefulSet carries ("" none or unknown).
  std::string Current() const;
  // Writes `line` unless the StatefulSet already carries it, it was the last
  // line written, or the last write was under `min_interval` ago (a later
  // call writes it then). Returns true when it wrote.
  bool Publish(const std::string& line, std::chrono::steady_clock::time_point now);

 private:
  KubeClient& client_;
  std::string namespace_name_;
  StatefulSetGetter sts_;
  Options options_;
  std::string written_;  // the last line the API accepted
  std::optional<std::chrono::steady_clock::time_point> last_attempt_;
  bool last_failed_ = false;
  std::string last_error_;
};

}  // namespace rc::agent
