#include "tests/support/fake_redis.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/slot_hash.h"
#include "common/slot_set.h"

namespace rc::testing {
namespace {

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

RedisReply Err(const std::string& s) { return RedisReply::Error(s); }

bool ParseSlotArg(const std::string& s, int* slot) {
  if (s.empty() || s.size() > 5) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v >= kSlotCount) return false;
  *slot = v;
  return true;
}

std::string IdFor(int index) {
  char buf[41];
  std::snprintf(buf, sizeof buf, "%040x", index + 1);
  return buf;
}

}  // namespace

FakeNode& FakeRedisCluster::AddNode(const std::string& ip, int port) {
  FakeNode n;
  n.id = IdFor(static_cast<int>(nodes_.size()));
  n.ip = ip;
  n.port = port;
  n.epoch = nodes_.size() + 1;
  n.owners.assign(kSlotCount, "");
  // A new node learns the current map (as gossip would).
  if (!nodes_.empty()) n.owners = nodes_.front().owners;
  nodes_.push_back(std::move(n));
  return nodes_.back();
}

void FakeRedisCluster::AssignSlots(int index, int first, int last) {
  for (auto& n : nodes_)
    for (int s = first; s <= last; ++s) n.owners[static_cast<size_t>(s)] = node(index).id;
}

void FakeRedisCluster::MakeReplica(int replica, int master) {
  node(replica).master_id = node(master).id;
}

void FakeRedisCluster::PutKey(int index, const std::string& key, const std::string& value) {
  node(index).keys[key] = value;
}

void FakeRedisCluster::FillOwned(int count) {
  for (int i = 0; i < count; ++i) {
    std::string key = "k:" + std::to_string(i);
    const std::string& owner = nodes_.front().owners[static_cast<size_t>(KeySlot(key))];
    if (FakeNode* n = FindById(owner)) n->keys[key] = "value-" + std::to_string(i);
  }
}

FakeNode* FakeRedisCluster::FindByAddress(const std::string& ip, int port) {
  for (auto& n : nodes_)
    if (n.ip == ip && n.port == port) return &n;
  return nullptr;
}

FakeNode* FakeRedisCluster::FindById(const std::string& id) {
  for (auto& n : nodes_)
    if (n.id == id) return &n;
  return nullptr;
}

std::map<std::string, std::string> FakeRedisCluster::AllKeys(int* duplicates) {
  std::map<std::string, std::string> all;
  int dups = 0;
  for (const auto& n : nodes_) {
    if (!n.master_id.empty()) continue;
    for (const auto& [k, v] : n.keys)
      if (!all.emplace(k, v).second) ++dups;
  }
  if (duplicates) *duplicates = dups;
  return all;
}

std::vector<RedisCommand> FakeRedisCluster::Log(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  return log_[address];
}

void FakeRedisCluster::ClearLog() {
  std::lock_guard<std::mutex> lock(mu_);
  log_.clear();
  round_trips_.clear();
}

int FakeRedisCluster::RoundTrips(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  return round_trips_[address];
}

void FakeRedisCluster::CountRoundTrip(const std::string& address) {
  std::lock_guard<std::recursive_mutex> exec_lock(exec_mu_);
  for (auto& n : nodes_) n.index_valid = false;
  std::lock_guard<std::mutex> lock(mu_);
  round_trips_[address]++;
}

Result<RedisReply> FakeRedisCluster::Execute(const std::string& address, const RedisCommand& argv,
                                             bool asking) {
  std::lock_guard<std::recursive_mutex> lock(exec_mu_);
  FakeNode* self = nullptr;
  for (auto& n : nodes_)
    if (n.Address() == address) self = &n;
  if (!self || !self->up) return Unavailable("fake " + address + ": connection refused");
  {
    std::lock_guard<std::mutex> log_lock(mu_);
    log_[address].push_back(argv);
  }
  if (hook_) {
    if (auto reply = hook_(*self, argv)) {
      if (reply->type == RedisReply::Type::kNil && reply->str == "DISCONNECT")
        return Unavailable("fake " + address + ": connection closed by the server");
      return *reply;
    }
  }
  if (argv.empty()) return Err("ERR empty command");
  return Run(*self, argv, asking);
}

const std::vector<std::string>& FakeRedisCluster::KeysInSlot(FakeNode& n, int slot) {
  if (!n.index_valid) {
    n.slot_index.clear();
    for (const auto& [k, v] : n.keys) n.slot_index[KeySlot(k)].push_back(k);  // sorted per slot
    n.index_valid = true;
  }
  static const std::vector<std::string> kNone;
  auto it = n.slot_index.find(slot);
  return it == n.slot_index.end() ? kNone : it->second;
}

long long FakeRedisCluster::CountKeys(FakeNode& n, int slot) {
  return static_cast<long long>(KeysInSlot(n, slot).size());
}

std::string FakeRedisCluster::ClusterNodesText(const FakeNode& self) const {
  std::string out;
  for (const auto& n : nodes_) {
    std::string flags;
    if (&n == &self) flags = "myself,";
    flags += n.master_id.empty() ? "master" : "slave";
    if (!n.up) flags += ",fail";
    out += n.id + " " + n.ip + ":" + std::to_string(n.port) + "@" + std::to_string(n.port + 10000) +
           " " + flags + " " + (n.master_id.empty() ? "-" : n.master_id) + " 0 0 " +
           std::to_string(n.epoch) + " connected";
    if (n.master_id.empty()) {
      SlotSet owned;
      for (int s = 0; s < kSlotCount; ++s)
        if (self.owners[static_cast<size_t>(s)] == n.id) owned.Add(s);
      for (const auto& r : owned.Ranges())
        out += " " + (r.first == r.last ? std::to_string(r.first)
                                        : std::to_string(r.first) + "-" + std::to_string(r.last));
    }
    if (&n == &self) {
      for (const auto& [s, id] : self.migrating) out += " [" + std::to_string(s) + "->-" + id + "]";
      for (const auto& [s, id] : self.importing) out += " [" + std::to_string(s) + "-<-" + id + "]";
    }
    out += "\n";
  }
  return out;
}

std::optional<RedisReply> FakeRedisCluster::Redirect(const FakeNode& self, const std::string& key,
                                                     bool asking) {
  const int slot = KeySlot(key);
  const std::string& owner = self.owners[static_cast<size_t>(slot)];
  if (owner == self.id) {
    auto to = self.migrating.find(slot);
    if (to == self.migrating.end() || self.keys.count(key)) return std::nullopt;
    const FakeNode* target = FindById(to->second);
    return Err("ASK " + std::to_string(slot) + " " + (target ? target->Address() : ":0"));
  }
  if (asking && self.importing.count(slot)) return std::nullopt;
  return Err(MovedText(slot, owner));
}

std::string FakeRedisCluster::MovedText(int slot, const std::string& owner_id) {
  const FakeNode* o = FindById(owner_id);
  return "MOVED " + std::to_string(slot) + " " + (o ? o->Address() : std::string(":0"));
}

RedisReply FakeRedisCluster::Run(FakeNode& self, const RedisCommand& argv, bool asking) {
  std::string cmd = Upper(argv[0]);
  if (cmd == "PING") return RedisReply::Status("PONG");
  if (cmd == "ASKING") return RedisReply::Status("OK");
  if (cmd == "DBSIZE") return RedisReply::Integer(static_cast<long long>(self.keys.size()));
  if (cmd == "INFO") {
    long long bytes = 0;
    for (const auto& [k, v] : self.keys) bytes += static_cast<long long>(k.size() + v.size() + 50);
    return RedisReply::String("# Server\r\nredis_version:7.2.4\r\n# Memory\r\nused_memory:" +
                              std::to_string(bytes + 1000000) + "\r\n# Keyspace\r\ndb0:keys=" +
                              std::to_string(self.keys.size()) + ",expires=0,avg_ttl=0\r\n");
  }
  if ((cmd == "DUMP" || cmd == "GET") && argv.size() == 2) {
    if (auto redirect = Redirect(self, argv[1], asking)) return *redirect;
  }
  if (cmd == "DUMP" && argv.size() == 2) {
    auto it = self.keys.find(argv[1]);
    return it == self.keys.end() ? RedisReply::Nil() : RedisReply::String("dump:" + it->second);
  }
  if (cmd == "GET" && argv.size() == 2) {
    auto it = self.keys.find(argv[1]);
    return it == self.keys.end() ? RedisReply::Nil() : RedisReply::String(it->second);
  }
  if (cmd == "MIGRATE") return RunMigrate(self, argv);
  if (cmd == "CLUSTER" && argv.size() >= 2) return RunCluster(self, argv);
  if (cmd == "EVAL") return RunWholeSlotScript(self, argv);
  return Err("ERR unknown command '" + argv[0] + "' (fake)");
}

RedisReply FakeRedisCluster::RunInScript(FakeNode& self, const RedisCommand& argv) {
  {
    std::lock_guard<std::mutex> log_lock(mu_);
    log_[self.Address()].push_back(argv);
  }
  if (hook_) {
    if (auto reply = hook_(self, argv)) {
      if (reply->type == RedisReply::Type::kNil && reply->str == "DISCONNECT")
        return Err("IOERR error or timeout (fake: a hook disconnected a script's command)");
      return *reply;
    }
  }
  return Run(self, argv, false);
}

// What agent/engine/whole_slot_move.cc's script does, step by step, each
// command logged and offered to the hook like a client's.
RedisReply FakeRedisCluster::RunWholeSlotScript(FakeNode& self, const RedisCommand& argv) {
  if (argv.size() < 10 || argv[1].find("GETKEYSINSLOT") == std::string::npos || argv[2] != "0")
    return Err("ERR fake EVAL runs only the whole-slot move script");
  const long long max = std::stoll(argv[3]);
  const std::string& target = argv[7];
  const std::string& last_verb = argv[8];  // NODE, or MIGRATING (keep claiming)
  const size_t n = std::stoul(argv[9]);
  if (argv.size() < 10 + n) return Err("ERR fake EVAL: fewer slots than announced");
  const std::vector<std::string> auth(argv.begin() + static_cast<long>(10 + n), argv.end());
  std::vector<std::string> taken;
  std::vector<std::vector<std::string>> batches;
  std::vector<RedisReply> big;
  long long total = 0;
  for (size_t i = 0; i < n; ++i) {
    RedisReply keys =
        RunInScript(self, {"CLUSTER", "GETKEYSINSLOT", argv[10 + i], std::to_string(max + 1)});
    if (keys.IsError()) return keys;
    const auto count = static_cast<long long>(keys.elements.size());
    if (count > max) {
      big.push_back(RedisReply::Integer(std::stoll(argv[10 + i])));
    } else if (total + count <= max) {
      total += count;
      taken.push_back(argv[10 + i]);
      batches.emplace_back();
      for (const auto& k : keys.elements) batches.back().push_back(k.str);
    }
  }
  auto slot_list = [&taken](size_t count) {
    std::vector<RedisReply> out;
    for (size_t i = 0; i < count; ++i) out.push_back(RedisReply::Integer(std::stoll(taken[i])));
    return RedisReply::Array(std::move(out));
  };
  auto reply = [&](const char* kind, long long keys, const std::string& error, size_t handed,
                   long long failed) {
    return RedisReply::Array({RedisReply::String(kind), RedisReply::Integer(keys),
                              RedisReply::String(error), slot_list(handed), RedisReply::Array(big),
                              RedisReply::Integer(failed)});
  };
  long long moved = 0;
  for (size_t i = 0; i < taken.size(); ++i) {
    if (batches[i].empty()) continue;
    RedisCommand migrate = {"MIGRATE", argv[4], argv[5], "", "0", argv[6]};
    migrate.insert(migrate.end(), auth.begin(), auth.end());
    migrate.push_back("KEYS");
    migrate.insert(migrate.end(), batches[i].begin(), batches[i].end());
    RedisReply r = RunInScript(self, migrate);
    if (r.IsError()) {
      for (size_t j = 0; j < i; ++j)
        RunInScript(self, {"CLUSTER", "SETSLOT", taken[j], last_verb, target});
      RunInScript(self, {"CLUSTER", "SETSLOT", taken[i], "MIGRATING", target});
      return reply("migrate-failed", moved, r.str, i, std::stoll(taken[i]));
    }
    moved += static_cast<long long>(batches[i].size());
  }
  for (const auto& slot : taken) RunInScript(self, {"CLUSTER", "SETSLOT", slot, last_verb, target});
  return reply("moved", moved, "", taken.size(), -1);
}

RedisReply FakeRedisCluster::RunCluster(FakeNode& self, const RedisCommand& argv) {
  std::string sub = Upper(argv[1]);
  int slot = -1;
  if (sub == "NODES") return RedisReply::String(ClusterNodesText(self));
  if (sub == "MYID") return RedisReply::String(self.id);
  if (sub == "INFO") {
    bool ok = std::none_of(self.owners.begin(), self.owners.end(),
                           [](const std::string& o) { return o.empty(); });
    // Gossip is instant here: every node knows every epoch.
    unsigned long long current = 0;
    for (const auto& n : nodes_) current = std::max(current, n.epoch);
    return RedisReply::String(std::string("cluster_state:") + (ok ? "ok" : "fail") +
                              "\r\ncluster_current_epoch:" + std::to_string(current) +
                              "\r\ncluster_known_nodes:" + std::to_string(nodes_.size()) +
                              "\r\ncluster_my_epoch:" + std::to_string(self.epoch) + "\r\n");
  }
  if (sub == "BUMPEPOCH") {
    unsigned long long max = 0;
    for (const auto& n : nodes_) max = std::max(max, n.epoch);
    self.epoch = max + 1;
    return RedisReply::Status("BUMPED " + std::to_string(self.epoch));
  }
  if (sub == "COUNTKEYSINSLOT" && argv.size() == 3 && ParseSlotArg(argv[2], &slot))
    return RedisReply::Integer(CountKeys(self, slot));
  if (sub == "GETKEYSINSLOT" && argv.size() == 4 && ParseSlotArg(argv[2], &slot)) {
    long long limit = std::stoll(argv[3]);
    std::vector<RedisReply> keys;
    for (const auto& k : KeysInSlot(self, slot)) {
      if (static_cast<long long>(keys.size()) >= limit) break;
      keys.push_back(RedisReply::String(k));
    }
    return RedisReply::Array(std::move(keys));
  }
  if ((sub == "ADDSLOTS" || sub == "DELSLOTS") && argv.size() >= 3) {
    for (size_t i = 2; i < argv.size(); ++i) {
      if (!ParseSlotArg(argv[i], &slot)) return Err("ERR Invalid or out of range slot");
      auto& owner = self.owners[static_cast<size_t>(slot)];
      if (sub == "ADDSLOTS" && !owner.empty())
        return Err("ERR Slot " + argv[i] + " is already busy");
      if (sub == "DELSLOTS" && owner.empty())
        return Err("ERR Slot " + argv[i] + " is already unassigned");
    }
    for (size_t i = 2; i < argv.size(); ++i) {
      ParseSlotArg(argv[i], &slot);
      self.owners[static_cast<size_t>(slot)] = sub == "ADDSLOTS" ? self.id : "";
    }
    return RedisReply::Status("OK");
  }
  if (sub == "SETSLOT" && argv.size() >= 4 && ParseSlotArg(argv[2], &slot)) {
    std::string how = Upper(argv[3]);
    auto& owner = self.owners[static_cast<size_t>(slot)];
    if (how == "STABLE") {
      self.migrating.erase(slot);
      self.importing.erase(slot);
      return RedisReply::Status("OK");
    }
    if (argv.size() != 5) return Err("ERR syntax error");
    FakeNode* n = FindById(argv[4]);
    if (!n) return Err("ERR I don't know about node " + argv[4]);
    if (how == "IMPORTING") {
      if (owner == self.id) return Err("ERR I'm already the owner of hash slot " + argv[2]);
      self.importing[slot] = n->id;
      return RedisReply::Status("OK");
    }
    if (how == "MIGRATING") {
      if (owner != self.id) return Err("ERR I'm not the owner of hash slot " + argv[2]);
      self.migrating[slot] = n->id;
      return RedisReply::Status("OK");
    }
    if (how == "NODE") {
      if (!n->master_id.empty()) return Err("ERR Target node is not a master");
      long long keys = CountKeys(self, slot);
      if (owner == self.id && n != &self && keys != 0)
        return Err("ERR Can't assign hashslot " + argv[2] +
                   " to a different node while I still hold keys for this hash slot.");
      if (keys == 0) self.migrating.erase(slot);
      owner = n->id;
      if (n == &self && self.importing.count(slot)) {
        self.importing.erase(slot);
        unsigned long long max = 0;
        for (const auto& x : nodes_) max = std::max(max, x.epoch);
        self.epoch = max + 1;
      }
      return RedisReply::Status("OK");
    }
  }
  return Err("ERR unknown or malformed CLUSTER subcommand (fake): " + argv[1]);
}

RedisReply FakeRedisCluster::RunMigrate(FakeNode& self, const RedisCommand& argv) {
  if (argv.size() < 6) return Err("ERR wrong number of arguments for 'migrate' command");
  int port = std::stoi(argv[2]);
  bool replace = false;
  std::vector<std::string> keys;
  if (!argv[3].empty()) keys.push_back(argv[3]);
  for (size_t i = 6; i < argv.size(); ++i) {
    std::string opt = Upper(argv[i]);
    if (opt == "REPLACE") {
      replace = true;
    } else if (opt == "COPY") {
    } else if (opt == "AUTH") {
      ++i;
    } else if (opt == "AUTH2") {
      i += 2;
    } else if (opt == "KEYS") {
      keys.assign(argv.begin() + static_cast<long>(i) + 1, argv.end());
      break;
    }
  }
  if (keys.empty()) return Err("ERR syntax error");
  int slot = KeySlot(keys.front());
  bool open = self.migrating.count(slot) || self.importing.count(slot);
  const std::string& owner = self.owners[static_cast<size_t>(slot)];
  if (owner != self.id && !open) return Err(MovedText(slot, owner));
  FakeNode* target = FindByAddress(argv[1], port);
  if (!target || !target->up) return Err("IOERR error or timeout connecting to the client");
  std::vector<std::string> present;
  for (const auto& k : keys)
    if (self.keys.count(k)) present.push_back(k);
  if (present.empty()) return RedisReply::Status("NOKEY");
  std::string error;
  for (const auto& k : present) {
    int s = KeySlot(k);
    bool accepts =
        target->owners[static_cast<size_t>(s)] == target->id || target->importing.count(s);
    if (!accepts) {
      error = "ERR Target instance replied with error: " +
              MovedText(s, target->owners[static_cast<size_t>(s)]);
      continue;
    }
    if (target->keys.count(k) && !replace) {
      error = "ERR Target instance replied with error: BUSYKEY Target key name already exists.";
      continue;
    }
    target->keys[k] = self.keys[k];
    self.keys.erase(k);
    self.index_valid = target->index_valid = false;
  }
  if (!error.empty()) return Err(error);
  return RedisReply::Status("OK");
}

Result<RedisReply> FakeClient::Send(const RedisCommand& argv) {
  const bool asking = asking_;
  auto reply = cluster_.Execute(address_, argv, asking);
  asking_ = reply.ok() && !argv.empty() && Upper(argv[0]) == "ASKING" && !reply->IsError();
  return reply;
}

Result<RedisReply> FakeClient::Command(const RedisCommand& argv) {
  cluster_.CountRoundTrip(address_);
  return Send(argv);
}

Result<std::vector<RedisReply>> FakeClient::Pipeline(const std::vector<RedisCommand>& cmds) {
  cluster_.CountRoundTrip(address_);
  std::vector<RedisReply> out;
  for (const auto& c : cmds) {
    auto r = Send(c);
    if (!r.ok()) return r.status();
    out.push_back(std::move(r).value());
  }
  return out;
}

Result<std::unique_ptr<RedisClient>> FakeConnector::Connect(const std::string& host, int port) {
  std::string address = host + ":" + std::to_string(port);
  {
    std::lock_guard<std::mutex> lock(cluster_.mutex());
    FakeNode* n = cluster_.FindByAddress(host, port);
    if (!n || !n->up) return Unavailable("fake " + address + ": connection refused");
  }
  return std::unique_ptr<RedisClient>(std::make_unique<FakeClient>(cluster_, address));
}

}  // namespace rc::testing
