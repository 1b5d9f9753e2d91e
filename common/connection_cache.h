// ConnectionCache: one connection per node address, opened on first use and
// kept until Drop(). Not thread-safe: each thread owns its own (the engine's
// workers, the agent's observer).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/redis_client.h"

namespace rc {

class ConnectionCache {
 public:
  explicit ConnectionCache(RedisConnector& connector) : connector_(connector) {}

  // The cached connection to host:port, connecting when there is none.
  Result<RedisClient*> Get(const std::string& host, int port) {
    const std::string key = Key(host, port);
    auto it = clients_.find(key);
    if (it != clients_.end()) return it->second.get();
    auto client = connector_.Connect(host, port);
    if (!client.ok()) return client.status();
    RedisClient* raw = client->get();
    clients_[key] = std::move(client).value();
    return raw;
  }

  // Forgets the connection to host:port (after an error: the next Get reconnects).
  void Drop(const std::string& host, int port) { clients_.erase(Key(host, port)); }

 private:
  static std::string Key(const std::string& host, int port) {
    return host + ":" + std::to_string(port);
  }

  RedisConnector& connector_;
  std::map<std::string, std::unique_ptr<RedisClient>> clients_;
};

}  // namespace rc
