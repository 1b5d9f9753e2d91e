#include "agent/sidecar/agent_user_connector.h"

#include "agent/config/agent_user.h"
#include "common/log.h"

namespace rc::agent {
namespace {

RedisOptions AsAgent(RedisOptions base) {
  base.username = kAgentUser;
  base.password = AgentPassword(base.password);
  return base;
}

}  // namespace

AgentUserConnector::AgentUserConnector(RedisOptions base)
    : as_agent_(AsAgent(base)), as_default_(std::move(base)) {}

Result<std::unique_ptr<RedisClient>> AgentUserConnector::Connect(const std::string& host,
                                                                 int port) {
  auto agent = as_agent_.Connect(host, port);
  if (agent.ok() || agent.status().code() != ErrorCode::kPermissionDenied) return agent;
  auto fallback = as_default_.Connect(host, port);
  if (fallback.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (said_.insert(host + ":" + std::to_string(port)).second)
      RC_LOG_WARNING << "redis " << host << ":" << port << " has no user " << kAgentUser
                     << " (Redis < 6, started before the agent user existed, or an aclfile); "
                        "the agent uses the default user there until the pod restarts";
    return fallback;
  }
  if (fallback.status().code() != ErrorCode::kPermissionDenied) return fallback;
  return PermissionDenied(
      "redis " + host + ":" + std::to_string(port) + " refuses the agent's password, as user " +
      kAgentUser +
      " and as the default user: it started with another password than this pod has "
      "(REDIS_PASSWORD, from the password Secret). A pod reads the Secret only when it "
      "starts, so pods started before and after a change of the Secret disagree: put the old "
      "password back, or restart the pods that still have it");
}

}  // namespace rc::agent
