#include "agent/reconcile/pod_waits.h"

namespace rc::agent {
namespace {

// Waiting reasons that pass by themselves while a container starts.
bool TransientReason(const std::string& reason) {
  return reason.empty() || reason == "ContainerCreating" || reason == "PodInitializing";
}

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
  return text;
}

std::string Joined(const std::string& a, const std::string& b) {
  if (a.empty()) return Trimmed(b);
  return b.empty() ? a : a + ": " + Trimmed(b);
}

// What a waiting container says. CrashLoopBackOff's own message names the pod
// and its uid ("back-off 10s restarting failed container=redis pod=redis-3_ns(...)"),
// so the last exit is told instead: identical reasons then group.
std::string ContainerDetail(const PodInfo::WaitingContainer& c) {
  std::string out = "container " + c.name;
  if (c.reason == "CrashLoopBackOff") {
    out += " keeps exiting";
    if (c.last_exit_code >= 0)
      out += " (last exit code " + std::to_string(c.last_exit_code) +
             (c.last_exit_reason.empty() ? "" : ", " + c.last_exit_reason) + ")";
    return out + "; kubectl logs POD -c " + c.name + " --previous tells why";
  }
  return Joined(out, c.message);
}

}  // namespace

std::vector<PodWait> FindPodWaits(const PodSnapshot& snapshot) {
  std::vector<PodWait> out;
  if (!snapshot.statuses_known) return out;
  for (int ordinal = 0; ordinal < snapshot.spec_replicas; ++ordinal) {
    const PodInfo* p = snapshot.FindOrdinal(ordinal);
    PodWait w;
    if (p == nullptr) {
      if (snapshot.statefulset.empty()) continue;
      w.pod = snapshot.statefulset + "-" + std::to_string(ordinal);
      w.state = "missing";
      w.transient = true;  // created in a moment, or after the pods before it (OrderedReady)
      out.push_back(std::move(w));
      continue;
    }
    if (p->terminating) continue;
    w.pod = p->name;
    if (!p->unscheduled_reason.empty() || !p->unscheduled_message.empty()) {
      // What the scheduler's FailedScheduling Event says, as kubectl describe shows it.
      w.state = "Pending";
      std::string reason =
          p->unscheduled_reason == "Unschedulable" ? "FailedScheduling" : p->unscheduled_reason;
      w.detail = Joined(reason, p->unscheduled_message);
      w.transient = p->unscheduled_reason == "SchedulingGated";
      out.push_back(std::move(w));
      continue;
    }
    const PodInfo::WaitingContainer* worst = nullptr;
    for (const auto& c : p->waiting) {
      if (worst == nullptr || (TransientReason(worst->reason) && !TransientReason(c.reason)))
        worst = &c;
    }
    if (worst != nullptr) {
      w.state = (worst->init ? "Init:" : "") + (worst->reason.empty() ? "Waiting" : worst->reason);
      w.detail = TransientReason(worst->reason) ? "" : ContainerDetail(*worst);
      w.transient = TransientReason(worst->reason);
      out.push_back(std::move(w));
      continue;
    }
    if (p->phase == "Failed" || p->phase == "Unknown") {
      w.state = p->phase;
      w.detail = Joined(p->status_reason, p->status_message);
      out.push_back(std::move(w));
      continue;
    }
    if (p->phase == "Pending" || p->phase.empty()) {
      w.state = "Pending";  // not scheduled yet, or its sandbox being made
      w.transient = true;
      out.push_back(std::move(w));
    }
  }
  return out;
}

std::vector<PodWaitGroup> GroupPodWaits(const std::vector<PodWait>& waits) {
  std::vector<PodWaitGroup> groups;
  for (const auto& w : waits) {
    PodWaitGroup* group = nullptr;
    for (auto& g : groups)
      if (g.state == w.state && g.detail == w.detail) group = &g;
    if (group == nullptr) {
      groups.push_back({{}, w.state, w.detail});
      group = &groups.back();
    }
    group->pods.push_back(w.pod);
  }
  return groups;
}

std::string DescribePodWaitGroup(const PodWaitGroup& group) {
  std::string names;
  for (const auto& p : group.pods) names += (names.empty() ? "" : ", ") + p;
  bool one = group.pods.size() == 1;
  std::string out = names;
  if (group.state == "missing") {
    out += one ? " does not exist yet" : " do not exist yet";
    out += " (the StatefulSet controller has not created " + std::string(one ? "it" : "them") +
           "; kubectl describe statefulset tells why)";
    return out;
  }
  bool adjective = group.state == "Pending" || group.state == "Failed" || group.state == "Unknown";
  out += (one ? " is " : " are ") + std::string(adjective ? "" : "in ") + group.state;
  if (!group.detail.empty()) out += ": " + group.detail;
  if (group.detail.find("anti-affinity") != std::string::npos)
    out +=
        " (with redis-cluster.io/anti-affinity: required every pod needs a node of its own: "
        "add nodes, or set the annotation to preferred)";
  return out;
}

std::vector<std::string> PodWaitReporter::Observe(Clock::time_point now,
                                                  const std::vector<PodWait>& waits) {
  std::map<std::string, Clock::time_point> since;
  std::vector<PodWait> due;
  for (const auto& w : waits) {
    std::string key = w.pod + "\n" + w.state + "\n" + w.detail;
    auto seen = since_.find(key);
    Clock::time_point first = seen == since_.end() ? now : seen->second;
    since[key] = first;
    if (!w.transient || now - first >= transient_grace_) due.push_back(w);
  }
  since_ = std::move(since);
  // A line said less than `repeat` ago is remembered even while its group is
  // gone: a container in CrashLoopBackOff is "running" for a moment between
  // back-offs, and that is no news.
  for (auto it = said_.begin(); it != said_.end();)
    it = now - it->second.at >= repeat_ ? said_.erase(it) : std::next(it);
  std::vector<std::string> lines;
  for (const auto& g : GroupPodWaits(due)) {
    std::string key = g.state + "\n" + g.detail;
    auto last = said_.find(key);
    if (last != said_.end() && last->second.pods == g.pods) continue;
    lines.push_back(DescribePodWaitGroup(g));
    said_[key] = {g.pods, now};
  }
  return lines;
}

}  // namespace rc::agent
