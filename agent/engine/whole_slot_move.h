// Whole-slot move: one slot and all of its keys go from the source to the
// target in one step that no client can observe half done, so no client is
// ever sent an ASK for it. Internal to the engine; pure (builds the command,
// reads the reply), the caller sends it.
//
// Why: during the usual move (SETSLOT MIGRATING, MIGRATE batches, SETSLOT
// NODE) the source answers ASK for every key it no longer has. A client that
// has not yet met the target fails on that ASK when the target is new to it
// (redis-py 4.3: AttributeError 'NoneType' ... 'server_type', redis-py#2432),
// and clients with many requests in flight can lose the ASKING in between
// (valkey-glide, lettuce#1218). A whole-slot move never opens the slot on the
// source: a Lua script on the source lists the slot's keys, MIGRATEs them
// (one MIGRATE per slot) and hands the slot to the target, atomically (redis
// runs a script to its end before serving anyone else). Clients see the source own
// the slot with every key, then MOVED to the target. Until the target claims
// the slot (the caller's next command to it) the target sends them back with
// MOVED: one round trip of ping-pong, no error.
//
// Several slots may go in one script: every offered slot whose keys fit
// what is left of one MIGRATE batch (`max_keys` for all of them together),
// so the source is blocked about as long as for one ordinary MIGRATE, and
// the nodes save their config once per script, not once per slot. A slot
// whose keys alone exceed `max_keys` is left untouched, for the usual move;
// one that fits alone but not beside the others is left for the next script.
// If a MIGRATE fails (target gone, out of memory...) some of that slot's
// keys may already be on the target: the script then marks that slot
// MIGRATING, so the source sends clients to the target for those keys with
// ASK, and the usual move finishes it; the slots before it are handed over,
// the rest are left untouched.
//
// Preconditions (the caller's): the target is IMPORTING the slots from the
// source and holds no key of them (MIGRATE is sent without REPLACE), the
// target's config epoch is above the source's, and the source can run the
// script (WholeSlotSupportOf).
#pragma once

#include <string>
#include <vector>

#include "agent/config/server_version.h"
#include "common/redis_client.h"
#include "common/status.h"

namespace rc::engine {

struct WholeSlotMove {
  std::vector<int> slots;  // offered, in order
  int max_keys = 0;        // keys of all the slots taken together, at most
  std::string target_host;
  int target_port = 0;
  std::string target_id;
  int timeout_ms = 10000;  // MIGRATE's own timeout
  std::string username;    // MIGRATE AUTH2 user; empty: AUTH password only
  std::string password;    // empty: no AUTH
  // Redis 7 refuses a script that touches keys of several slots unless its
  // first line (`#!lua flags=allow-cross-slot-keys`) allows it; servers
  // before 7.0 cannot compile that line and need no permission.
  bool pre_7_script = false;
  // Leave the slots taken MIGRATING to the target instead of handing them
  // over: the caller has the target claim them, then the source (see
  // WholeSlotSupport::kKeepClaiming).
  bool keep_claiming = false;
};

// EVAL <script> 0 <arguments>: the command to send to the source.
RedisCommand WholeSlotMoveCommand(const WholeSlotMove& move);

struct WholeSlotOutcome {
  std::vector<int> moved;          // belong to the target now (in the offered order)
  long long keys_moved = 0;        // with this many keys
  std::vector<int> too_many_keys;  // more than max_keys each: untouched
  // MIGRATE failed on this slot (-1: none), which is MIGRATING on the source now.
  int failed_slot = -1;
  std::string migrate_error;
  // Offered slots in none of the above were left for another script.
};

// The script's reply. An error reply (EVAL refused: NOPERM, scripts
// disabled...) or a reply of another shape is an error status naming it.
Result<WholeSlotOutcome> ParseWholeSlotReply(const RedisReply& reply);

enum class WholeSlotSupport {
  kNo,          // move every slot the usual way
  kPre7Script,  // WholeSlotMove::pre_7_script
  kScript,
  // The script with WholeSlotMove::keep_claiming: the keys move at once, but
  // the source keeps claiming the slots (MIGRATING, no key left) until the
  // target has claimed them, with the engine's next batch of claims
  // (EngineOptions::claim_gap_ms). Clients may meet an ASK meanwhile.
  kKeepClaiming,
};
// What a source running `version` (its INFO server) can do.
// - Valkey 8 cannot: it replicates CLUSTER SETSLOT to the replicas and makes
//   the caller wait for them, which a script cannot do (valkey-server 8.0.1
//   with a replica online aborts on 'c->flag.blocked == 0', script.c).
// - Redis 7.0.13 to 7.2.3 must not hand a slot over source first: a target
//   that hears the source stop claiming a slot it still maps to the source
//   marks it "owner not claiming", and those versions never clear that mark
//   when the node then claims the slot itself (SETSLOT NODE; fixed in 7.2.4,
//   clusterDelSlot). Any later claim of the slot, even a stale one from a
//   master back from a partition with an old epoch, then takes it from the
//   target and deletes its keys there (seen in the e2e story: pod-0 cut off
//   during a scale-out, then back). So there: kKeepClaiming.
// - Unknown versions are not tried.
WholeSlotSupport WholeSlotSupportOf(const agent::ServerVersion& version);

}  // namespace rc::engine
