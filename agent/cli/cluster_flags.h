// Flags shared by status / rebalance / drain: the seed, how to authenticate
// (never a password on the command line: --password-file, or the environment
// variables REDISCLI_AUTH / REDIS_PASSWORD), TLS (named as redis-cli names
// it: --tls --cacert [--cert --key] [--sni] [--insecure]), timeouts and log
// verbosity.
#pragma once

#include <string>

#include "common/flag_parser.h"
#include "common/redis_client.h"
#include "common/status.h"

namespace rc::agent {

struct ClusterFlags {
  std::string seed;
  std::string password_file;
  std::string user;
  bool tls = false;
  TlsFiles tls_files;
  int timeout_ms = 5000;
  int verbosity = 0;

  void Register(FlagParser& parser);
  // Checks the seed (kInvalidArgument: bad usage), loads the password
  // (registered as a secret for log redaction) and the TLS files. Fills `options`.
  Status Resolve(RedisOptions* options) const;
};

}  // namespace rc::agent
