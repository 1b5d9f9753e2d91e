#include "agent/reconcile/pod_source.h"

namespace rc::agent {

int OrdinalOfPodName(const std::string& name) {
  size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash + 1 >= name.size()) return -1;
  int value = 0;
  for (size_t i = dash + 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || value > 100000) return -1;
    value = value * 10 + (name[i] - '0');
  }
  return value;
}

const PodInfo* PodSnapshot::FindOrdinal(int ordinal) const {
  for (const auto& p : pods)
    if (p.ordinal == ordinal) return &p;
  return nullptr;
}

const PodInfo* PodSnapshot::FindName(const std::string& name) const {
  for (const auto& p : pods)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace rc::agent
