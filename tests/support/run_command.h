// Runs a shell command line and collects what it printed (stdout and stderr,
// merged) and its exit code; for tests that drive a binary as a user would.
#pragma once

#include <string>

namespace rc::testing {

struct CommandRun {
  int code = -1;    // exit code; -1 when it could not run or was killed by a signal
  std::string out;  // stdout + stderr
};

CommandRun RunCommand(const std::string& command_line);

}  // namespace rc::testing
