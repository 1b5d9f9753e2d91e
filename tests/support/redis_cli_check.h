// The referee every cluster test ends with: `redis-cli --cluster check`.
#pragma once

#include <string>

namespace rc::testing {

// Runs `redis-cli --cluster check ADDRESS` (with REDISCLI_AUTH when `password`
// is set, never on the command line); true when it printed "[OK] All 16384
// slots covered." and no [WARNING] / [ERR] line. `output` gets what it printed.
// `tls_args`: e.g. "--tls --cacert ca.crt" for a TLS-only cluster.
bool RedisCliClusterCheck(const std::string& address, const std::string& password,
                          std::string* output, const std::string& tls_args = "");

}  // namespace rc::testing
