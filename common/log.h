// Logging in the klog/glog line format that Kubernetes components print:
//   I1125 09:06:00.123456   12345 file.cc:42] message
// Lines go to stderr (what `kubectl logs` shows). Secrets registered with
// RegisterSecret() are replaced by "<redacted>" in every line, so a password
// or token cannot leak through a log message by accident.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace rc::log {

enum class Severity { kInfo = 0, kWarning = 1, kError = 2 };

// Lines with verbosity > this are dropped (klog's -v). Default 0.
void SetVerbosity(int v);
int Verbosity();

// Every later log line has each occurrence of `secret` replaced by <redacted>.
// Empty strings are ignored.
void RegisterSecret(const std::string& secret);

// Removes registered secrets from `text` (also used for Events and errors).
std::string Redact(std::string text);

// Formats one klog line (without trailing newline). Exposed for tests.
std::string FormatLine(Severity severity, std::string_view file, int line, std::string_view msg);

// Writes one line to stderr, thread-safe.
void Emit(Severity severity, const char* file, int line, const std::string& msg);

class LineBuilder {
 public:
  LineBuilder(Severity s, const char* file, int line) : severity_(s), file_(file), line_(line) {}
  ~LineBuilder() { Emit(severity_, file_, line_, stream_.str()); }
  LineBuilder(const LineBuilder&) = delete;
  LineBuilder& operator=(const LineBuilder&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  Severity severity_;
  const char* file_;
  int line_;
  std::ostringstream stream_;
};

}  // namespace rc::log

#define RC_LOG_INFO ::rc::log::LineBuilder(::rc::log::Severity::kInfo, __FILE__, __LINE__).stream()
#define RC_LOG_WARNING \
  ::rc::log::LineBuilder(::rc::log::Severity::kWarning, __FILE__, __LINE__).stream()
#define RC_LOG_ERROR \
  ::rc::log::LineBuilder(::rc::log::Severity::kError, __FILE__, __LINE__).stream()
// RC_VLOG(2) << "..."; only printed when verbosity >= 2.
#define RC_VLOG(level)                    \
  if (::rc::log::Verbosity() < (level)) { \
  } else                                  \
    RC_LOG_INFO
