// Value types for hash slots: a contiguous SlotRange and a SlotSet of any
// slots, formatted the way redis-cli and CLUSTER NODES do ("0-5460,5462").
#pragma once

#include <bitset>
#include <string>
#include <string_view>
#include <vector>

#include "common/slot_hash.h"
#include "common/status.h"

namespace rc {

struct SlotRange {
  int first = 0;  // inclusive
  int last = 0;   // inclusive
  int size() const { return last - first + 1; }
  bool operator==(const SlotRange&) const = default;
};

class SlotSet {
 public:
  SlotSet() = default;
  static SlotSet Of(std::initializer_list<SlotRange> ranges);
  // Parses "0-5460,5462" (also space separated). Rejects slots out of range.
  static Result<SlotSet> Parse(std::string_view text);

  // Slots outside [0, kSlotCount) are ignored by Add/AddRange/Remove and never contained
  // (no exception from a computed slot number).
  static bool Valid(int slot) { return slot >= 0 && slot < kSlotCount; }
  void Add(int slot) {
    if (Valid(slot)) bits_.set(static_cast<size_t>(slot));
  }
  void AddRange(SlotRange r);
  void Remove(int slot) {
    if (Valid(slot)) bits_.reset(static_cast<size_t>(slot));
  }
  bool Contains(int slot) const { return Valid(slot) && bits_.test(static_cast<size_t>(slot)); }
  int Count() const { return static_cast<int>(bits_.count()); }
  bool Empty() const { return bits_.none(); }

  void Merge(const SlotSet& other) { bits_ |= other.bits_; }
  SlotSet Minus(const SlotSet& other) const;
  SlotSet Intersect(const SlotSet& other) const;

  std::vector<SlotRange> Ranges() const;
  std::vector<int> Slots() const;
  std::string ToString() const;  // "" when empty

  bool operator==(const SlotSet& o) const { return bits_ == o.bits_; }

 private:
  std::bitset<kSlotCount> bits_;
};

// Splits all 16384 slots into `parts` contiguous ranges whose sizes differ by
// at most one (the first ones get the extra slot), as `redis-cli --cluster create` does.
std::vector<SlotRange> SplitEvenly(int parts);

}  // namespace rc
