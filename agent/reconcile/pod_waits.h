// Why the coordinator waits for pods, in Kubernetes' own words: the staying
// pods (ordinal < spec.replicas) Kubernetes does not run, and the reason it
// gives (PodScheduled=False, a container waiting in CrashLoopBackOff or
// ImagePullBackOff, the pod Failed, the pod not created yet), grouped by
// identical reason:
//
//   redis-3, redis-4, redis-5 are Pending: FailedScheduling: 0/3 nodes are
//   available: 3 node(s) didn't match pod anti-affinity rules.
//
// FindPodWaits and GroupPodWaits are pure; PodWaitReporter decides when to say
// a group (once when it first appears or its pods change, then at most every
// `repeat`, also when it comes and goes, as a crash loop does; states that
// usually pass by themselves, as ContainerCreating, only once they have
// lasted `transient_grace`), from the time it is given.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "agent/reconcile/pod_source.h"

namespace rc::agent {

struct PodWait {
  std::string pod;     // "redis-3"
  std::string state;   // "Pending", "CrashLoopBackOff", "Init:ErrImagePull", "Failed", "missing"
  std::string detail;  // "FailedScheduling: 0/3 nodes are available: ..." ("" none)
  bool transient = false;  // usually passes by itself (ContainerCreating, just created)
};

// One entry per staying pod that Kubernetes does not run, by ordinal. Nothing
// when the snapshot does not come from the API (statuses unknown), for
// terminating pods (a restart or a drain is under way) and for leaving ones.
std::vector<PodWait> FindPodWaits(const PodSnapshot& snapshot);

struct PodWaitGroup {
  std::vector<std::string> pods;  // in the order met
  std::string state;
  std::string detail;
};

// Pods with the same state and detail together, groups in order of their first pod.
std::vector<PodWaitGroup> GroupPodWaits(const std::vector<PodWait>& waits);

// One line: "redis-3, redis-4 are Pending: FailedScheduling: ...", with a hint
// when Kubernetes' reason has an obvious fix on our side (anti-affinity).
std::string DescribePodWaitGroup(const PodWaitGroup& group);

class PodWaitReporter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit PodWaitReporter(std::chrono::milliseconds repeat = std::chrono::minutes(1),
                           std::chrono::milliseconds transient_grace = std::chrono::seconds(30))
      : repeat_(repeat), transient_grace_(transient_grace) {}

  // The lines to say now (each also an Event), given this loop's waits.
  std::vector<std::string> Observe(Clock::time_point now, const std::vector<PodWait>& waits);

 private:
  struct Said {
    std::vector<std::string> pods;
    Clock::time_point at;
  };
  std::chrono::milliseconds repeat_;
  std::chrono::milliseconds transient_grace_;
  std::map<std::string, Clock::time_point> since_;  // pod + state + detail -> first seen
  std::map<std::string, Said> said_;                // state + detail -> said < repeat_ ago
};

}  // namespace rc::agent
