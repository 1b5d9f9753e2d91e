#include "common/slot_set.h"

#include <algorithm>
#include <charconv>

namespace rc {
namespace {

bool ParseSlot(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto res = std::from_chars(s.data(), s.data() + s.size(), *out);
  return res.ec == std::errc() && res.ptr == s.data() + s.size() && *out >= 0 && *out < kSlotCount;
}

}  // namespace

SlotSet SlotSet::Of(std::initializer_list<SlotRange> ranges) {
  SlotSet set;
  for (const auto& r : ranges) set.AddRange(r);
  return set;
}

Result<SlotSet> SlotSet::Parse(std::string_view text) {
  SlotSet set;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find_first_of(", ", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    auto dash = item.find('-');
    int first = 0, last = 0;
    if (dash == std::string_view::npos) {
      if (!ParseSlot(item, &first)) return InvalidArgument("bad slot '" + std::string(item) + "'");
      last = first;
    } else if (!ParseSlot(item.substr(0, dash), &first) ||
               !ParseSlot(item.substr(dash + 1), &last) || last < first) {
      return InvalidArgument("bad slot range '" + std::string(item) + "'");
    }
    set.AddRange({first, last});
  }
  return set;
}

void SlotSet::AddRange(SlotRange r) {
  int first = std::max(r.first, 0), last = std::min(r.last, kSlotCount - 1);
  for (int s = first; s <= last; ++s) bits_.set(static_cast<size_t>(s));
}

SlotSet SlotSet::Minus(const SlotSet& other) const {
  SlotSet out = *this;
  out.bits_ &= ~other.bits_;
  return out;
}

SlotSet SlotSet::Intersect(const SlotSet& other) const {
  SlotSet out = *this;
  out.bits_ &= other.bits_;
  return out;
}

std::vector<SlotRange> SlotSet::Ranges() const {
  std::vector<SlotRange> ranges;
  int s = 0;
  while (s < kSlotCount) {
    if (!Contains(s)) {
      ++s;
      continue;
    }
    int first = s;
    while (s + 1 < kSlotCount && Contains(s + 1)) ++s;
    ranges.push_back({first, s});
    ++s;
  }
  return ranges;
}

std::vector<int> SlotSet::Slots() const {
  std::vector<int> out;
  out.reserve(static_cast<size_t>(Count()));
  for (int s = 0; s < kSlotCount; ++s)
    if (Contains(s)) out.push_back(s);
  return out;
}

std::string SlotSet::ToString() const {
  std::string out;
  for (const auto& r : Ranges()) {
    if (!out.empty()) out.push_back(',');
    out += std::to_string(r.first);
    if (r.last != r.first) out += "-" + std::to_string(r.last);
  }
  return out;
}

std::vector<SlotRange> SplitEvenly(int parts) {
  std::vector<SlotRange> out;
  if (parts <= 0) return out;
  int base = kSlotCount / parts, extra = kSlotCount % parts, next = 0;
  for (int i = 0; i < parts; ++i) {
    int size = base + (i < extra ? 1 : 0);
    out.push_back({next, next + size - 1});
    next += size;
  }
  return out;
}

}  // namespace rc
