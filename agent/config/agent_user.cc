#include "agent/config/agent_user.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstdio>

namespace rc::agent {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  std::string out;
  out.reserve(2 * n);
  char two[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(two, sizeof two, "%02x", data[i]);
    out += two;
  }
  return out;
}

// Every command the agent sends, and nothing else. AUTH and HELLO are always
// allowed by redis; SELECT is not sent by the agent. MIGRATE authenticates the
// source's own connection to the target, see MigrationEngine. EVAL runs the
// whole-slot move (agent/engine/whole_slot_move.h); redis checks the commands
// a script calls against this same list.
constexpr const char* kAllowed[] = {
    "+cluster",  "+asking",     "+migrate",    "+info",   "+ping",
    "+dbsize",   "+config|get", "+config|set", "+type",   "+dump",
    "+smembers", "+hgetall",    "+zrange",     "+lrange", "+eval",
};

}  // namespace

std::string AgentPassword(const std::string& default_password) {
  if (default_password.empty()) return "";
  static constexpr char kLabel[] = "redis-cluster-agent/v1";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), default_password.data(), static_cast<int>(default_password.size()),
       reinterpret_cast<const unsigned char*>(kLabel), sizeof kLabel - 1, mac, &len);
  return Hex(mac, len);
}

std::vector<std::string> AgentUserRules(const std::string& agent_password) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(agent_password.data()), agent_password.size(),
         digest);
  // reset first: ACL SETUSER on an existing user then gives it exactly these rules.
  std::vector<std::string> rules = {"reset", "on", "#" + Hex(digest, sizeof digest), "~*", "-@all"};
  for (const char* c : kAllowed) rules.emplace_back(c);
  return rules;
}

Directive AgentUserDirective(const std::string& agent_password) {
  Directive d{"user", {kAgentUser}};
  for (auto& rule : AgentUserRules(agent_password)) d.args.push_back(std::move(rule));
  return d;
}

std::vector<std::string> RuntimeCommand(const Directive& d) {
  std::vector<std::string> cmd = d.name == "user"
                                     ? std::vector<std::string>{"ACL", "SETUSER"}
                                     : std::vector<std::string>{"CONFIG", "SET", d.name};
  cmd.insert(cmd.end(), d.args.begin(), d.args.end());
  return cmd;
}

}  // namespace rc::agent
