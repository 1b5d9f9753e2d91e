// ConnectionCache: one connection per node address, opened on first use.
// Internal to the engine; each worker thread owns its own cache.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/redis_client.h"

namespace rc::engine {

class ConnectionCache {
 public:
  explicit ConnectionCache(RedisConnector& connector) : connector_(connector) {}

  // The cached connection to host:port, connecting when there is none.
  Result<RedisClient*> Get(const std::string& host, int port) {
    std::string key = host + ":" + std::to_string(port);
    auto it = clients_.find(key);
    if (it != clients_.end()) return it->second.get();
    auto client = connector_.Connect(host, port);
    if (!client.ok()) return client.status();
    RedisClient* raw = client->get();
    clients_[key] = std::move(client).value();
    return raw;
  }

 private:
  RedisConnector& connector_;
  std::map<std::string, std::unique_ptr<RedisClient>> clients_;
};

}  // namespace rc::engine
