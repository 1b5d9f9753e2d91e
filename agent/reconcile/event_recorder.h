// Kubernetes Events on the StatefulSet for milestones and failures. Abstract
// so the loop runs without the API (static discovery, or RBAC missing).
#pragma once

#include <string>

namespace rc::agent {

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // `reason` is CamelCase ("ClusterCreated"); `message` one line, no secrets.
  virtual void Record(bool warning, const std::string& reason, const std::string& message) = 0;
};

class NoEventRecorder : public EventRecorder {
 public:
  void Record(bool, const std::string&, const std::string&) override {}
};

}  // namespace rc::agent
