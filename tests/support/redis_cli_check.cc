#include "tests/support/redis_cli_check.h"

#include <cstdlib>

#include "tests/support/run_command.h"

namespace rc::testing {

bool RedisCliClusterCheck(const std::string& address, const std::string& password,
                          std::string* output, const std::string& tls_args) {
  if (!password.empty()) setenv("REDISCLI_AUTH", password.c_str(), 1);
  const std::string out = RunCommand("redis-cli " + (tls_args.empty() ? "" : tls_args + " ") +
                                     "--cluster check " + address)
                              .out;
  if (!password.empty()) unsetenv("REDISCLI_AUTH");
  if (output) *output = out;
  return out.find("[OK] All 16384 slots covered.") != std::string::npos &&
         out.find("[WARNING]") == std::string::npos && out.find("[ERR]") == std::string::npos;
}

}  // namespace rc::testing
