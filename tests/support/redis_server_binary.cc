#include "tests/support/redis_server_binary.h"

#include <cstdio>
#include <cstdlib>

#include "tests/support/run_command.h"

namespace rc::testing {
namespace {

TestServerVersion ReadVersion() {
  const std::string binary = RedisServerBinary();
  CommandRun run = RunCommand("'" + binary + "' --version");
  TestServerVersion v;
  size_t at = run.out.find(" v=");
  if (run.code != 0 || at == std::string::npos ||
      std::sscanf(run.out.c_str() + at, " v=%d.%d.%d", &v.major, &v.minor, &v.patch) < 2) {
    std::fprintf(stderr, "cannot tell the version of '%s' (RC_REDIS_SERVER): %s\n", binary.c_str(),
                 run.out.c_str());
    std::abort();
  }
  v.valkey = run.out.rfind("Valkey", 0) == 0;
  return v;
}

}  // namespace

std::string RedisServerBinary() {
  const char* env = std::getenv("RC_REDIS_SERVER");
  return env && *env ? env : "redis-server";
}

std::string TestServerVersion::ToString() const {
  return std::string(valkey ? "valkey " : "redis ") + std::to_string(major) + "." +
         std::to_string(minor) + "." + std::to_string(patch);
}

bool TestServerVersion::AtLeast(int want_major, int want_minor) const {
  int m = valkey && major >= 7 ? 7 : major;
  int n = valkey && major >= 7 ? 2 : minor;
  return m > want_major || (m == want_major && n >= want_minor);
}

std::string TestServerVersion::Image() const {
  return std::string(valkey ? "valkey/valkey:" : "redis:") + std::to_string(major) + "." +
         std::to_string(minor) + "." + std::to_string(patch);
}

const TestServerVersion& TestServer() {
  static const TestServerVersion version = ReadVersion();
  return version;
}

}  // namespace rc::testing
