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
  parser.AddBool("tls", &tls, "connect with TLS (a cluster with tls-port and port 0)");
  parser.AddString("cacert", &tls_files.ca_file, "with --tls: CA certificate to verify servers",
                   "FILE");
  parser.AddString("cert", &tls_files.cert_file,
                   "with --tls: client certificate (servers with tls-auth-clients)", "FILE");
  parser.AddString("key", &tls_files.key_file, "with --tls: the client certificate's key", "FILE");
  parser.AddString("sni", &tls_files.server_name,
                   "with --tls: name the servers' certificate must carry (default: the host "
                   "dialled when it is a name; for an IP the CA alone is checked)",
                   "NAME");
  parser.AddBool("insecure", &tls_files.insecure,
                 "with --tls: do not verify the servers' certificates");
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
  const bool tls_file_given = !tls_files.ca_file.empty() || !tls_files.cert_file.empty() ||
                              !tls_files.key_file.empty() || !tls_files.server_name.empty() ||
                              tls_files.insecure;
  if (tls_file_given && !tls)
    return InvalidArgument("--cacert, --cert, --key, --sni and --insecure need --tls");
  if (tls) {
    auto context = TlsContext::Create(tls_files);
    if (!context.ok()) return InvalidArgument(context.status().message());
    options->tls = *context;
  }
  options->connect_timeout_ms = timeout_ms;
  options->command_timeout_ms = timeout_ms;
  return Status::Ok();
}

}  // namespace rc::agent
