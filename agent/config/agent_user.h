// The agent's own Redis ACL user (redis >= 6, clusters with a password).
//
// The default user keeps the password from the user's Secret. The agent talks
// to redis as `redis-cluster-agent`, which may run only the commands the agent
// sends (CLUSTER, MIGRATE, INFO, CONFIG GET/SET, the reads that compare a key
// on two nodes...), so a bug in the agent cannot FLUSHALL, KEYS or DEBUG.
// Its password is derived from the Secret's (HMAC-SHA256), so every pod of
// the cluster agrees on it without a second Secret. Pure: no file or network.
#pragma once

#include <string>
#include <vector>

#include "agent/config/conf_directive.h"

namespace rc::agent {

inline constexpr char kAgentUser[] = "redis-cluster-agent";

// The agent user's password for a cluster whose default password is
// `default_password` (64 hex digits). "" for "" (no password, no user).
std::string AgentPassword(const std::string& default_password);

// The ACL rules of the agent user, as ACL SETUSER and the redis.conf `user`
// directive take them; the password appears only as its SHA-256 (`#...`).
std::vector<std::string> AgentUserRules(const std::string& agent_password);

// `user redis-cluster-agent on #... ~* -@all +cluster ...`.
Directive AgentUserDirective(const std::string& agent_password);

// The command that applies `d` to a running server: ACL SETUSER for `user`,
// CONFIG SET for everything else.
std::vector<std::string> RuntimeCommand(const Directive& d);

}  // namespace rc::agent
