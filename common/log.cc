#include "common/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <vector>

namespace rc::log {
namespace {

std::atomic<int> g_verbosity{0};
std::mutex g_mu;  // guards g_secrets and stderr writes
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
  std::lock_guard<std::mutex> lock(g_mu);
  auto& secrets = Secrets();
  // Registering the same secret again (every reconcile loop, say) must not grow the list.
  if (std::find(secrets.begin(), secrets.end(), secret) != secrets.end()) return;
  auto pos = std::find_if(secrets.begin(), secrets.end(),
                          [&](const std::string& s) { return s.size() < secret.size(); });
  secrets.insert(pos, secret);
}

std::string Redact(std::string text) {
  std::lock_guard<std::mutex> lock(g_mu);
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
  std::string text = FormatLine(severity, file, line, msg);
  std::lock_guard<std::mutex> lock(g_mu);
  text = RedactLocked(std::move(text));
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace rc::log
