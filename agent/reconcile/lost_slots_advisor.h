// What the coordinator tells the user when slots stay served by no master and
// no replica can take them over (a master lost with its data, e.g. its pod
// came back with an empty data dir): which slots, whose they were, that their
// keys are gone, and the exact command that serves them again, empty
// (`cover-slots --accept-data-loss`). The agent never accepts the loss itself.
//
// Pure: FindLostSlots reads an Observation; LostSlotsAdvisor decides when to
// speak from the times it is given (a grace period first, since a failover or
// the pod's return may still come; then again only every `repeat`, or when the
// lost slots change), so tests drive it with a fake clock.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/engine/cover/uncovered_slots.h"
#include "agent/reconcile/observation.h"
#include "common/slot_set.h"

namespace rc::agent {

struct LostShard {
  engine::LostOwner owner;
  std::string pod_name;      // the pod that ran it ("" when unknown)
  bool pod_answers = false;  // that pod's redis answers, as another node (came back empty)
};

struct LostSlots {
  SlotSet slots;                  // served by no master, no replica to take over
  SlotSet unowned;                // the part nobody claims at all
  std::vector<LostShard> shards;  // the lost masters that owned the rest
  bool empty() const { return slots.Empty(); }
};

// Node id -> the pod whose redis answered with it, as the coordinator saw
// them: after a pod comes back as a new node on the same IP, redis forgets
// the old node's address ("noaddr"), and only this memory still links the
// old id to its pod.
using PodsByNodeId = std::map<std::string, std::string>;

// Adds every answering node of `obs`; drops ids no node lists any more.
void RememberPods(const Observation& obs, PodsByNodeId* pods);

// The slots of `reference`'s view that only accepting the loss brings back
// (UncoveredSlots::LostForGood: nobody claims them, or the cluster agrees their
// master is gone and no replica of it answers; what cover-slots requires too,
// so the advice is never a command that refuses). Each lost master is matched
// to its pod (by `remembered`, else its announced hostname, else its IP).
LostSlots FindLostSlots(const Observation& obs, const ObservedNode& reference,
                        const PodsByNodeId& remembered = {});

// Where the user runs cover-slots: `kubectl exec POD -n NAMESPACE -c
// redis-cluster-agent -- redis-cluster-agent cover-slots --seed SEED ...`.
struct CoverCommandTarget {
  std::string pod_name;        // the coordinator's pod
  std::string namespace_name;  // "" outside Kubernetes: the bare command
  std::string seed;            // "ip:port" of a cluster member
};

std::string CoverSlotsCommandLine(const CoverCommandTarget& target);

// One warning line: the slots, whose they were, that no replica answers, that
// the keys are lost, and the command to run.
std::string FormatLostSlotsWarning(const LostSlots& lost, std::chrono::seconds uncovered_for,
                                   const CoverCommandTarget& target);

// The same, short enough for an Event's message (the command always fits).
std::string FormatLostSlotsEvent(const LostSlots& lost, const CoverCommandTarget& target);

struct LostSlotsAdvice {
  enum class Kind { kNone, kWarn, kResolved };
  Kind kind = Kind::kNone;
  std::string text;   // kWarn: FormatLostSlotsWarning; kResolved: one info line
  std::string event;  // kWarn: FormatLostSlotsEvent
};

class LostSlotsAdvisor {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::chrono::milliseconds grace{60000};    // say nothing before (a failover may come)
    std::chrono::milliseconds repeat{300000};  // then at most this often, same slots
  };
  LostSlotsAdvisor() = default;
  explicit LostSlotsAdvisor(Options options) : options_(options) {}

  // Called every coordinator loop with what it sees now. kWarn when the lost
  // slots have lasted the grace period and were not yet told (or were told
  // `repeat` ago, or changed since); kResolved once when slots that were told
  // are served again; kNone otherwise.
  LostSlotsAdvice Observe(Clock::time_point now, const LostSlots& lost,
                          const CoverCommandTarget& target);

 private:
  Options options_;
  std::optional<Clock::time_point> since_;
  std::optional<Clock::time_point> said_at_;
  SlotSet said_slots_;
};

}  // namespace rc::agent
