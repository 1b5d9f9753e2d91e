#include "agent/engine/key_mover.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "common/log.h"

namespace rc::engine {
namespace {

bool Contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

bool MigrateOk(const RedisReply& r) {
  return r.type == RedisReply::Type::kStatus && (r.str == "OK" || r.str == "NOKEY");
}

long long InfoField(const std::string& info, const std::string& field) {
  auto pos = info.find(field + ":");
  if (pos == std::string::npos) return -1;
  return std::atoll(info.c_str() + pos + field.size() + 1);
}

// The value of `key` in a canonical form: members sorted for sets and hashes
// (their DUMP follows hash-table order, which differs between two copies).
Result<std::string> CanonicalValue(RedisClient& client, const std::string& key, bool asking) {
  auto ask = [&](const RedisCommand& cmd) -> Result<RedisReply> {
    std::vector<RedisCommand> cmds;
    if (asking) cmds.push_back({"ASKING"});
    cmds.push_back(cmd);
    auto r = client.Pipeline(cmds);
    if (!r.ok()) return r.status();
    if (r->back().IsError()) return Internal("redis " + client.address() + ": " + r->back().str);
    return r->back();
  };
  auto type = ask({"TYPE", key});
  if (!type.ok()) return type.status();
  RedisCommand read;
  bool sort = true;
  if (type->str == "set")
    read = {"SMEMBERS", key};
  else if (type->str == "hash")
    read = {"HGETALL", key};
  else if (type->str == "zset")
    read = {"ZRANGE", key, "0", "-1", "WITHSCORES"}, sort = false;
  else if (type->str == "list")
    read = {"LRANGE", key, "0", "-1"}, sort = false;
  else
    return Status(ErrorCode::kNotFound, "no canonical form for type " + type->str);
  auto value = ask(read);
  if (!value.ok()) return value.status();
  std::vector<std::string> parts;
  const auto& e = value->elements;
  if (type->str == "hash") {
    for (size_t i = 0; i + 1 < e.size(); i += 2) parts.push_back(e[i].str + '\x01' + e[i + 1].str);
  } else {
    for (const auto& x : e) parts.push_back(x.str);
  }
  if (sort) std::sort(parts.begin(), parts.end());
  std::string out = type->str;
  for (const auto& p : parts) out += '\x02' + p;
  return out;
}

}  // namespace

int KeyMover::ReplyTimeout(int migrate_timeout_ms) const {
  return std::max(migrate_timeout_ms, options_.migrate_timeout_ms * 3) + 5000;
}

bool IsRetryableMigrateError(const std::string& error) {
  return Contains(error, "IOERR") || Contains(error, "timeout") || Contains(error, "TRYAGAIN") ||
         Contains(error, "LOADING") || Contains(error, "CLUSTERDOWN");
}

KeyMover::KeyMover(RedisClient& source, RedisClient& target, std::string target_host,
                   int target_port, const EngineOptions& options)
    : source_(source),
      target_(target),
      target_host_(std::move(target_host)),
      target_port_(target_port),
      options_(options) {}

int KeyMover::KeysPerBatch() {
  if (keys_per_batch_ > 0) return keys_per_batch_;
  keys_per_batch_ = std::max(1, options_.batch_keys);
  auto replies = source_.Pipeline({{"INFO", "memory"}, {"DBSIZE"}});
  if (replies.ok() && (*replies)[1].type == RedisReply::Type::kInteger &&
      (*replies)[1].integer > 0) {
    long long used = InfoField((*replies)[0].str, "used_memory");
    long long avg = std::max(1LL, used / (*replies)[1].integer);
    long long by_bytes = std::max(1LL, options_.batch_bytes / avg);
    keys_per_batch_ = static_cast<int>(std::min<long long>(keys_per_batch_, by_bytes));
  }
  return keys_per_batch_;
}

RedisCommand KeyMover::MigrateCommand(const std::vector<std::string>& keys, bool replace,
                                      int timeout_ms) const {
  RedisCommand cmd = {"MIGRATE", target_host_, std::to_string(target_port_),
                      "",        "0",          std::to_string(timeout_ms)};
  if (replace) cmd.push_back("REPLACE");
  if (!options_.password.empty()) {
    if (options_.username.empty()) {
      cmd.insert(cmd.end(), {"AUTH", options_.password});
    } else {
      cmd.insert(cmd.end(), {"AUTH2", options_.username, options_.password});
    }
  }
  cmd.push_back("KEYS");
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  return cmd;
}

void KeyMover::Pace(std::chrono::steady_clock::duration busy) const {
  const int percent = std::clamp(options_.pace_percent, 1, 100);
  if (percent >= 100) return;
  std::this_thread::sleep_for(busy * (100 - percent) / percent);
}

long long KeyMover::MoveSlots(const std::vector<int>& slots, std::map<int, Status>* failed) {
  const int batch = KeysPerBatch();
  // Key names are fetched a page at a time (one GETKEYSINSLOT per slot and
  // round trip) and sent `batch` per MIGRATE: fetching only `batch` names at a
  // time cost one more round trip per `batch` keys.
  const int page = std::max(batch, std::min(batch * 16, 1000));
  source_.SetCommandTimeout(ReplyTimeout(options_.migrate_timeout_ms));
  long long moved = 0;
  std::set<int> gone_careful;  // slots handed to MoveSlot: done or failed there
  auto careful = [&](int slot) {
    if (!gone_careful.insert(slot).second) return;
    auto r = MoveSlot(slot);
    if (r.ok()) {
      moved += *r;
    } else {
      (*failed)[slot] = r.status();
    }
  };
  std::vector<int> pending = slots;
  while (!pending.empty()) {
    std::vector<RedisCommand> gets;
    gets.reserve(pending.size());
    for (int s : pending)
      gets.push_back({"CLUSTER", "GETKEYSINSLOT", std::to_string(s), std::to_string(page)});
    auto keys = source_.Pipeline(gets);
    if (!keys.ok()) {
      for (int s : pending) careful(s);  // retries per slot, reconnecting
      return moved;
    }
    std::vector<int> next;     // slots that filled a page: fetch again
    std::vector<int> slot_of;  // per MIGRATE: its slot
    std::vector<RedisCommand> migrates;
    std::vector<size_t> counts;  // per MIGRATE: its keys
    for (size_t i = 0; i < pending.size(); ++i) {
      const RedisReply& r = (*keys)[i];
      if (r.IsError()) {
        (*failed)[pending[i]] = Internal("GETKEYSINSLOT on " + source_.address() + ": " + r.str);
        continue;
      }
      if (r.elements.empty()) continue;
      for (size_t first = 0; first < r.elements.size(); first += static_cast<size_t>(batch)) {
        const size_t last = std::min(r.elements.size(), first + static_cast<size_t>(batch));
        std::vector<std::string> names;
        names.reserve(last - first);
        for (size_t k = first; k < last; ++k) names.push_back(r.elements[k].str);
        slot_of.push_back(pending[i]);
        counts.push_back(names.size());
        migrates.push_back(MigrateCommand(names, false, options_.migrate_timeout_ms));
      }
      if (static_cast<int>(r.elements.size()) >= page) next.push_back(pending[i]);
    }
    // MIGRATE blocks the source while it runs, and redis runs a client's whole
    // pipeline in one go: send about `batch` keys per round trip so other
    // clients get a turn in between.
    size_t begin = 0;
    while (begin < migrates.size()) {
      // The rest of a slot that went the careful way: MoveSlot moved it all.
      if (gone_careful.count(slot_of[begin]) > 0) {
        ++begin;
        continue;
      }
      size_t end = begin;
      size_t keys_in_round = 0;
      while (end < migrates.size() &&
             (end == begin || keys_in_round + counts[end] <= static_cast<size_t>(batch)))
        keys_in_round += counts[end++];
      std::vector<RedisCommand> round(migrates.begin() + static_cast<long>(begin),
                                      migrates.begin() + static_cast<long>(end));
      const auto round_start = std::chrono::steady_clock::now();
      auto replies = source_.Pipeline(round);
      Pace(std::chrono::steady_clock::now() - round_start);
      if (!replies.ok()) {
        // The source (or the link to it) failed mid-pass. Unfinished: the slots
        // of this round and later ones, and those still to fetch again (in
        // `next`). Each goes the careful way, which fails it (left open) or
        // finishes it; none may be taken for done.
        for (size_t i = begin; i < migrates.size(); ++i) careful(slot_of[i]);
        for (int s : next) careful(s);
        return moved;
      }
      for (size_t i = begin; i < end; ++i) {
        const RedisReply& reply = (*replies)[i - begin];
        if (MigrateOk(reply)) {
          if (reply.str == "OK") moved += static_cast<long long>(counts[i]);
          continue;
        }
        // BUSYKEY, IOERR, big keys: this slot goes the careful way.
        RC_VLOG(1) << "slot " << slot_of[i] << ": " << reply.str << "; retrying carefully";
        careful(slot_of[i]);
      }
      begin = end;
    }
    // A slot that went the careful way is finished (or failed) already: no
    // second page for it.
    next.erase(
        std::remove_if(next.begin(), next.end(), [&](int s) { return gone_careful.count(s) > 0; }),
        next.end());
    pending = std::move(next);
  }
  return moved;
}

Result<long long> KeyMover::MoveSlot(int slot) {
  int timeout = options_.migrate_timeout_ms;
  int batch = KeysPerBatch();
  int retries = 0;
  long long moved = 0;
  const std::string where = "slot " + std::to_string(slot) + " from " + source_.address() + " to " +
                            target_host_ + ":" + std::to_string(target_port_);
  auto retry = [&](const Status& why) -> Status {
    if (++retries > options_.max_retries)
      return Status(why.code(), "moving " + where + " failed after " + std::to_string(retries) +
                                    " tries: " + why.message());
    // A node that is gone will not come back within these retries: stop now.
    auto src_ping = source_.Command({"PING"});
    if (!src_ping.ok())
      return src_ping.status().WithContext("moving " + where + ": source unreachable");
    auto ping = target_.Command({"PING"});
    if (!ping.ok()) return ping.status().WithContext("moving " + where + ": target unreachable");
    // A MIGRATE that timed out (IOERR) may carry big keys: give it longer, and
    // fewer keys. A cluster that is down or busy (CLUSTERDOWN, TRYAGAIN,
    // LOADING, BUSYKEY) needs time, which the pause gives, not a longer timeout.
    const bool slow = why.code() == ErrorCode::kTimeout || Contains(why.message(), "IOERR") ||
                      Contains(why.message(), "timeout");
    if (slow) {
      timeout *= 2;
      batch = std::max(1, batch / 4);
    }
    // Back off: CLUSTERDOWN / TRYAGAIN / a busy node need time, not haste.
    auto pause = std::chrono::milliseconds(std::min(3200, 100 << std::min(retries - 1, 5)));
    RC_LOG_WARNING << "moving " << where << ": " << why.message() << "; retrying in "
                   << pause.count() << " ms with timeout " << timeout << " ms and " << batch
                   << " key(s) per MIGRATE";
    std::this_thread::sleep_for(pause);
    return Status::Ok();
  };
  while (true) {
    auto keys =
        source_.Command({"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), std::to_string(batch)});
    if (!keys.ok()) {
      RC_RETURN_IF_ERROR(retry(keys.status()));
      continue;
    }
    if (keys->IsError()) return Internal("GETKEYSINSLOT " + where + ": " + keys->str);
    if (keys->elements.empty()) return moved;
    std::vector<std::string> names;
    for (const auto& k : keys->elements) names.push_back(k.str);
    source_.SetCommandTimeout(ReplyTimeout(timeout));
    const auto start = std::chrono::steady_clock::now();
    auto reply = source_.Command(MigrateCommand(names, false, timeout));
    Pace(std::chrono::steady_clock::now() - start);
    if (!reply.ok()) {
      RC_RETURN_IF_ERROR(retry(reply.status()));
      continue;
    }
    if (MigrateOk(*reply)) {
      if (reply->str == "OK") moved += static_cast<long long>(names.size());
      continue;
    }
    if (Contains(reply->str, "BUSYKEY")) {
      auto resolved = ResolveBusyKeys(slot, names, timeout);
      if (!resolved.ok()) {
        ErrorCode code = resolved.status().code();
        if (code != ErrorCode::kUnavailable && code != ErrorCode::kTimeout)
          return resolved.status();
        RC_RETURN_IF_ERROR(retry(resolved.status()));
        continue;
      }
      moved += *resolved;
      if (*resolved == 0) RC_RETURN_IF_ERROR(retry(Conflict(reply->str)));
      continue;
    }
    if (IsRetryableMigrateError(reply->str)) {
      RC_RETURN_IF_ERROR(retry(Unavailable(reply->str)));
      continue;
    }
    return Internal("MIGRATE " + where + ": " + reply->str);
  }
}

Result<long long> KeyMover::ResolveBusyKeys(int slot, const std::vector<std::string>& keys,
                                            int timeout_ms) {
  // ASKING on both sides: either may be the one IMPORTING the slot (the
  // fixer moves a node's stray keys back to the owner), and an importing node
  // answers a plain read with MOVED.
  std::vector<RedisCommand> cmds;
  for (const auto& k : keys) {
    cmds.push_back({"ASKING"});
    cmds.push_back({"DUMP", k});
  }
  auto src = source_.Pipeline(cmds);
  if (!src.ok()) return src.status();
  auto dst = target_.Pipeline(cmds);
  if (!dst.ok()) return dst.status();
  std::vector<std::string> same;
  for (size_t i = 0; i < keys.size(); ++i) {
    const RedisReply& a = (*src)[2 * i + 1];
    const RedisReply& b = (*dst)[2 * i + 1];
    // ASK: a MIGRATING source no longer holds the key (it moved in the same
    // MIGRATE that hit BUSYKEY on another one). Any other error is a fault.
    const bool moved_away = a.IsError() && a.str.rfind("ASK ", 0) == 0;
    const bool source_fault = a.IsError() && !moved_away;
    if (source_fault || b.IsError())
      return Internal("slot " + std::to_string(slot) + ": reading key '" + keys[i] + "' on " +
                      (source_fault ? source_ : target_).address() +
                      " to compare its two copies: " + (source_fault ? a : b).str);
    if (a.type != RedisReply::Type::kString || b.type != RedisReply::Type::kString)
      continue;  // not on both sides (any more): the next MIGRATE tells
    bool same_value = a.str == b.str;
    if (!same_value) {  // same content, other iteration order? (big sets, hashes)
      auto ca = CanonicalValue(source_, keys[i], true);
      auto cb = CanonicalValue(target_, keys[i], true);
      same_value = ca.ok() && cb.ok() && *ca == *cb;
    }
    if (!same_value)
      return Conflict(
          "slot " + std::to_string(slot) + ": key '" + keys[i] + "' exists on both " +
          source_.address() + " and " + target_.address() +
          " with different values; not overwriting either (resolve it by hand, then rerun)");
    same.push_back(keys[i]);
  }
  if (same.empty()) return 0LL;
  auto reply = source_.Command(MigrateCommand(same, true, timeout_ms));
  if (!reply.ok()) return reply.status();
  if (!MigrateOk(*reply)) {
    std::string what = "MIGRATE REPLACE of identical keys: " + reply->str;
    return IsRetryableMigrateError(reply->str) ? Unavailable(what) : Internal(what);
  }
  RC_LOG_INFO << "slot " << slot << ": " << same.size()
              << " key(s) were already on the target with the same value; replaced";
  return static_cast<long long>(same.size());
}

}  // namespace rc::engine
