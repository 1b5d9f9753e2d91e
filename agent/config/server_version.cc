#include "agent/config/server_version.h"

#include <cctype>
#include <vector>

namespace rc::agent {
namespace {

// Reads "M[.m[.p]]" at the start of `text`; the rest (e.g. "-alpine") is ignored.
bool ParseNumbers(std::string_view text, ServerVersion* v) {
  std::vector<int> parts;
  size_t i = 0;
  while (parts.size() < 3) {
    size_t start = i;
    int value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && i - start < 6) {
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) break;
    parts.push_back(value);
    if (i < text.size() && text[i] == '.') {
      ++i;
      continue;
    }
    break;
  }
  if (parts.empty()) return false;
  v->major = parts[0];
  v->minor = parts.size() > 1 ? parts[1] : 0;
  v->patch = parts.size() > 2 ? parts[2] : 0;
  v->known = true;
  return true;
}

std::string_view InfoField(std::string_view info, std::string_view key) {
  size_t pos = 0;
  while (pos < info.size()) {
    size_t end = info.find('\n', pos);
    if (end == std::string_view::npos) end = info.size();
    std::string_view line = info.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':')
      return line.substr(key.size() + 1);
    pos = end + 1;
  }
  return {};
}

}  // namespace

int ServerVersion::CompatMajor() const {
  if (!known) return kOldestMajor;
  if (valkey) return major >= 7 ? 7 : major;  // Valkey 7.2 forked from Redis 7.2.4
  return major;
}

int ServerVersion::CompatMinor() const {
  if (!known) return kOldestMinor;
  if (valkey) return major >= 7 ? 2 : minor;
  return minor;
}

bool ServerVersion::AtLeast(int want_major, int want_minor) const {
  int m = CompatMajor();
  return m > want_major || (m == want_major && CompatMinor() >= want_minor);
}

std::string ServerVersion::ToString() const {
  if (!known) return std::string(valkey ? "valkey" : "redis") + " (unknown version)";
  return std::string(valkey ? "valkey " : "redis ") + std::to_string(major) + "." +
         std::to_string(minor) + "." + std::to_string(patch);
}

ServerVersion ParseImageVersion(std::string_view image) {
  ServerVersion v;
  size_t at = image.find('@');
  if (at != std::string_view::npos) image = image.substr(0, at);
  size_t slash = image.rfind('/');
  std::string_view last = slash == std::string_view::npos ? image : image.substr(slash + 1);
  size_t colon = last.find(':');
  std::string_view repo = colon == std::string_view::npos ? last : last.substr(0, colon);
  v.valkey = repo.find("valkey") != std::string_view::npos;
  if (colon != std::string_view::npos) ParseNumbers(last.substr(colon + 1), &v);
  return v;
}

ServerVersion ParseInfoServer(std::string_view info) {
  ServerVersion v;
  std::string_view valkey = InfoField(info, "valkey_version");
  std::string_view name = InfoField(info, "server_name");
  if (!valkey.empty()) {
    v.valkey = true;
    ParseNumbers(valkey, &v);
    return v;
  }
  v.valkey = name == "valkey";
  ParseNumbers(InfoField(info, "redis_version"), &v);
  return v;
}

}  // namespace rc::agent
