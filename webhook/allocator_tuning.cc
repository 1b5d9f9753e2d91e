#include "webhook/allocator_tuning.h"

#include <string_view>

namespace rc::webhook {

std::optional<std::string> TunablesWithTcache(const char* current) {
  const std::string setting = "glibc.malloc.tcache_count=" + std::to_string(kTcacheCount);
  if (current == nullptr || *current == '\0') return setting;
  const std::string_view value = current;
  if (value.find("glibc.malloc.tcache_count=") != std::string_view::npos) return std::nullopt;
  return std::string(value) + ":" + setting;
}

}  // namespace rc::webhook
