#include "agent/cli/cluster_flags.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/log.h"

namespace rc::agent {

void ClusterFlags::Register(FlagParser& parser) {
  parser.AddString("seed", &seed, "any node of the cluster (required)", "HOST:PORT");
  parser.AddString("password-file", &password_file,
                   "file holding the AUTH password (else env REDISCLI_AUTH or REDIS_PASSWORD)",
                   "PATH");
  parser.AddString("user", &user, "ACL user name for AUTH (default: password only)", "NAME");
  parser.AddInt("timeout-ms", &timeout_ms, "connect and command timeout (default 5000)");
  parser.AddInt("v", &verbosity, "log verbosity (default 0)");
}

Status ClusterFlags::Resolve(RedisOptions* options) const {
  if (seed.empty()) return InvalidArgument("--seed HOST:PORT is required");
  std::string host;
  int port = 0;
  RC_RETURN_IF_ERROR(ParseHostPort(seed, &host, &port).WithContext("--seed"));
  if (timeout_ms <= 0) return InvalidArgument("--timeout-ms must be positive");
  log::SetVerbosity(verbosity);
  std::string password;
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in) return InvalidArgument("--password-file: cannot read " + password_file);
    std::stringstream ss;
    ss << in.rdbuf();
    password = ss.str();
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
    if (password.empty()) return InvalidArgument("--password-file: " + password_file + " is empty");
  } else if (const char* env = std::getenv("REDISCLI_AUTH"); env && *env) {
    password = env;
  } else if (const char* env2 = std::getenv("REDIS_PASSWORD"); env2 && *env2) {
    password = env2;
  }
  log::RegisterSecret(password);
  options->password = password;
  options->username = user;
  options->connect_timeout_ms = timeout_ms;
  options->command_timeout_ms = timeout_ms;
  return Status::Ok();
}

}  // namespace rc::agent
