#include <cstdio>
#include <cstring>

namespace rc::agent {
const char* Version();
}

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("redis-cluster-agent %s\n", rc::agent::Version());
    return 0;
  }
  std::fprintf(stderr, "redis-cluster-agent: no subcommand is implemented yet\n");
  return 2;
}
