// Connections of the `run` loop: as the agent's ACL user (agent/config/
// agent_user.h) where the node has it; as the default user where it does not
// (Redis 5, a node started by an older agent, a user's aclfile), saying so once
// per node. When both are refused the error is kPermissionDenied and says what
// to do: the node started with another password than this pod has.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "common/redis_client.h"

namespace rc::agent {

class AgentUserConnector : public RedisConnector {
 public:
  // `base` holds the default password; the agent user's is derived from it.
  explicit AgentUserConnector(RedisOptions base);
  Result<std::unique_ptr<RedisClient>> Connect(const std::string& host, int port) override;

 private:
  HiredisConnector as_agent_;
  HiredisConnector as_default_;
  std::mutex mu_;
  std::set<std::string> said_;  // nodes reached as the default user, already logged
};

}  // namespace rc::agent
