#include <cstdio>

#include "agent/cli/commands.h"

namespace rc::agent {

// Not implemented yet: says so and fails, never pretends.
int DrainCommand(int, char**) {
  std::fprintf(stderr, "redis-cluster-agent drain: not implemented yet\n");
  return 1;
}

}  // namespace rc::agent
