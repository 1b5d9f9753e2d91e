#include "agent/engine/range_assigner.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <tuple>
#include <utility>

namespace rc::engine {
namespace {

struct Candidate {
  bool merges = false;
  int run_first = 0;  // the donor range the run is cut from
  int amount = 0;
  long long key_error = 0;
  RunMove move;
  // Merging choices the run's range and the receiver have (set for merges):
  // the most constrained go first, so that no range is left without the
  // neighbour it could have joined.
  int range_choices = 0;
  int receiver_choices = 0;
  bool optional = false;  // the receiver needs no more (it may take a slot, to merge)

  // Merging runs first, to receivers that still need slots, the most
  // constrained first, then the largest, then the closest to the key need,
  // then the lowest donor and slot.
  auto Key() const {
    return std::make_tuple(!merges, optional, range_choices, receiver_choices, -amount, key_error,
                           move.from, move.first, move.to);
  }
};

int At(const std::vector<int>& v, int m) { return v[static_cast<size_t>(m)]; }

long long Sum(const std::vector<int>& v) {
  long long sum = 0;
  for (int x : v) sum += x;
  return sum;
}

class Assigner {
 public:
  explicit Assigner(RangeAssignment in) : in_(std::move(in)) {
    prefix_.assign(in_.owner.size() + 1, 0);
    for (size_t s = 0; s < in_.owner.size(); ++s)
      prefix_[s + 1] = prefix_[s] + (in_.slot_keys.empty() ? 0 : std::max(0LL, in_.slot_keys[s]));
  }

  std::vector<RunMove> Run() {
    std::vector<RunMove> out;
    while (Sum(in_.give_min) > 0 || Sum(in_.need_min) > 0) {
      std::vector<Candidate> candidates = Candidates();
      std::map<int, int> per_range, per_receiver;
      for (const auto& c : candidates)
        if (c.merges) per_range[c.run_first]++, per_receiver[c.move.to]++;
      const Candidate* best = nullptr;
      for (auto& c : candidates) {
        if (c.merges)
          c.range_choices = per_range[c.run_first], c.receiver_choices = per_receiver[c.move.to];
        if (!best || c.Key() < best->Key()) best = &c;
      }
      if (!best) break;  // cannot happen while the bands are feasible
      Apply(best->move);
      out.push_back(best->move);
    }
    return out;
  }

 private:
  // Every run that may move now: both ends of every donor range, to the
  // receiver beside it (a merge) or else to the neediest receiver.
  std::vector<Candidate> Candidates() const {
    std::vector<Candidate> out;
    const int n = static_cast<int>(in_.owner.size());
    const int neediest = Neediest();
    for (int s = 0; s < n;) {
      const int d = in_.owner[static_cast<size_t>(s)];
      int e = s;
      while (e + 1 < n && in_.owner[static_cast<size_t>(e + 1)] == d) ++e;
      if (d >= 0 && At(in_.give_max, d) > 0) {
        const int below = s > 0 ? in_.owner[static_cast<size_t>(s - 1)] : -1;
        const int above = e + 1 < n ? in_.owner[static_cast<size_t>(e + 1)] : -1;
        for (bool low : {true, false}) {
          const int neighbour = low ? below : above;
          const bool merges = neighbour >= 0 && At(in_.need_max, neighbour) > 0;
          const int to = merges ? neighbour : neediest;
          if (to < 0 || to == d) continue;
          // Only moves someone's minimum asks for; extra slots ride along
          // only to take a whole range.
          if (At(in_.give_min, d) == 0 && At(in_.need_min, to) == 0) continue;
          Candidate c;
          if (Make(d, to, s, e, low, merges, &c)) out.push_back(c);
        }
      }
      s = e + 1;
    }
    return out;
  }

  // The receiver that lacks the most (its minimum first, then its maximum;
  // lowest index on ties), or -1 when nobody can take a slot.
  int Neediest() const {
    int best = -1;
    for (int m = 0; m < static_cast<int>(in_.need_max.size()); ++m) {
      if (At(in_.need_max, m) <= 0) continue;
      if (best < 0 || std::make_pair(At(in_.need_min, m), At(in_.need_max, m)) >
                          std::make_pair(At(in_.need_min, best), At(in_.need_max, best)))
        best = m;
    }
    return best;
  }

  // The most `from` may give `to` so that every band can still be met: what
  // is left to give at most must cover what is left to take at least, and
  // the other way round.
  int Allowed(int from, int to) const {
    const long long gmax = Sum(in_.give_max), gmin = Sum(in_.give_min);
    const long long nmax = Sum(in_.need_max), nmin = Sum(in_.need_min);
    long long a = std::min(At(in_.give_max, from), At(in_.need_max, to));
    a = std::min(a, gmax - nmin + At(in_.need_min, to));
    a = std::min(a, nmax - gmin + At(in_.give_min, from));
    return static_cast<int>(std::max(0LL, a));
  }

  bool Make(int from, int to, int s, int e, bool low, bool merges, Candidate* c) const {
    const int size = e - s + 1;
    const int allowed = Allowed(from, to);
    if (allowed <= 0) return false;
    // The minimum either side asks for, or the whole range when it fits.
    int amount = std::max(At(in_.give_min, from), At(in_.need_min, to));
    amount = std::min({amount, allowed, size});
    if (size <= allowed) amount = size;
    c->merges = merges;
    c->optional = At(in_.need_min, to) == 0;
    c->run_first = s;
    c->amount = amount;
    c->move = {low ? s : e - amount + 1, low ? s + amount - 1 : e, from, to};
    if (!in_.slot_keys.empty() && !in_.key_need.empty()) {
      const long long keys = KeysIn(c->move);
      const long long want =
          in_.key_need[static_cast<size_t>(to)] * amount / std::max(At(in_.need_min, to), amount);
      c->key_error = std::llabs(keys - want);
    }
    return true;
  }

  long long KeysIn(const RunMove& m) const {
    return prefix_[static_cast<size_t>(m.last + 1)] - prefix_[static_cast<size_t>(m.first)];
  }

  void Apply(const RunMove& m) {
    const int amount = m.last - m.first + 1;
    for (int s = m.first; s <= m.last; ++s) in_.owner[static_cast<size_t>(s)] = m.to;
    auto take = [amount](std::vector<int>& v, int i) {
      v[static_cast<size_t>(i)] = std::max(0, v[static_cast<size_t>(i)] - amount);
    };
    take(in_.give_min, m.from);
    take(in_.give_max, m.from);
    take(in_.need_min, m.to);
    take(in_.need_max, m.to);
    if (!in_.key_need.empty()) in_.key_need[static_cast<size_t>(m.to)] -= KeysIn(m);
  }

  RangeAssignment in_;
  std::vector<long long> prefix_;  // prefix sums of slot_keys
};

}  // namespace

std::vector<RunMove> AssignRuns(RangeAssignment input) { return Assigner(std::move(input)).Run(); }

}  // namespace rc::engine
