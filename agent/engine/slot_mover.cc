#include "agent/engine/slot_mover.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "agent/engine/key_mover.h"
#include "agent/engine/whole_slot_move.h"
#include "common/log.h"

namespace rc::engine {
namespace {

// CLUSTER SETSLOT <slot> <verb> <id> for every slot, one round trip.
Result<std::vector<RedisReply>> SetSlots(RedisClient& client, const std::vector<int>& slots,
                                         const char* verb, const std::string& node_id) {
  std::vector<RedisCommand> cmds;
  cmds.reserve(slots.size());
  for (int s : slots) cmds.push_back({"CLUSTER", "SETSLOT", std::to_string(s), verb, node_id});
  return client.Pipeline(cmds);
}

long long InfoNumber(const std::string& text, const std::string& field) {
  auto pos = text.find(field + ":");
  if (pos == std::string::npos) pos = text.find(field + " ");  // "BUMPED 12" / "STILL 12"
  if (pos == std::string::npos) return -1;
  return std::atoll(text.c_str() + pos + field.size() + 1);
}

// The node's own config epoch and the highest epoch it knows of (CLUSTER
// INFO); -1 each when they cannot be read.
struct Epochs {
  long long mine = -1;
  long long current = -1;
};
Epochs EpochsOf(RedisClient& node) {
  auto info = node.Command({"CLUSTER", "INFO"});
  if (!info.ok() || info->IsError()) return {};
  return {InfoNumber(info->str, "cluster_my_epoch"),
          InfoNumber(info->str, "cluster_current_epoch")};
}

// Makes the target's config epoch higher than the source's, so that its
// claims win over the source's everywhere: a ping from the source, which
// still claims the slots until its own SETSLOT NODE, can then never take a
// slot back from the target (redis would delete the slot's keys there).
//
// The source's epoch must also stay where it is. Redis resolves two masters
// holding the same epoch by bumping the one with the smaller node id: had a
// target bumped into a source's epoch, that source could jump above its own
// targets mid-move. So a target only bumps once it has learned `floor`, the
// highest epoch any master held when the moves began: its new epoch is then
// above every source's. BUMPEPOCH only bumps when the target does not
// already hold the highest epoch it knows of. False when the target does not
// get there within 3 s (it has not learned the epochs by gossip).
bool RaiseEpochAbove(RedisClient& target, long long source_epoch, long long floor) {
  if (source_epoch < 0) return false;
  floor = std::max(floor, source_epoch);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (true) {
    const Epochs epochs = EpochsOf(target);
    if (epochs.current < 0) return false;
    if (epochs.current >= floor) {
      if (epochs.mine > source_epoch) return true;
      auto r = target.Command({"CLUSTER", "BUMPEPOCH"});
      if (!r.ok() || r->IsError()) return false;
      if (InfoNumber(r->str, r->str.rfind("BUMPED", 0) == 0 ? "BUMPED" : "STILL") > source_epoch)
        return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// True the first time this process asks about `address` (log once per node).
bool FirstTimeFor(const std::string& address) {
  static std::mutex mu;
  static std::set<std::string> seen;
  std::lock_guard<std::mutex> lock(mu);
  return seen.insert(address).second;
}

std::string SlotError(int slot, const std::string& what) {
  return "slot " + std::to_string(slot) + ": " + what;
}

}  // namespace

SlotGroupMover::SlotGroupMover(ConnectionCache& connections, const EngineOptions& options,
                               std::vector<MasterAddress> masters, MoveShared& shared)
    : connections_(connections), options_(options), masters_(std::move(masters)), shared_(shared) {}

std::vector<int> SlotGroupMover::ClaimEverywhere(const MasterAddress& source,
                                                 const MasterAddress& target, RedisClient& d,
                                                 const std::vector<int>& slots,
                                                 ClaimBroadcast broadcast, GroupResult* result) {
  if (slots.empty()) return {};
  // On the target, SETSLOT NODE of an IMPORTING slot bumps its epoch (when it
  // does not hold the highest already: a config save with fsync) and sends a
  // PONG to every node: ~1 ms each, the cost that dominates a move of many
  // small slots. Once the target's epoch is above the source's
  // (RaiseEpochAbove), per slot STABLE + NODE, which broadcasts nothing,
  // except the group's last slot, closed the importing way: its one PONG
  // carries all the group's claims to every node, replicas included.
  // Otherwise every slot the importing way, as redis-cli does.
  std::vector<RedisCommand> claim, node;
  for (size_t i = 0; i < slots.size(); ++i) {
    const std::string n = std::to_string(slots[i]);
    const bool importing = broadcast == ClaimBroadcast::kEach ||
                           (broadcast == ClaimBroadcast::kLast && i + 1 == slots.size());
    claim.push_back(importing ? RedisCommand{"PING"}
                              : RedisCommand{"CLUSTER", "SETSLOT", n, "STABLE"});
    claim.push_back({"CLUSTER", "SETSLOT", n, "NODE", target.id});
    node.push_back({"CLUSTER", "SETSLOT", n, "NODE", target.id});
  }
  auto untold = [&](const MasterAddress& m, const Status& why) {
    unreachable_.insert(m.id);
    result->untold.push_back(m.id);
    RC_LOG_WARNING << "cannot tell master " << m.Address() << " about moved slots ("
                   << why.ToString() << "); gossip will spread the new owners";
  };
  // Every command out before any reply is read: the target and the other
  // masters change their view within microseconds of each other. Views that
  // disagree for a round trip or more make clients such as valkey-glide
  // stall (their slot refresh wants most nodes to agree).
  Status to_target = d.Send(claim);
  std::vector<std::pair<const MasterAddress*, RedisClient*>> told;
  if (to_target.ok()) {
    for (const auto& m : masters_) {
      if (m.id == source.id || m.id == target.id || unreachable_.count(m.id)) continue;
      auto other = connections_.Get(m.host, m.port);
      Status sent = other.ok() ? (*other)->Send(node) : other.status();
      if (sent.ok()) {
        told.emplace_back(&m, *other);
      } else {
        untold(m, sent);
      }
    }
  }
  auto claimed = to_target.ok() ? d.Collect() : Result<std::vector<RedisReply>>(to_target);
  for (const auto& [m, client] : told) {
    auto reply = client->Collect();
    if (!reply.ok()) untold(*m, reply.status());
  }
  std::vector<int> owned;
  for (size_t i = 0; i < slots.size(); ++i) {
    const RedisReply* bad = nullptr;
    if (claimed.ok()) {
      if ((*claimed)[2 * i].IsError()) bad = &(*claimed)[2 * i];
      if ((*claimed)[2 * i + 1].IsError()) bad = &(*claimed)[2 * i + 1];
    }
    if (!claimed.ok() || bad) {  // open on the target: FixOpenSlots settles it
      result->errors.push_back(
          SlotError(slots[i], "SETSLOT NODE on target " + d.address() + ": " +
                                  (bad ? bad->str : claimed.status().ToString())));
    } else {
      owned.push_back(slots[i]);
    }
  }
  return owned;
}

const MasterAddress* SlotGroupMover::FindMaster(const std::string& id) const {
  for (const auto& m : masters_)
    if (m.id == id) return &m;
  return nullptr;
}

void SlotGroupMover::ClaimLater(const MasterAddress& source, const MasterAddress& target,
                                const std::vector<int>& slots, bool fast, bool now,
                                GroupResult* result) {
  if (!slots.empty()) {
    std::lock_guard<std::mutex> lock(shared_.view_change);
    auto& waiting = shared_.unclaimed[{source.id, target.id}];
    waiting.slots.insert(waiting.slots.end(), slots.begin(), slots.end());
    waiting.fast = waiting.fast && fast;
  }
  FlushClaims(now || options_.claim_gap_ms <= 0, result);
}

void SlotGroupMover::FlushClaims(bool force, GroupResult* result) {
  std::lock_guard<std::mutex> lock(shared_.view_change);
  if (shared_.unclaimed.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - shared_.last_change < std::chrono::milliseconds(options_.claim_gap_ms))
    return;
  auto pairs = std::move(shared_.unclaimed);
  shared_.unclaimed.clear();
  for (auto& [ids, waiting] : pairs) {
    const MasterAddress* source = FindMaster(ids.first);
    const MasterAddress* target = FindMaster(ids.second);
    auto src = source ? connections_.Get(source->host, source->port)
                      : Result<RedisClient*>(Internal("unknown source " + ids.first));
    auto dst = target ? connections_.Get(target->host, target->port)
                      : Result<RedisClient*>(Internal("unknown target " + ids.second));
    if (!src.ok() || !dst.ok()) {  // open on both: FixOpenSlots settles them
      for (int slot : waiting.slots)
        result->errors.push_back(
            SlotError(slot, (!src.ok() ? src.status() : dst.status()).ToString()));
      continue;
    }
    RedisClient& s = **src;
    RedisClient& d = **dst;
    std::vector<int> owned =
        ClaimEverywhere(*source, *target, d, waiting.slots,
                        waiting.fast ? ClaimBroadcast::kLast : ClaimBroadcast::kEach, result);
    auto on_source = SetSlots(s, owned, "NODE", target->id);
    if (!on_source.ok()) {  // MIGRATING on the source, no key left: FixOpenSlots settles them
      for (int slot : owned)
        result->errors.push_back(SlotError(slot, on_source.status().ToString()));
      continue;
    }
    for (size_t i = 0; i < owned.size(); ++i) {
      const RedisReply& r = (*on_source)[i];
      if (!r.IsError()) {
        result->slots_moved++;
        continue;
      }
      // A key arrived after the last GETKEYSINSLOT: move it and try once more.
      KeyMover keys(s, d, target->host, target->port, options_);
      auto again = keys.MoveSlot(owned[i]);
      auto retry = again.ok() ? CommandChecked(s, {"CLUSTER", "SETSLOT", std::to_string(owned[i]),
                                                   "NODE", target->id})
                              : Result<RedisReply>(again.status());
      if (!retry.ok()) {
        result->errors.push_back(
            SlotError(owned[i], "SETSLOT NODE on source " + s.address() + ": " + r.str));
      } else {
        result->keys_moved += *again;
        result->slots_moved++;
      }
    }
  }
  shared_.last_change = std::chrono::steady_clock::now();
}

std::vector<int> SlotGroupMover::MoveWhole(const MasterAddress& source, const MasterAddress& target,
                                           const std::vector<int>& slots,
                                           std::atomic<long long>* keys_moved, bool claim_now,
                                           GroupResult* result) {
  if (slots.empty()) return slots;
  auto src = connections_.Get(source.host, source.port);
  auto dst = connections_.Get(target.host, target.port);
  if (!src.ok() || !dst.ok()) return slots;  // Move reports it
  RedisClient& s = **src;
  RedisClient& d = **dst;
  auto known = support_.find(source.id);
  if (known == support_.end()) {
    auto info = s.Command({"INFO", "server"});
    if (!info.ok()) return slots;
    const auto version = agent::ParseInfoServer(info->IsError() ? "" : info->str);
    known = support_.emplace(source.id, WholeSlotSupportOf(version)).first;
    if (known->second == WholeSlotSupport::kNo && FirstTimeFor(s.address()))
      RC_LOG_INFO << "source " << s.address() << " runs " << version.ToString()
                  << ", which cannot move a slot whole (agent/engine/whole_slot_move.h); "
                     "its slots move the usual way (clients may see ASK redirections)";
    if (known->second == WholeSlotSupport::kKeepClaiming && FirstTimeFor(s.address()))
      RC_LOG_INFO << "source " << s.address() << " runs " << version.ToString()
                  << ": its small slots move their keys at once but stay claimed until the "
                     "target claims them with the next batch of claims "
                     "(agent/engine/whole_slot_move.h); clients may see an ASK for them meanwhile";
  }
  const WholeSlotSupport support = known->second;
  if (support == WholeSlotSupport::kNo) return slots;
  const int patience = options_.migrate_timeout_ms * 3 + 5000;
  s.SetCommandTimeout(patience);
  d.SetCommandTimeout(patience);

  // IMPORTING on the target, and whether it already holds keys of the slot
  // (left by an interrupted move: the careful way compares them).
  std::vector<RedisCommand> prepare;
  for (int slot : slots) {
    const std::string n = std::to_string(slot);
    prepare.push_back({"CLUSTER", "SETSLOT", n, "IMPORTING", source.id});
    prepare.push_back({"CLUSTER", "COUNTKEYSINSLOT", n});
  }
  auto prepared = d.Pipeline(prepare);
  if (!prepared.ok()) return slots;
  std::vector<int> rest, candidates;
  for (size_t i = 0; i < slots.size(); ++i) {
    const RedisReply& importing = (*prepared)[2 * i];
    const RedisReply& count = (*prepared)[2 * i + 1];
    if (importing.IsError() && importing.str.find("already the owner") != std::string::npos) {
      result->slots_moved++;  // moved by an earlier run
    } else if (importing.IsError() || count.type != RedisReply::Type::kInteger ||
               count.integer != 0) {
      rest.push_back(slots[i]);  // Move reports the error, or compares the keys
    } else {
      candidates.push_back(slots[i]);
    }
  }
  // The target's claims must win over the source's (see RaiseEpochAbove).
  if (candidates.empty() || !RaiseEpochAbove(d, EpochsOf(s).mine, shared_.epoch_floor)) {
    rest.insert(rest.end(), candidates.begin(), candidates.end());
    std::sort(rest.begin(), rest.end());
    return rest;
  }

  KeyMover batches(s, d, target.host, target.port, options_);
  WholeSlotMove move;
  move.max_keys = batches.KeysPerBatch();
  move.target_host = target.host;
  move.target_port = target.port;
  move.target_id = target.id;
  move.timeout_ms = options_.migrate_timeout_ms;
  move.username = options_.username;
  move.password = options_.password;
  move.pre_7_script = support == WholeSlotSupport::kPre7Script;
  move.keep_claiming = support == WholeSlotSupport::kKeepClaiming;
  std::vector<int> offer = candidates;
  while (!offer.empty()) {
    move.slots = offer;
    // A source that hands the slots over inside the script changes its view
    // there: the round's view change starts with the script.
    std::unique_lock<std::mutex> view_change(shared_.view_change, std::defer_lock);
    if (!move.keep_claiming) view_change.lock();
    auto reply = s.Command(WholeSlotMoveCommand(move));
    auto outcome =
        reply.ok() ? ParseWholeSlotReply(*reply) : Result<WholeSlotOutcome>(reply.status());
    if (!outcome.ok()) {  // refused (NOPERM...) or unreachable: Move reports or copes
      if (reply.ok() && FirstTimeFor("script " + s.address()))
        RC_LOG_WARNING << "source " << s.address() << " cannot move slots whole ("
                       << outcome.status().ToString()
                       << "); moving them the usual way (clients may see ASK redirections)";
      rest.insert(rest.end(), offer.begin(), offer.end());
      break;
    }
    result->keys_moved += outcome->keys_moved;
    if (keys_moved) *keys_moved += outcome->keys_moved;
    rest.insert(rest.end(), outcome->too_many_keys.begin(), outcome->too_many_keys.end());
    std::set<int> settled(outcome->moved.begin(), outcome->moved.end());
    settled.insert(outcome->too_many_keys.begin(), outcome->too_many_keys.end());
    std::vector<int> left;
    for (int slot : offer)
      if (!settled.count(slot)) left.push_back(slot);
    if (move.keep_claiming) {
      // The source still claims them, without their keys: claimed with the
      // next batch (ASK to the target meanwhile).
      ClaimLater(source, target, outcome->moved, /*fast=*/true, claim_now, result);
    } else {
      // The source handed them over in the script: the target claims them
      // at once while every other master learns it (the group's last claims
      // broadcast them all, ClaimBroadcast::kLast).
      const bool last = left.empty() || outcome->failed_slot >= 0;
      auto round = ClaimEverywhere(source, target, d, outcome->moved,
                                   last ? ClaimBroadcast::kLast : ClaimBroadcast::kNone, result);
      shared_.last_change = std::chrono::steady_clock::now();
      view_change.unlock();
      result->slots_moved += static_cast<int>(round.size());
    }
    if (outcome->failed_slot >= 0 || outcome->moved.empty()) {
      // MIGRATE failed (that slot is MIGRATING now): the usual way finishes
      // it and the rest. (Nothing moved and nothing refused cannot happen:
      // a slot that fits alone is always taken.)
      if (outcome->failed_slot >= 0)
        RC_LOG_WARNING << "slot " << outcome->failed_slot << ": MIGRATE " << s.address() << " -> "
                       << d.address() << " failed (" << outcome->migrate_error
                       << "); finishing it the usual way";
      rest.insert(rest.end(), left.begin(), left.end());
      break;
    }
    offer = std::move(left);
  }
  std::sort(rest.begin(), rest.end());
  return rest;
}

GroupResult SlotGroupMover::Move(const MasterAddress& source, const MasterAddress& target,
                                 const std::vector<int>& slots, std::atomic<long long>* keys_moved,
                                 bool claim_now) {
  GroupResult result;
  auto fail_all = [&](const std::vector<int>& which, const std::string& why) {
    for (int s : which) result.errors.push_back(SlotError(s, why));
  };
  auto src = connections_.Get(source.host, source.port);
  auto dst = connections_.Get(target.host, target.port);
  if (!src.ok() || !dst.ok()) {
    fail_all(slots, (!src.ok() ? src.status() : dst.status()).ToString());
    result.unreachable_id = !src.ok() ? source.id : target.id;
    return result;
  }
  RedisClient& s = **src;
  RedisClient& d = **dst;
  // Another worker's MIGRATE may block either node for a while (big keys).
  const int patience = options_.migrate_timeout_ms * 3 + 5000;
  s.SetCommandTimeout(patience);
  d.SetCommandTimeout(patience);
  const auto t0 = std::chrono::steady_clock::now();
  auto ms = [&t0] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t0)
        .count();
  };

  // 1. IMPORTING on the target, all slots in one round trip.
  std::vector<int> active;
  auto imp = SetSlots(d, slots, "IMPORTING", source.id);
  if (!imp.ok()) {
    fail_all(slots, imp.status().ToString());
    result.unreachable_id = target.id;
    return result;
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    const RedisReply& r = (*imp)[i];
    if (!r.IsError()) {
      active.push_back(slots[i]);
    } else if (r.str.find("already the owner") != std::string::npos) {
      result.slots_moved++;  // moved by an earlier run
    } else {
      result.errors.push_back(
          SlotError(slots[i], "SETSLOT IMPORTING on " + d.address() + ": " + r.str));
    }
  }
  // Closes IMPORTING on the target for slots the source never opened.
  auto undo_importing = [&d](const std::vector<int>& which) {
    if (which.empty()) return;
    std::vector<RedisCommand> stable;
    for (int slot : which) stable.push_back({"CLUSTER", "SETSLOT", std::to_string(slot), "STABLE"});
    (void)d.Pipeline(stable);  // best effort; FixOpenSlots closes what remains
  };
  // 2. MIGRATING on the source (and its config epoch, for step 4).
  auto mig = SetSlots(s, active, "MIGRATING", target.id);
  const long long source_epoch = EpochsOf(s).mine;
  if (!mig.ok()) {
    fail_all(active, mig.status().ToString());
    result.unreachable_id = source.id;
    undo_importing(active);
    return result;
  }
  std::vector<int> opened, undo;
  for (size_t i = 0; i < active.size(); ++i) {
    if ((*mig)[i].IsError()) {
      result.errors.push_back(
          SlotError(active[i], "SETSLOT MIGRATING on " + s.address() + ": " + (*mig)[i].str));
      undo.push_back(active[i]);
    } else {
      opened.push_back(active[i]);
    }
  }
  undo_importing(undo);

  RC_VLOG(1) << "group of " << slots.size() << " slot(s) " << s.address() << " -> " << d.address()
             << ": opened at " << ms() << " ms";
  // 3. The keys.
  KeyMover keys(s, d, target.host, target.port, options_);
  std::map<int, Status> failed;
  long long moved = keys.MoveSlots(opened, &failed);
  result.keys_moved += moved;
  if (keys_moved) *keys_moved += moved;
  // A source or target that went away: the caller skips the rest of the pair.
  if (!failed.empty()) {
    if (!s.Command({"PING"}).ok()) {
      result.unreachable_id = source.id;
    } else if (!d.Command({"PING"}).ok()) {
      result.unreachable_id = target.id;
    }
  }
  std::vector<int> done;
  for (int slot : opened) {
    auto it = failed.find(slot);
    if (it == failed.end()) {
      done.push_back(slot);
    } else {
      result.errors.push_back(SlotError(slot, it->second.ToString()));
    }
  }

  RC_VLOG(1) << "group: keys moved at " << ms() << " ms";
  // 4. SETSLOT NODE: the target and every other master at once
  // (ClaimEverywhere), then the source; now or with the next batch of
  // claims (FlushClaims).
  bool fast = false;
  if (!done.empty()) {
    fast = RaiseEpochAbove(d, source_epoch, shared_.epoch_floor);
    if (!fast) {
      RC_LOG_WARNING << "target " << d.address() << " could not get an epoch above source "
                     << s.address() << "'s; closing " << done.size()
                     << " slot(s) one broadcast each";
    }
  }
  ClaimLater(source, target, done, fast, claim_now, &result);
  RC_VLOG(1) << "group: closed everywhere at " << ms() << " ms";
  return result;
}

}  // namespace rc::engine
