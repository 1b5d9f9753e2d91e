#include <cstdio>

#include "agent/cli/commands.h"

namespace rc::agent {

// Not implemented yet: says so and fails, never pretends.
int InitCommand(int, char**) {
  std::fprintf(stderr, "redis-cluster-agent init: not implemented yet\n");
  return 1;
}

}  // namespace rc::agent
