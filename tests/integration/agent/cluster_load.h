// A client load for tests: a thread that keeps writing fresh keys through a
// small cluster-aware client (follows MOVED and ASK, retries TRYAGAIN,
// CLUSTERDOWN and broken connections) and remembers every acknowledged write,
// so a test can prove no acknowledged write was lost during a topology change.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/redis_client.h"
#include "common/status.h"

namespace rc::testing {

class ClusterLoad {
 public:
  ClusterLoad(RedisConnector& connector, std::string seed, std::string prefix = "load:");
  ~ClusterLoad();
  void Start();
  void Stop();
  long long written() const { return acknowledged_; }  // keys tried so far
  long long failed() const { return failed_; }  // writes given up after retries (not acknowledged)
  long long acknowledged() const { return acknowledged_ - failed_; }
  // Reads every acknowledged key back through the cluster; an error names the first lost one.
  Status VerifyAcknowledged();

 private:
  Result<RedisReply> Send(const RedisCommand& cmd, const std::string& key);
  Result<RedisClient*> ClientFor(const std::string& address);
  Status LoadSlotMap();

  RedisConnector& connector_;
  std::string seed_;
  std::string prefix_;
  std::vector<std::string> slot_owner_;  // slot -> "ip:port"
  std::map<std::string, std::unique_ptr<RedisClient>> clients_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<long long> acknowledged_{0}, failed_{0};
  std::vector<long long> failed_keys_;  // written by the load thread only; read after Stop()
};

}  // namespace rc::testing
