#include "tests/support/redis_cli_check.h"

#include <cstdio>
#include <cstdlib>

namespace rc::testing {

bool RedisCliClusterCheck(const std::string& address, const std::string& password,
                          std::string* output) {
  std::string cmd = "redis-cli --cluster check " + address + " 2>&1";
  if (!password.empty()) setenv("REDISCLI_AUTH", password.c_str(), 1);
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  if (pipe) {
    char buf[4096];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    pclose(pipe);
  }
  if (!password.empty()) unsetenv("REDISCLI_AUTH");
  if (output) *output = out;
  return out.find("[OK] All 16384 slots covered.") != std::string::npos &&
         out.find("[WARNING]") == std::string::npos && out.find("[ERR]") == std::string::npos;
}

}  // namespace rc::testing
