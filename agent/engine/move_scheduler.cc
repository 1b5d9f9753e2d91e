#include "agent/engine/move_scheduler.h"

#include <algorithm>

namespace rc::engine {

MoveScheduler::MoveScheduler(const Topology& topology, const MigrationPlan& plan,
                             ScheduleOptions options)
    : options_(options) {
  options_.slots_in_flight = std::max(1, options_.slots_in_flight);
  options_.ramp_ratio = std::max(1, options_.ramp_ratio);
  options_.units_per_source = std::max(1, options_.units_per_source);
  options_.units_per_target = std::max(1, options_.units_per_target);
  for (const auto& m : plan.moves) {
    auto pair = std::find_if(pairs_.begin(), pairs_.end(), [&](const Pair& p) {
      return p.from_id == m.from_id && p.to_id == m.to_id;
    });
    if (pair == pairs_.end()) pair = pairs_.insert(pairs_.end(), {m.from_id, m.to_id, {}, 0, 0});
    pair->slots.push_back({m.slot, m.keys});
  }
  for (auto& p : pairs_)
    std::sort(p.slots.begin(), p.slots.end(),
              [](const Pair::Slot& a, const Pair::Slot& b) { return a.slot < b.slot; });
  for (const auto& p : pairs_) {
    if (targets_.count(p.to_id)) continue;
    const ClusterNode* n = topology.FindById(p.to_id);
    Target t;
    t.owned = n ? n->slots.Count() : 0;
    t.known = t.owned > 0;
    targets_[p.to_id] = t;
  }
}

void MoveScheduler::FewestKeysNext(Pair& p) {
  auto first = p.slots.begin() + static_cast<long>(p.next);
  auto best = first;
  for (auto it = first; it != p.slots.end(); ++it)
    if (it->keys >= 0 && (best->keys < 0 || it->keys < best->keys)) best = it;
  std::rotate(first, best, best + 1);
}

int MoveScheduler::MostOpen() const { return options_.slots_in_flight * options_.units_per_target; }

bool MoveScheduler::Ramping(const Target& t) const {
  return !t.known && t.owned / options_.ramp_ratio < MostOpen();
}

int MoveScheduler::Room(const Target& t, Clock::time_point now, Clock::time_point* retry_at) const {
  const int most = MostOpen();
  if (t.known) return std::max(0, most - t.open);
  if (now < t.next_open) {  // the gap after an introductory slot, or the hold after the last
    *retry_at = std::min(*retry_at, t.next_open);
    return 0;
  }
  if (t.moved < options_.introduce_slots) return t.open > 0 ? 0 : 1;
  const int cap = std::min(most, std::max(1, t.owned / options_.ramp_ratio));
  return std::max(0, cap - t.open);
}

MoveScheduler::Step MoveScheduler::Next(Clock::time_point now, MoveUnit* unit,
                                        Clock::time_point* retry_at) {
  *retry_at = Clock::time_point::max();
  bool any_left = false;
  // Pairs nobody works on first, so that workers run distinct pairs.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t k = 0; k < pairs_.size(); ++k) {
      Pair& p = pairs_[(cursor_ + k) % pairs_.size()];
      if (p.next >= p.slots.size()) continue;
      any_left = true;
      if (pass == 0 && p.open_units > 0) continue;
      if (source_units_[p.from_id] >= options_.units_per_source) continue;
      Target& t = targets_[p.to_id];
      const int room = Room(t, now, retry_at);
      if (room <= 0) continue;
      const bool introducing = !t.known && t.moved < options_.introduce_slots;
      if (introducing) FewestKeysNext(p);
      const size_t n = std::min(p.slots.size() - p.next,
                                static_cast<size_t>(std::min(room, options_.slots_in_flight)));
      unit->from_id = p.from_id;
      unit->to_id = p.to_id;
      unit->claim_now = introducing || Ramping(t);
      unit->slots.clear();
      for (size_t i = p.next; i < p.next + n; ++i) unit->slots.push_back(p.slots[i].slot);
      p.next += n;
      p.open_units++;
      source_units_[p.from_id]++;
      t.open += static_cast<int>(n);
      cursor_ = (cursor_ + k + 1) % pairs_.size();
      return Step::kUnit;
    }
  }
  return any_left ? Step::kWait : Step::kDone;
}

void MoveScheduler::Done(const MoveUnit& unit, int moved, Clock::time_point now) {
  for (auto& p : pairs_)
    if (p.from_id == unit.from_id && p.to_id == unit.to_id) p.open_units--;
  source_units_[unit.from_id]--;
  Target& t = targets_[unit.to_id];
  t.open -= static_cast<int>(unit.slots.size());
  t.owned += moved;
  const bool introducing = !t.known && t.moved < options_.introduce_slots;
  t.moved += moved;
  if (introducing)
    t.next_open = now + (t.moved < options_.introduce_slots ? options_.introduce_gap
                                                            : options_.introduce_hold);
}

std::vector<int> MoveScheduler::Drop(const std::string& id) {
  std::vector<int> dropped;
  for (auto& p : pairs_) {
    if (p.from_id != id && p.to_id != id) continue;
    for (; p.next < p.slots.size(); ++p.next) dropped.push_back(p.slots[p.next].slot);
  }
  return dropped;
}

int MoveScheduler::SlotsLeft() const {
  int left = 0;
  for (const auto& p : pairs_) left += static_cast<int>(p.slots.size() - p.next);
  return left;
}

}  // namespace rc::engine
