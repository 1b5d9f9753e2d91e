// migration_bench_tool: helpers for tests/bench/migration/run.sh.
//   fill SEED COUNT SIZE          SET key:0..COUNT-1 (SIZE-byte values), pipelined per owner
//   checksum SEED                 "keys=N digest=D" of key:* over every master (SCAN + GET)
//   latency SEED COUNT STOP_FILE  a paced cluster client (GET key:i / SET lat:i, follows
//                                 MOVED and ASK) until STOP_FILE exists; prints
//                                 "ops=N errors=E p50_ms=.. p99_ms=.. max_ms=.."
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/redis_client.h"
#include "common/slot_hash.h"
#include "common/topology.h"

namespace {

using rc::RedisClient;
using rc::RedisCommand;
using rc::RedisReply;

class Cluster {
 public:
  explicit Cluster(const std::string& seed) : connector_(Options()) { seed_ = seed; }

  static rc::RedisOptions Options() {
    rc::RedisOptions o;
    o.command_timeout_ms = 30000;
    if (const char* pw = std::getenv("REDISCLI_AUTH")) o.password = pw;
    return o;
  }

  bool Refresh() {
    auto c = Get(seed_);
    if (!c) return false;
    auto r = c->Command({"CLUSTER", "NODES"});
    if (!r.ok() || r->IsError()) return false;
    auto topo = rc::Topology::ParseClusterNodes(r->str);
    if (!topo.ok()) return false;
    owners_.assign(rc::kSlotCount, "");
    masters_.clear();
    for (const auto& n : topo->nodes()) {
      if (n.IsMaster() && !n.slots.Empty()) masters_.push_back(n.Address());
      for (int s : n.slots.Slots()) owners_[static_cast<size_t>(s)] = n.Address();
    }
    return true;
  }

  RedisClient* Get(const std::string& address) {
    auto it = clients_.find(address);
    if (it != clients_.end()) return it->second.get();
    std::string host;
    int port = 0;
    if (!rc::ParseHostPort(address, &host, &port).ok()) return nullptr;
    auto c = connector_.Connect(host, port);
    if (!c.ok()) return nullptr;
    return (clients_[address] = std::move(c).value()).get();
  }

  // One command routed by slot, following MOVED / ASK / TRYAGAIN. False on failure.
  bool Run(const RedisCommand& cmd, std::string* error) {
    int slot = rc::KeySlot(cmd[1]);
    std::string address = owners_[static_cast<size_t>(slot)];
    bool asking = false;
    for (int attempt = 0; attempt < 10; ++attempt) {
      RedisClient* c = Get(address);
      if (!c) {
        *error = "cannot connect " + address;
        Refresh();
        address = owners_[static_cast<size_t>(slot)];
        continue;
      }
      std::vector<RedisCommand> cmds;
      if (asking) cmds.push_back({"ASKING"});
      cmds.push_back(cmd);
      auto r = c->Pipeline(cmds);
      if (!r.ok()) {
        *error = r.status().ToString();
        clients_.erase(address);
        continue;
      }
      const RedisReply& reply = r->back();
      asking = false;
      if (!reply.IsError()) return true;
      if (reply.ErrorStartsWith("MOVED") || reply.ErrorStartsWith("ASK")) {
        auto space = reply.str.rfind(' ');
        address = reply.str.substr(space + 1);
        if (reply.ErrorStartsWith("MOVED")) {
          owners_[static_cast<size_t>(slot)] = address;
        } else {
          asking = true;
        }
        continue;
      }
      if (reply.ErrorStartsWith("TRYAGAIN")) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      *error = reply.str;
      return false;
    }
    return false;
  }

  const std::vector<std::string>& owners() const { return owners_; }
  const std::vector<std::string>& masters() const { return masters_; }

 private:
  std::string seed_;
  rc::HiredisConnector connector_;
  std::map<std::string, std::unique_ptr<RedisClient>> clients_;
  std::vector<std::string> owners_;
  std::vector<std::string> masters_;
};

std::string Value(long long i, size_t size) {
  std::string v = std::to_string(i) + ":";
  while (v.size() < size)
    v.push_back(static_cast<char>('a' + (v.size() + static_cast<size_t>(i)) % 26));
  v.resize(size);
  return v;
}

int Fill(const std::string& seed, long long count, size_t size) {
  Cluster cluster(seed);
  if (!cluster.Refresh()) return 1;
  std::map<std::string, std::vector<RedisCommand>> pending;
  auto flush = [&](const std::string& addr) {
    auto& cmds = pending[addr];
    if (cmds.empty()) return true;
    RedisClient* c = cluster.Get(addr);
    auto r = c ? c->Pipeline(cmds) : rc::Result<std::vector<RedisReply>>(rc::Unavailable(addr));
    cmds.clear();
    return r.ok();
  };
  for (long long i = 0; i < count; ++i) {
    std::string key = "key:" + std::to_string(i);
    const std::string& addr = cluster.owners()[static_cast<size_t>(rc::KeySlot(key))];
    auto& cmds = pending[addr];
    cmds.push_back({"SET", key, Value(i, size)});
    if ((cmds.size() >= 2000 || cmds.size() * size > (8u << 20)) && !flush(addr)) return 1;
  }
  for (auto& [addr, cmds] : pending)
    if (!flush(addr)) return 1;
  return 0;
}

int Checksum(const std::string& seed) {
  Cluster cluster(seed);
  if (!cluster.Refresh()) return 1;
  long long keys = 0;
  unsigned long long digest = 0;
  for (const auto& addr : cluster.masters()) {
    RedisClient* c = cluster.Get(addr);
    if (!c) return 1;
    std::string cursor = "0";
    do {
      auto scan =
          c->Command({"SCAN", cursor, "MATCH", "key:*", "COUNT", "2000"});  // not the probe's lat:*
      if (!scan.ok() || scan->elements.size() != 2) return 1;
      cursor = scan->elements[0].str;
      std::vector<RedisCommand> gets;
      for (const auto& k : scan->elements[1].elements) gets.push_back({"GET", k.str});
      if (gets.empty()) continue;
      auto values = c->Pipeline(gets);
      if (!values.ok()) return 1;
      for (size_t i = 0; i < gets.size(); ++i) {
        unsigned long long h = 1469598103934665603ULL;
        for (unsigned char ch : gets[i][1] + '\0' + (*values)[i].str)
          h = (h ^ ch) * 1099511628211ULL;
        digest += h;
        ++keys;
      }
    } while (cursor != "0");
  }
  std::printf("keys=%lld digest=%llu\n", keys, digest);
  return 0;
}

int Latency(const std::string& seed, long long count, const std::string& stop_file) {
  Cluster cluster(seed);
  if (!cluster.Refresh()) return 1;
  std::mt19937_64 rng(42);
  std::vector<double> ms;
  long long errors = 0;
  std::string first_error;
  using Clock = std::chrono::steady_clock;
  auto next = Clock::now();
  for (long long i = 0; !std::filesystem::exists(stop_file); ++i) {
    RedisCommand cmd =
        (i % 2 == 0)
            ? RedisCommand{"GET",
                           "key:" + std::to_string(rng() % static_cast<unsigned long long>(count))}
            : RedisCommand{"SET", "lat:" + std::to_string(i % 1000), "x"};  // bounded: no growth
    auto t0 = Clock::now();
    std::string error;
    if (!cluster.Run(cmd, &error)) {
      ++errors;
      if (first_error.empty()) first_error = error;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    next += std::chrono::microseconds(500);  // ~2000 ops/s, paced
    std::this_thread::sleep_until(next);
    if (Clock::now() > next + std::chrono::milliseconds(50)) next = Clock::now();
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<size_t>(ms.size() * p))];
  };
  std::printf("ops=%zu errors=%lld p50_ms=%.3f p99_ms=%.3f max_ms=%.3f%s%s\n", ms.size(), errors,
              pct(0.5), pct(0.99), ms.empty() ? 0.0 : ms.back(),
              first_error.empty() ? "" : " first_error=", first_error.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "fill" && argc == 5)
    return Fill(argv[2], std::atoll(argv[3]), static_cast<size_t>(std::atoll(argv[4])));
  if (cmd == "checksum" && argc == 3) return Checksum(argv[2]);
  if (cmd == "latency" && argc == 5) return Latency(argv[2], std::atoll(argv[3]), argv[4]);
  std::fprintf(stderr,
               "usage: migration_bench_tool fill SEED COUNT SIZE | checksum SEED | latency SEED "
               "COUNT STOP_FILE\n");
  return 2;
}
