// Which redis-server (or valkey-server) a pod runs, and which directives and
// commands that version accepts. Pure: parsed from the image reference
// (`redis:5.0.4`, `valkey/valkey:8`) at init, or from `INFO server` at run.
#pragma once

#include <string>
#include <string_view>

namespace rc::agent {

struct ServerVersion {
  bool known = false;   // false: tag like `latest` or a digest only
  bool valkey = false;  // a Valkey image / server
  int major = 0;
  int minor = 0;
  int patch = 0;

  // Redis-compatible version this server behaves as (Valkey 7.2+ accepts what
  // Redis 7.2 accepts). Unknown versions compare as the oldest supported (5.0).
  int CompatMajor() const;
  int CompatMinor() const;
  // True when the server is at least Redis-compatible major.minor. An unknown
  // version only satisfies what the oldest supported version (5.0) has.
  bool AtLeast(int want_major, int want_minor) const;
  std::string ToString() const;  // "redis 5.0.4", "valkey 8", "unknown version"
};

// The oldest version the agent supports (the seed manifest runs redis:5.0.4).
inline constexpr int kOldestMajor = 5;
inline constexpr int kOldestMinor = 0;

// Parses an image reference: "[registry[:port]/]repo[:tag][@digest]". The tag's
// leading "M[.m[.p]]" gives the version ("7" counts as 7.0, "6.2-alpine" as
// 6.2); a repository whose last path part contains "valkey" is Valkey.
ServerVersion ParseImageVersion(std::string_view image);

// Parses the text of `INFO server` (redis_version, valkey_version, server_name).
ServerVersion ParseInfoServer(std::string_view info);

}  // namespace rc::agent
