// RangeAssigner: decides *which* slots move, once the planner has decided how
// many each master gives and takes. Pure; no I/O.
//
// What users need from that choice: the slot map stays readable (each master
// owns few contiguous ranges; clients re-read the whole map on every MOVED),
// and the data follows the slots (a receiver gets ordinary slots, never the
// emptiest ones, so its share of the keys matches its share of the slots).
// So slots move in whole runs cut from the edges of the donors' ranges:
//   1. a run whose neighbouring slot belongs to a receiver that still needs
//      slots goes to that receiver (its range grows; no new range, and ranges
//      an earlier scale-out carved off go back where they came from);
//   2. otherwise the receiver that needs the most takes the largest run it
//      can from the edge of a donor's range (one new range for it).
// Among equal choices the run whose keys come closest to the receiver's
// remaining key need wins (when per-slot key counts are known).
//
// Counts come as bands (a master's share is rarely a whole number of slots):
// each donor gives between give_min and give_max, each receiver takes between
// need_min and need_max. Runs are cut to the minimum, except that a whole
// range moves when it fits in the band, so no one-slot remnant is left behind.
#pragma once

#include <vector>

namespace rc::engine {

struct RunMove {
  int first = 0;  // inclusive
  int last = 0;   // inclusive
  int from = 0;   // master index
  int to = 0;     // master index
  bool operator==(const RunMove&) const = default;
};

struct RangeAssignment {
  // owner[slot]: index of the master owning it, or -1 for a slot no
  // participating master owns (never moved, never merged with).
  std::vector<int> owner;
  // Per master index: slots to give away / to receive, as bands (>= 0;
  // sum(give_min) <= sum(need_max) and sum(need_min) <= sum(give_max)).
  std::vector<int> give_min, give_max;
  std::vector<int> need_min, need_max;
  // Per-slot key counts (16384) or empty when unknown.
  std::vector<long long> slot_keys;
  // Per master index: keys it should gain (receivers) so that it ends at its
  // share; used only to choose between otherwise equal runs. May be empty.
  std::vector<long long> key_need;
};

// The runs to move, in the order they were chosen. Every master ends within
// its band; a donor only ever loses runs from the ends of its ranges.
std::vector<RunMove> AssignRuns(RangeAssignment input);

}  // namespace rc::engine
