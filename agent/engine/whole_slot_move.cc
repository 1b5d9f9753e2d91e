#include "agent/engine/whole_slot_move.h"

namespace rc::engine {
namespace {

// ARGV: max_keys, host, port, timeout_ms, target_id, n, n slots, then
// MIGRATE's AUTH / AUTH2 arguments if any. Replies {kind, slots, keys, error}.
// redis.replicate_commands: before redis 7 a script is replicated as its text
// by default, and a replica must not run this one (it would MIGRATE too); with
// it, replicas get the DELs MIGRATE makes. From redis 7 it is the only mode.
constexpr char kShebang[] = "#!lua flags=allow-cross-slot-keys\n";
constexpr char kBody[] = R"lua(
if redis.replicate_commands then redis.replicate_commands() end
local max = tonumber(ARGV[1])
local n = tonumber(ARGV[6])
local auth = {}
for i = 7 + n, #ARGV do auth[#auth + 1] = ARGV[i] end
local taken, batches, total = {}, {}, 0
for i = 1, n do
  local slot = ARGV[6 + i]
  local keys = redis.call('CLUSTER', 'GETKEYSINSLOT', slot, max - total + 1)
  if total + #keys > max then break end
  total = total + #keys
  taken[#taken + 1] = slot
  batches[#batches + 1] = keys
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
      for j = 1, i - 1 do redis.call('CLUSTER', 'SETSLOT', taken[j], 'NODE', ARGV[5]) end
      redis.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', ARGV[5])
      return {'migrate-failed', i - 1, moved, r.err}
    end
    moved = moved + #keys
  end
end
for _, slot in ipairs(taken) do redis.call('CLUSTER', 'SETSLOT', slot, 'NODE', ARGV[5]) end
return {'moved', #taken, moved, ''}
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
  const auto& e = reply.elements;
  if (reply.type != RedisReply::Type::kArray || e.size() != 4 ||
      e[0].type != RedisReply::Type::kString || e[1].type != RedisReply::Type::kInteger ||
      e[2].type != RedisReply::Type::kInteger || e[3].type != RedisReply::Type::kString ||
      (e[0].str != "moved" && e[0].str != "migrate-failed"))
    return Internal("whole-slot move script: unexpected reply");
  WholeSlotOutcome out;
  out.slots_moved = static_cast<int>(e[1].integer);
  out.keys_moved = e[2].integer;
  if (e[0].str == "migrate-failed") {
    out.migrate_error = e[3].str.empty() ? "MIGRATE failed" : e[3].str;
  }
  return out;
}

WholeSlotSupport WholeSlotSupportOf(const agent::ServerVersion& version) {
  if (!version.known || (version.valkey && version.major >= 8)) return WholeSlotSupport::kNo;
  return version.AtLeast(7, 0) ? WholeSlotSupport::kScript : WholeSlotSupport::kPre7Script;
}

}  // namespace rc::engine
