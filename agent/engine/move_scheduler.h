// MoveScheduler: hands the engine's workers the next group of slots to move,
// sized so that no client sees an error. Pure: the caller passes the time.
//
// Why: a client learns a node it has never seen from a MOVED reply or from a
// fresh slot map, not from ASK. Some clients (redis-py 4.3, redis-py#2432)
// fail the command when an ASK names a node they do not know yet. Slots with
// few keys move whole (whole_slot_move.h) and never produce an ASK; a slot
// too big for that is open, and answers ASK, while its keys move. So toward
// a node that owned nothing when the move started the scheduler
//   1. introduces it: its first `introduce_slots` slots go one at a time,
//      `introduce_gap` apart, the slots of the run with the fewest keys first
//      (they are the ones that fit a whole move), so that clients meet the
//      node through MOVED before any slot toward it is open;
//   2. holds: nothing opens toward it for `introduce_hold`, while every
//      client that touches one of those slots learns it (a client at 1000
//      ops/s meets one of 64 slots ~4 times a second);
//   3. then ramps: slots open toward it at once stay at most 1/`ramp_ratio`
//      of the slots it already owns (up to `units_per_target` groups of
//      `slots_in_flight`), so a client that still does not know it meets a
//      MOVED to it far more often than an ASK. Units of 1 and 3 claim their
//      slots before they end (MoveUnit::claim_now): a slot left for the
//      next batch of claims has its keys on the target and answers ASK, so
//      it still counts as open.
// Only a slot too big to move whole can still send an ASK to a client that
// never touched the new node's slots during 1 and 2; with whole moves off,
// every slot can. Measured before whole moves with
// tests/integration/engine/real_clients_test.cc (ten scale-outs, redis-py
// flat out): redis-py failed once in about one of three CI runs, on an ASK
// for an introductory slot that was open.
// Targets that owned slots when the move started are known to every client
// and get up to `units_per_target` groups of `slots_in_flight` at once.
// Several small groups at once, rather than one big group, because what a
// client risks is the time each slot stays open (it answers ASK meanwhile):
// a group keeps all of its slots open until the last key of the group has
// moved, so that time grows with the group, not with the number of groups.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "agent/engine/planner.h"
#include "common/topology.h"

namespace rc::engine {

struct ScheduleOptions {
  int slots_in_flight = 4;                         // largest group opened at once
  int introduce_slots = 64;                        // first slots to a new node, one at a time
  std::chrono::milliseconds introduce_gap{5};      // pause after each of them
  std::chrono::milliseconds introduce_hold{2000};  // pause after the last of them
  int ramp_ratio = 64;  // open slots toward a new node <= owned / ramp_ratio
  // Units moved at once out of one source: MIGRATE blocks the source for its
  // clients, and two units' MIGRATEs back to back block it twice as long.
  int units_per_source = 1;
  // Groups open at once toward one target (EngineOptions::units_per_target).
  int units_per_target = 1;
};

struct MoveUnit {
  std::string from_id;
  std::string to_id;
  std::vector<int> slots;  // ascending, all from_id -> to_id
  // Claim the slots before the unit ends, not with the next batch of claims
  // (EngineOptions::claim_gap_ms): a new target's first slots and its ramp.
  // A slot whose keys have moved answers ASK until claimed, so the ramp's
  // bound only holds when the slots it counts as owned are claimed.
  bool claim_now = false;
};

class MoveScheduler {
 public:
  using Clock = std::chrono::steady_clock;

  // `plan` moves slots between masters of `topology` (what owned what when
  // the move started).
  MoveScheduler(const Topology& topology, const MigrationPlan& plan, ScheduleOptions options);

  enum class Step { kUnit, kWait, kDone };
  // The next unit, kWait (try again at *retry_at or when a unit is Done), or
  // kDone when every slot has been handed out.
  Step Next(Clock::time_point now, MoveUnit* unit, Clock::time_point* retry_at);
  // A unit handed out by Next ended; `moved` of its slots now belong to its target.
  void Done(const MoveUnit& unit, int moved, Clock::time_point now);

  // Takes back every slot not handed out yet of the pairs from or to `id`
  // (a node that cannot be reached) and returns them.
  std::vector<int> Drop(const std::string& id);

  int SlotsLeft() const;  // not handed out yet

 private:
  struct Pair {
    std::string from_id, to_id;
    struct Slot {
      int slot = 0;
      long long keys = -1;  // the plan's count, -1 unknown
    };
    std::vector<Slot> slots;  // ascending; those from `next` on are left to hand out
    size_t next = 0;
    int open_units = 0;
  };
  struct Target {
    bool known = false;  // owned slots when the move started
    int owned = 0;       // slots it owns now (start + moved)
    int moved = 0;       // slots moved to it in this run
    int open = 0;        // slots open toward it (handed out, not done)
    Clock::time_point next_open{};
  };
  // Puts the not yet handed out slot of `p` with the fewest known keys at
  // p.next (the order of the rest is kept).
  static void FewestKeysNext(Pair& p);
  // Slots open at once toward one target, at most.
  int MostOpen() const;
  // A new target still below that cap (owned / ramp_ratio): its units claim at once.
  bool Ramping(const Target& t) const;
  // How many slots may open toward `t` now (0: none yet).
  int Room(const Target& t, Clock::time_point now, Clock::time_point* retry_at) const;

  ScheduleOptions options_;
  std::vector<Pair> pairs_;
  std::map<std::string, Target> targets_;
  std::map<std::string, int> source_units_;  // units open per source id
  size_t cursor_ = 0;                        // round-robin start over pairs_
};

}  // namespace rc::engine
