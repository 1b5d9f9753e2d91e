// A child process started by a test (an agent binary, a redis-server with a
// rendered config), its stderr and stdout in a log file, stopped by its pid.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace rc::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Kill(9); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (searched in PATH) with extra environment variables; output
  // is appended to `log_path`. Returns false when fork fails.
  bool Start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             const std::string& log_path);
  // Sends `signal` and reaps the process (SIGKILL, or SIGTERM with a fallback
  // SIGKILL after `grace_ms`).
  void Kill(int signal, int grace_ms = 5000);
  bool running();  // not exited yet (reaps it if it has)
  // Waits for the process to exit and reaps it; returns its exit code (-1 if killed).
  int Wait();
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // The last `bytes` of the log, for failure messages.
  std::string LogTail(size_t bytes = 3000) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

}  // namespace rc::testing
