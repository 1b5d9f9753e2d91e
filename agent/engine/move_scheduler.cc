#include "agent/engine/move_scheduler.h"

#include <algorithm>

namespace rc::engine {

MoveScheduler::MoveScheduler(const Topology& topology, const MigrationPlan& plan,
                             ScheduleOptions options)
    : options_(options) {
  options_.slots_in_flight = std::max(1, options_.slots_in_flight);
  options_.ramp_ratio = std::max(1, options_.ramp_ratio);
  options_.units_per_source = std::max(1, options_.units_per_source);
  for (const auto& m : plan.moves) {
    auto pair = std::find_if(pairs_.begin(), pairs_.end(), [&](const Pair& p) {
      return p.from_id == m.from_id && p.to_id == m.to_id;
    });
    if (pair == pairs_.end())
      pair = pairs_.insert(pairs_.end(), {m.from_id, m.to_id, {}, {}, 0, 0});
    pair->slots.push_back(m.slot);
    pair->keys.push_back(m.keys);
  }
  for (auto& p : pairs_) {  // ascending slots, keys kept beside them
    std::vector<size_t> order(p.slots.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return p.slots[a] < p.slots[b]; });
    std::vector<int> slots;
    std::vector<long long> keys;
    for (size_t i : order) slots.push_back(p.slots[i]), keys.push_back(p.keys[i]);
    p.slots = std::move(slots);
    p.keys = std::move(keys);
  }
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
  size_t best = p.next;
  for (size_t i = p.next; i < p.slots.size(); ++i)
    if (p.keys[i] >= 0 && (p.keys[best] < 0 || p.keys[i] < p.keys[best])) best = i;
  const int slot = p.slots[best];
  const long long keys = p.keys[best];
  p.slots.erase(p.slots.begin() + static_cast<long>(best));
  p.keys.erase(p.keys.begin() + static_cast<long>(best));
  p.slots.insert(p.slots.begin() + static_cast<long>(p.next), slot);
  p.keys.insert(p.keys.begin() + static_cast<long>(p.next), keys);
}

int MoveScheduler::Room(const Target& t, Clock::time_point now, Clock::time_point* retry_at) const {
  if (t.known) return options_.slots_in_flight;
  if (t.moved < options_.introduce_slots) {
    if (t.open > 0) return 0;
    if (now < t.next_open) {
      *retry_at = std::min(*retry_at, t.next_open);
      return 0;
    }
    return 1;
  }
  if (now < t.next_open) {  // the hold after the introduction
    *retry_at = std::min(*retry_at, t.next_open);
    return 0;
  }
  const int cap = std::min(options_.slots_in_flight, std::max(1, t.owned / options_.ramp_ratio));
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
      const size_t n = std::min(p.slots.size() - p.next, static_cast<size_t>(room));
      unit->empty_introduction = introducing && n == 1 && p.keys[p.next] == 0;
      unit->from_id = p.from_id;
      unit->to_id = p.to_id;
      unit->slots.assign(p.slots.begin() + static_cast<long>(p.next),
                         p.slots.begin() + static_cast<long>(p.next + n));
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
    dropped.insert(dropped.end(), p.slots.begin() + static_cast<long>(p.next), p.slots.end());
    p.next = p.slots.size();
  }
  return dropped;
}

int MoveScheduler::SlotsLeft() const {
  int left = 0;
  for (const auto& p : pairs_) left += static_cast<int>(p.slots.size() - p.next);
  return left;
}

}  // namespace rc::engine
