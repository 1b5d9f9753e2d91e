#include "common/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace rc::log {
namespace {

std::atomic<int> g_verbosity{0};
// Guards the secrets: every line reads them (shared), registering writes them.
// Lines are written outside this lock, so threads logging at once (the
// webhook's access log) do not queue behind each other.
std::shared_mutex g_mu;
std::vector<std::string>& Secrets() {
  static std::vector<std::string> secrets;
  return secrets;
}

std::string_view BaseName(std::string_view path) {
  auto pos = path.rfind('/');
  return pos == std::string_view::npos ? path : path.substr(pos + 1);
}

// Secrets are kept longest first, so a secret that contains a shorter one is replaced
// whole instead of leaking its remainder.
std::string RedactLocked(std::string text) {
  for (const auto& secret : Secrets()) {
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "<redacted>");
      pos += 10;
    }
  }
  return text;
}

}  // namespace

void SetVerbosity(int v) { g_verbosity = v; }
int Verbosity() { return g_verbosity; }

void RegisterSecret(const std::string& secret) {
  if (secret.empty()) return;
  std::unique_lock<std::shared_mutex> lock(g_mu);
  auto& secrets = Secrets();
  // Registering the same secret again (every reconcile loop, say) must not grow the list.
  if (std::find(secrets.begin(), secrets.end(), secret) != secrets.end()) return;
  auto pos = std::find_if(secrets.begin(), secrets.end(),
                          [&](const std::string& s) { return s.size() < secret.size(); });
  secrets.insert(pos, secret);
}

std::string Redact(std::string text) {
  std::shared_lock<std::shared_mutex> lock(g_mu);
  return RedactLocked(std::move(text));
}

std::string FormatLine(Severity severity, std::string_view file, int line, std::string_view msg) {
  static const char kLetters[] = {'I', 'W', 'E'};
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  char head[64];
  std::snprintf(head, sizeof head, "%c%02d%02d %02d:%02d:%02d.%06ld %7d ",
                kLetters[static_cast<int>(severity)], tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<long>(tv.tv_usec), static_cast<int>(getpid()));
  std::string out(head);
  out.append(BaseName(file));
  out.push_back(':');
  out.append(std::to_string(line));
  out.append("] ");
  out.append(msg);
  return out;
}

void Emit(Severity severity, const char* file, int line, const std::string& msg) {
  std::string text = Redact(FormatLine(severity, file, line, msg));
  text.push_back('\n');
  // One write per line: whole lines never interleave (up to PIPE_BUF on pipes).
  const char* at = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, at, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr is gone: nothing else to tell
    at += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace rc::log
