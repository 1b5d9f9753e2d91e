// Which slots no live master serves, and why: a pure reading of a
// ClusterView. Both `cover-slots` (to decide and refuse) and the
// coordinator (to tell the user what is wrong and what to run) use it.
//
// A slot is uncovered when nobody claims it, or when its owner is a master
// that does not answer or that the seed marks failed (fail, fail? or noaddr).
// Such a master is a LostOwner; whether its slots can still come back (it
// answers after all, or a replica of it answers and may take over) is
// recorded, not judged: the callers decide.
#pragma once

#include <string>
#include <vector>

#include "agent/engine/cluster_view.h"
#include "common/slot_set.h"

namespace rc::engine {

struct LostOwner {
  std::string id;
  std::string address;   // as the seed knows it ("" when noaddr / unknown)
  std::string hostname;  // its cluster-announce-hostname ("" when not announced)
  SlotSet slots;
  bool marked_fail = false;    // the seed flags it "fail"
  bool marked_pfail = false;   // the seed flags it "fail?" only (not agreed yet)
  bool marked_noaddr = false;  // "noaddr": its address answers as another node
  bool answers = false;        // it answers under its own id (not lost, then)
  // The id now answering at its address (its pod came back empty), "" when
  // nothing is known to answer there.
  std::string replaced_by;
  std::vector<std::string> live_replicas;  // addresses of its replicas that answer

  // The cluster agrees it is gone: "fail", or "noaddr" (redis never fails a
  // node whose address answers as another one), or replaced.
  bool Gone() const { return !answers && (marked_fail || marked_noaddr || !replaced_by.empty()); }
  // Gone, and no replica of it answers: only accepting the loss brings its
  // slots back (what cover-slots requires, and what the coordinator advises on).
  bool LostForGood() const { return Gone() && live_replicas.empty(); }
};

struct UncoveredSlots {
  SlotSet slots;                  // every slot no live master serves
  SlotSet unowned;                // the part of `slots` nobody claims at all
  std::vector<LostOwner> owners;  // the masters that own the rest, by first slot

  bool empty() const { return slots.Empty(); }
  // Slots only accepting the loss can bring back: unowned ones, and those of
  // owners LostForGood().
  SlotSet LostForGood() const;
};

UncoveredSlots FindUncoveredSlots(const ClusterView& view);

// "10923-16383 (5461 slots)" for log lines, ranges cut after `max_chars`.
std::string DescribeSlots(const SlotSet& slots, size_t max_chars = 120);

}  // namespace rc::engine
