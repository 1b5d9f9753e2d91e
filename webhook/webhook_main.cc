#include <gflags/gflags.h>

#include <cstdio>

namespace rc::webhook {
const char* Version();
}

int main(int argc, char** argv) {
  gflags::SetUsageMessage("mutating admission webhook for Redis Cluster StatefulSets");
  gflags::SetVersionString(rc::webhook::Version());
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  std::fprintf(stderr, "redis-cluster-webhook: the server is not implemented yet\n");
  return 1;
}
