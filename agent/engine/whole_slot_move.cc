#include "agent/engine/whole_slot_move.h"

namespace rc::engine {
namespace {

// ARGV: max_keys, host, port, timeout_ms, target_id, last verb (NODE or
// MIGRATING), n, n slots, then MIGRATE's AUTH / AUTH2 arguments if any. Replies
// {kind, keys moved, error, {slots moved}, {slots with too many keys}, failed slot or -1}.
// redis.replicate_commands: before redis 7 a script is replicated as its text
// by default, and a replica must not run this one (it would MIGRATE too); with
// it, replicas get the DELs MIGRATE makes. From redis 7 it is the only mode.
constexpr char kShebang[] = "#!lua flags=allow-cross-slot-keys\n";
constexpr char kBody[] = R"lua(
if redis.replicate_commands then redis.replicate_commands() end
local max = tonumber(ARGV[1])
local n = tonumber(ARGV[7])
local auth = {}
for i = 8 + n, #ARGV do auth[#auth + 1] = ARGV[i] end
local taken, batches, big, total = {}, {}, {}, 0
for i = 1, n do
  local slot = ARGV[7 + i]
  local keys = redis.call('CLUSTER', 'GETKEYSINSLOT', slot, max + 1)
  if #keys > max then
    big[#big + 1] = tonumber(slot)
  elseif total + #keys <= max then
    total = total + #keys
    taken[#taken + 1] = tonumber(slot)
    batches[#batches + 1] = keys
  end
end
local moved = 0
for i, slot in ipairs(taken) do
  local keys = batches[i]
  if #keys > 0 then
    local cmd = {'MIGRATE', ARGV[2], ARGV[3], '', '0', ARGV[4]}
    for _, a in ipairs(auth) do cmd[#cmd + 1] = a end
    cmd[#cmd + 1] = 'KEYS'
    for _, k in ipairs(keys) do cmd[#cmd + 1] = k end
    local r = redis.pcall(unpack(cmd))
    if type(r) == 'table' and r.err then
      local handed = {}
      for j = 1, i - 1 do
        redis.call('CLUSTER', 'SETSLOT', taken[j], ARGV[6], ARGV[5])
        handed[j] = taken[j]
      end
      redis.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', ARGV[5])
      return {'migrate-failed', moved, r.err, handed, big, slot}
    end
    moved = moved + #keys
  end
end
for _, slot in ipairs(taken) do redis.call('CLUSTER', 'SETSLOT', slot, ARGV[6], ARGV[5]) end
return {'moved', moved, '', taken, big, -1}
)lua";

}  // namespace

RedisCommand WholeSlotMoveCommand(const WholeSlotMove& move) {
  RedisCommand cmd = {"EVAL",
                      (move.pre_7_script ? std::string() : std::string(kShebang)) + kBody,
                      "0",
                      std::to_string(move.max_keys),
                      move.target_host,
                      std::to_string(move.target_port),
                      std::to_string(move.timeout_ms),
                      move.target_id,
                      move.keep_claiming ? "MIGRATING" : "NODE",
                      std::to_string(move.slots.size())};
  for (int slot : move.slots) cmd.push_back(std::to_string(slot));
  if (!move.password.empty()) {
    if (move.username.empty()) {
      cmd.insert(cmd.end(), {"AUTH", move.password});
    } else {
      cmd.insert(cmd.end(), {"AUTH2", move.username, move.password});
    }
  }
  return cmd;
}

Result<WholeSlotOutcome> ParseWholeSlotReply(const RedisReply& reply) {
  if (reply.IsError()) return Internal("whole-slot move script: " + reply.str);
  using T = RedisReply::Type;
  const auto& e = reply.elements;
  auto slots = [](const RedisReply& r, std::vector<int>* out) {
    // An empty Lua table comes back as an empty array.
    if (r.type != T::kArray) return false;
    for (const auto& x : r.elements) {
      if (x.type != T::kInteger || x.integer < 0 || x.integer >= 16384) return false;
      out->push_back(static_cast<int>(x.integer));
    }
    return true;
  };
  WholeSlotOutcome out;
  if (reply.type != T::kArray || e.size() != 6 || e[0].type != T::kString ||
      (e[0].str != "moved" && e[0].str != "migrate-failed") || e[1].type != T::kInteger ||
      e[2].type != T::kString || !slots(e[3], &out.moved) || !slots(e[4], &out.too_many_keys) ||
      e[5].type != T::kInteger)
    return Internal("whole-slot move script: unexpected reply");
  out.keys_moved = e[1].integer;
  if (e[0].str == "migrate-failed") {
    out.failed_slot = static_cast<int>(e[5].integer);
    out.migrate_error = e[2].str.empty() ? "MIGRATE failed" : e[2].str;
  }
  return out;
}

WholeSlotSupport WholeSlotSupportOf(const agent::ServerVersion& version) {
  if (!version.known || (version.valkey && version.major >= 8)) return WholeSlotSupport::kNo;
  // Valkey 7.2 started from Redis 7.2.4, which has the fix.
  const bool unclaimed_mark_bug =
      !version.valkey && version.major == 7 &&
      ((version.minor == 0 && version.patch >= 13) || version.minor == 1 ||
       (version.minor == 2 && version.patch <= 3));
  if (unclaimed_mark_bug) return WholeSlotSupport::kKeepClaiming;
  return version.AtLeast(7, 0) ? WholeSlotSupport::kScript : WholeSlotSupport::kPre7Script;
}

}  // namespace rc::engine
