// StaticPodSource: discovery from a JSON file, re-read at every Observe() so a
// test (or an operator outside Kubernetes) can change spec.replicas and the pod
// list while the agents run:
//   {"replicas": 6,
//    "pods": [{"name": "redis-0", "ip": "127.50.0.1", "port": 6379,
//              "node": "host-a", "zone": "z1", "ready": true, "terminating": false}]}
// "ordinal" is taken from the name unless given; "port" defaults to 6379;
// an optional top-level "deleting": true stands for a StatefulSet being deleted.
#pragma once

#include <string>
#include <string_view>

#include "agent/reconcile/pod_source.h"

namespace rc::agent {

// Pure: parses the file's text. Errors name the field that is wrong.
Result<PodSnapshot> ParsePodSnapshotJson(std::string_view text);

class StaticPodSource : public PodSource {
 public:
  explicit StaticPodSource(std::string path) : path_(std::move(path)) {}
  Result<PodSnapshot> Observe() override;

 private:
  std::string path_;
};

}  // namespace rc::agent
