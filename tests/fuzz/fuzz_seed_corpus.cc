// Lets a fuzz target run bare (`make fuzz` runs `<target> -max_total_time=30`) and still start
// from its seed corpus: when the command line names no corpus directory, the build-dir copy
// of the seeds (RC_FUZZ_CORPUS_DIR, set by rc_fuzz_target) is added. libFuzzer calls this
// before it reads its arguments. New interesting inputs are written to that copy, never to
// the source tree.
#include <vector>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i < *argc; ++i) {
    if ((*argv)[i][0] != '-') return 0;  // the caller named a corpus or an input file
  }
  static std::vector<char*> args;
  static char corpus[] = RC_FUZZ_CORPUS_DIR;
  args.assign(*argv, *argv + *argc);
  args.push_back(corpus);
  args.push_back(nullptr);
  *argc = static_cast<int>(args.size()) - 1;
  *argv = args.data();
  return 0;
}
