#include "tests/support/redis_cluster_fixture.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "common/slot_hash.h"
#include "common/slot_set.h"
#include "tests/support/redis_cli_check.h"
#include "tests/support/redis_server_binary.h"
#include "tests/support/wait_for.h"

namespace rc::testing {
namespace {

unsigned long long Fnv1a(const std::string& s, unsigned long long h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

bool ClusterStateOk(RedisClient& client) {
  auto info = client.Command({"CLUSTER", "INFO"});
  return info.ok() && !info->IsError() && info->str.find("cluster_state:ok") != std::string::npos;
}

// Canonical text of a value read with the command for its type.
std::string Canonical(const std::string& type, const RedisReply& reply) {
  if (type == "string") return reply.str;
  std::vector<std::string> parts;
  if (type == "hash" || type == "zset") {
    for (size_t i = 0; i + 1 < reply.elements.size(); i += 2)
      parts.push_back(reply.elements[i].str + '\x01' + reply.elements[i + 1].str);
  } else {
    for (const auto& e : reply.elements) parts.push_back(e.str);
  }
  if (type != "list") std::sort(parts.begin(), parts.end());
  std::string out = type;
  for (const auto& p : parts) {
    out.push_back('\x02');
    out += p;
  }
  return out;
}

RedisCommand ReadCommand(const std::string& type, const std::string& key) {
  if (type == "string") return {"GET", key};
  if (type == "list") return {"LRANGE", key, "0", "-1"};
  if (type == "set") return {"SMEMBERS", key};
  if (type == "hash") return {"HGETALL", key};
  if (type == "zset") return {"ZRANGE", key, "0", "-1", "WITHSCORES"};
  return {"DUMP", key};
}

}  // namespace

RedisClusterFixture::RedisClusterFixture(ClusterFixtureOptions options)
    : options_(std::move(options)), connector_([this] {
        RedisOptions ro;
        ro.password = options_.password;
        ro.connect_timeout_ms = 1000;
        ro.command_timeout_ms = 20000;
        if (options_.tls) ro.tls = options_.tls->client;
        return ro;
      }()) {}

RedisClusterFixture::~RedisClusterFixture() {
  for (auto& n : nodes_) n->Kill(9);
}

Result<int> RedisClusterFixture::StartNode() {
  RedisServerOptions so;
  int index = static_cast<int>(nodes_.size());
  so.ip = LoopbackAddress(options_.suite, options_.first_index + index);
  so.port = options_.port;
  so.password = options_.password;
  so.node_timeout_ms = options_.node_timeout_ms;
  so.tls = options_.tls;
  // Replicas sync at once (the 7.0 default waits 5 s for more replicas).
  so.extra = {"repl-diskless-sync-delay 0"};
  so.extra.insert(so.extra.end(), options_.extra.begin(), options_.extra.end());
  auto proc = std::make_unique<RedisServerProcess>(so);
  std::string error;
  if (!proc->Start(&error)) return Unavailable(error);
  nodes_.push_back(std::move(proc));
  ids_.emplace_back();
  return index;
}

Result<std::unique_ptr<RedisClient>> RedisClusterFixture::Connect(int i) {
  return connector_.Connect(node(i).ip(), node(i).port());
}

Result<std::string> RedisClusterFixture::NodeId(int i) {
  auto& cached = ids_[static_cast<size_t>(i)];
  if (!cached.empty()) return cached;
  auto client = Connect(i);
  if (!client.ok()) return client.status();
  auto reply = CommandChecked(**client, {"CLUSTER", "MYID"});
  if (!reply.ok()) return reply.status();
  cached = reply->str;
  return cached;
}

Result<Topology> RedisClusterFixture::TopologyOf(int i) {
  auto client = Connect(i);
  if (!client.ok()) return client.status();
  auto reply = CommandChecked(**client, {"CLUSTER", "NODES"});
  if (!reply.ok()) return reply.status();
  return Topology::ParseClusterNodes(reply->str);
}

Status RedisClusterFixture::Create() {
  int total = options_.masters * (1 + options_.replicas_per_master);
  for (int i = 0; i < total; ++i) {
    auto idx = StartNode();
    if (!idx.ok()) return idx.status();
  }
  auto ranges = SplitEvenly(options_.masters);
  for (int m = 0; m < options_.masters; ++m) {
    auto client = Connect(m);
    if (!client.ok()) return client.status();
    const auto& r = ranges[static_cast<size_t>(m)];
    RedisCommand add = {"CLUSTER", "ADDSLOTSRANGE", std::to_string(r.first),
                        std::to_string(r.last)};
    if (!TestServer().AtLeast(7, 0)) {  // ADDSLOTSRANGE arrived in 7.0
      add = {"CLUSTER", "ADDSLOTS"};
      for (int s = r.first; s <= r.last; ++s) add.push_back(std::to_string(s));
    }
    RC_RETURN_IF_ERROR(CommandChecked(**client, add).status());
    RC_RETURN_IF_ERROR(
        CommandChecked(**client, {"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(m + 1)}).status());
  }
  for (int i = 1; i < total; ++i) {
    auto client = Connect(i);
    if (!client.ok()) return client.status();
    RC_RETURN_IF_ERROR(
        CommandChecked(**client, {"CLUSTER", "MEET", node(0).ip(), std::to_string(node(0).port())})
            .status());
  }
  RC_RETURN_IF_ERROR(WaitAllKnowEachOther());
  for (int i = options_.masters; i < total; ++i) {
    int master = (i - options_.masters) % options_.masters;
    auto master_id = NodeId(master);
    if (!master_id.ok()) return master_id.status();
    auto client = Connect(i);
    if (!client.ok()) return client.status();
    RC_RETURN_IF_ERROR(CommandChecked(**client, {"CLUSTER", "REPLICATE", *master_id}).status());
  }
  return WaitForConsistent();
}

Result<int> RedisClusterFixture::AddNode(int replica_of) {
  auto idx = StartNode();
  if (!idx.ok()) return idx;
  auto seed = RunningSeed();
  if (!seed.ok()) return seed.status();
  std::string host;
  int port = 0;
  RC_RETURN_IF_ERROR(ParseHostPort(*seed, &host, &port));
  {
    auto client = Connect(*idx);
    if (!client.ok()) return client.status();
    RC_RETURN_IF_ERROR(
        CommandChecked(**client, {"CLUSTER", "MEET", host, std::to_string(port)}).status());
  }
  RC_RETURN_IF_ERROR(WaitAllKnowEachOther());
  if (replica_of >= 0) {
    auto master_id = NodeId(replica_of);
    if (!master_id.ok()) return master_id.status();
    auto client = Connect(*idx);
    if (!client.ok()) return client.status();
    RC_RETURN_IF_ERROR(CommandChecked(**client, {"CLUSTER", "REPLICATE", *master_id}).status());
  }
  RC_RETURN_IF_ERROR(WaitForConsistent());
  return idx;
}

Result<std::string> RedisClusterFixture::RunningSeed() {
  for (int i = 0; i < size(); ++i)
    if (node(i).running()) return address(i);
  return FailedPrecondition("no running node");
}

Status RedisClusterFixture::WaitAllKnowEachOther() {
  std::set<std::string> want;
  for (int i = 0; i < size(); ++i) {
    if (!node(i).running()) continue;
    auto id = NodeId(i);
    if (!id.ok()) return id.status();
    want.insert(*id);
  }
  std::string last;
  bool ok = WaitFor(
      [&] {
        for (int i = 0; i < size(); ++i) {
          if (!node(i).running()) continue;
          auto topo = TopologyOf(i);
          if (!topo.ok()) {
            last = topo.status().ToString();
            return false;
          }
          std::set<std::string> known;
          for (const auto& n : topo->nodes())
            if (!n.flags.handshake && !n.flags.noaddr) known.insert(n.id);
          for (const auto& id : want) {
            if (!known.count(id)) {
              last = address(i) + " does not know " + id;
              return false;
            }
          }
        }
        return true;
      },
      options_.deadline, std::chrono::milliseconds(50));
  return ok ? Status::Ok() : Timeout("nodes did not meet: " + last);
}

Status RedisClusterFixture::WaitForConsistent() {
  RC_RETURN_IF_ERROR(WaitAllKnowEachOther());
  std::string last;
  bool ok = WaitFor(
      [&] {
        std::vector<std::string> reference;
        for (int i = 0; i < size(); ++i) {
          if (!node(i).running()) continue;
          auto client = Connect(i);
          if (!client.ok() || !ClusterStateOk(**client)) {
            last = address(i) + " not cluster_state:ok";
            return false;
          }
          auto topo = TopologyOf(i);
          if (!topo.ok()) return false;
          auto owners = topo->SlotOwners();
          if (reference.empty()) {
            reference = owners;
          } else if (owners != reference) {
            last = address(i) + " disagrees on slot owners";
            return false;
          }
          // Replicas must be seen as replicas, and their masters known.
          for (const auto& n : topo->nodes()) {
            if (n.flags.replica && n.master_id.empty()) {
              last = address(i) + " sees replica " + n.id + " without master";
              return false;
            }
          }
        }
        return true;
      },
      options_.deadline, std::chrono::milliseconds(50));
  return ok ? Status::Ok() : Timeout("cluster did not become consistent: " + last);
}

std::string RedisClusterFixture::ValueFor(long long i, size_t value_size) {
  std::string v = "v" + std::to_string(i) + ":";
  while (v.size() < value_size)
    v += static_cast<char>('a' + (v.size() * 7 + static_cast<size_t>(i)) % 26);
  v.resize(std::max(value_size, static_cast<size_t>(1)));
  return v;
}

std::vector<int> RedisClusterFixture::MastersWithSlots() {
  std::vector<int> out;
  for (int i = 0; i < size(); ++i) {
    if (!node(i).running()) continue;
    auto topo = TopologyOf(i);
    if (!topo.ok()) continue;
    const ClusterNode* me = topo->Myself();
    if (me && me->IsMaster() && !me->slots.Empty()) out.push_back(i);
  }
  return out;
}

Status RedisClusterFixture::Fill(long long count, size_t value_size, const std::string& prefix) {
  // Owner address of every slot, from the first running node's view.
  int seed_index = -1;
  for (int i = 0; i < size() && seed_index < 0; ++i)
    if (node(i).running()) seed_index = i;
  if (seed_index < 0) return FailedPrecondition("no running node");
  auto topo = TopologyOf(seed_index);
  if (!topo.ok()) return topo.status();
  std::vector<std::string> owner_addr(kSlotCount);
  for (const auto& n : topo->nodes())
    for (int s : n.slots.Slots()) owner_addr[static_cast<size_t>(s)] = n.Address();
  std::map<std::string, std::unique_ptr<RedisClient>> clients;
  std::map<std::string, std::vector<RedisCommand>> pending;
  auto flush = [&](const std::string& addr) -> Status {
    auto& cmds = pending[addr];
    if (cmds.empty()) return Status::Ok();
    auto& client = clients[addr];
    if (!client) {
      std::string host;
      int port = 0;
      RC_RETURN_IF_ERROR(ParseHostPort(addr, &host, &port));
      auto c = connector_.Connect(host, port);
      if (!c.ok()) return c.status();
      client = std::move(c).value();
    }
    auto replies = client->Pipeline(cmds);
    if (!replies.ok()) return replies.status();
    for (const auto& r : *replies)
      if (r.IsError()) return Internal("SET on " + addr + " failed: " + r.str);
    cmds.clear();
    return Status::Ok();
  };
  for (long long i = 0; i < count; ++i) {
    std::string key = prefix + std::to_string(i);
    const std::string& addr = owner_addr[static_cast<size_t>(KeySlot(key))];
    if (addr.empty()) return FailedPrecondition("slot of " + key + " has no owner");
    auto& cmds = pending[addr];
    cmds.push_back({"SET", key, ValueFor(i, value_size)});
    if (cmds.size() >= 1000 || cmds.size() * value_size > (4u << 20))
      RC_RETURN_IF_ERROR(flush(addr));
  }
  for (auto& [addr, cmds] : pending) RC_RETURN_IF_ERROR(flush(addr));
  return Status::Ok();
}

Result<DataChecksum> RedisClusterFixture::Checksum() {
  DataChecksum sum;
  for (int i : MastersWithSlots()) {
    auto client = Connect(i);
    if (!client.ok()) return client.status();
    std::string cursor = "0";
    do {
      auto scan = CommandChecked(**client, {"SCAN", cursor, "COUNT", "1000"});
      if (!scan.ok()) return scan.status();
      if (scan->elements.size() != 2) return Internal("odd SCAN reply from " + address(i));
      cursor = scan->elements[0].str;
      std::vector<std::string> keys;
      for (const auto& k : scan->elements[1].elements) keys.push_back(k.str);
      if (keys.empty()) continue;
      std::vector<RedisCommand> types;
      for (const auto& k : keys) types.push_back({"TYPE", k});
      auto type_replies = (*client)->Pipeline(types);
      if (!type_replies.ok()) return type_replies.status();
      std::vector<RedisCommand> reads;
      for (size_t k = 0; k < keys.size(); ++k)
        reads.push_back(ReadCommand((*type_replies)[k].str, keys[k]));
      auto values = (*client)->Pipeline(reads);
      if (!values.ok()) return values.status();
      for (size_t k = 0; k < keys.size(); ++k) {
        // An error (CLUSTERDOWN while a node is still settling, MOVED for a
        // key in a slot the node does not own) is not a value: never hash it.
        const RedisReply& type_reply = (*type_replies)[k];
        if (!type_reply.IsError() && type_reply.str == "none") continue;  // expired or moved
        for (const RedisReply* r : {&type_reply, static_cast<const RedisReply*>(&(*values)[k])})
          if (r->IsError())
            return Internal("checksum: " + address(i) + " answered " + r->str + " for key " +
                            keys[k]);
        const auto& type = type_reply.str;
        sum.keys++;
        sum.digest += Fnv1a(Canonical(type, (*values)[k]), Fnv1a(keys[k]));
      }
    } while (cursor != "0");
  }
  return sum;
}

double ClusterShape::KeyShare(const std::string& id) const {
  long long total = 0;
  for (const auto& [_, k] : keys) total += k;
  auto it = keys.find(id);
  return total > 0 && it != keys.end() ? static_cast<double>(it->second) / total : 0;
}

std::string ClusterShape::Text() const {
  std::string out;
  for (const auto& [id, k] : keys)
    out += (out.empty() ? "" : ", ") + id.substr(0, 8) + " keys=" + std::to_string(k) +
           " ranges=" + std::to_string(ranges.at(id));
  return out;
}

Result<ClusterShape> RedisClusterFixture::Shape() {
  ClusterShape shape;
  for (int i : MastersWithSlots()) {
    auto topo = TopologyOf(i);
    auto client = Connect(i);
    if (!topo.ok()) return topo.status();
    if (!client.ok()) return client.status();
    auto dbsize = CommandChecked(**client, {"DBSIZE"});
    if (!dbsize.ok()) return dbsize.status();
    const ClusterNode* me = topo->Myself();
    shape.keys[me->id] = dbsize->integer;
    shape.ranges[me->id] = static_cast<int>(me->slots.Ranges().size());
  }
  return shape;
}

std::string RedisClusterFixture::DescribeKeyPlacement() {
  std::string out;
  for (int i = 0; i < size(); ++i) {
    if (!node(i).running()) continue;
    auto topo = TopologyOf(i);
    auto client = Connect(i);
    if (!topo.ok() || !client.ok() || !topo->Myself() || !topo->Myself()->IsMaster()) continue;
    const SlotSet& owned = topo->Myself()->slots;
    std::vector<RedisCommand> counts;
    std::vector<int> slots;
    for (int s = 0; s < kSlotCount; ++s) {
      if (owned.Contains(s)) continue;
      counts.push_back({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(s)});
      slots.push_back(s);
    }
    auto replies = (*client)->Pipeline(counts);
    auto dbsize = (*client)->Command({"DBSIZE"});
    long long stray = 0;
    std::string where;
    for (size_t k = 0; replies.ok() && k < replies->size(); ++k) {
      long long n = (*replies)[k].integer;
      if (n <= 0) continue;
      stray += n;
      if (where.size() < 80) where += " " + std::to_string(slots[k]) + ":" + std::to_string(n);
    }
    out += address(i) + " dbsize=" + (dbsize.ok() ? std::to_string(dbsize->integer) : "?") +
           " owned=" + std::to_string(owned.Count()) +
           " keys in slots it does not own=" + std::to_string(stray) +
           (where.empty() ? "" : " (slot:keys" + where + ")") + "\n";
  }
  return out;
}

bool RedisClusterFixture::RedisCliCheck(std::string* output, int node_index) {
  const std::string tls_args =
      options_.tls
          ? "--tls --cacert " + options_.tls->ca_file +
                (options_.tls->auth_clients == "yes"
                     ? " --cert " + options_.tls->cert_file + " --key " + options_.tls->key_file
                     : "")
          : "";
  return RedisCliClusterCheck(address(node_index), options_.password, output, tls_args);
}

}  // namespace rc::testing
