// Certificates for TLS tests, made at test time with the openssl command (no
// key is ever committed): a CA, a certificate for the servers (serverAuth and
// clientAuth: redis uses it for the cluster bus and replication links too) and
// one for clients, all with the same SANs.
#pragma once

#include <string>

#include "common/status.h"

namespace rc::testing {

struct TestCerts {
  std::string dir;
  std::string ca;  // ca.crt
  std::string server_cert, server_key;
  std::string client_cert, client_key;
};

// Writes the files into `dir` (created). `sans`: openssl subjectAltName value,
// e.g. "DNS:redis.test,DNS:*.redis.test". `prefix` names the files, so one dir
// can hold two generations (rotation tests).
Result<TestCerts> MakeTestCerts(const std::string& dir, const std::string& sans,
                                const std::string& prefix = "");

}  // namespace rc::testing
