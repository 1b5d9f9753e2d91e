// glibc's per-thread allocation cache (tcache) keeps 7 freed chunks per size
// by default. One admission builds and frees a JSON DOM of a few thousand
// small nodes, so most frees overflow into the shared bins and are merged back
// (malloc_consolidate) on every request: about a third of the core's time.
// With 1000 chunks per size the nodes are recycled within the event-loop
// thread (webhook_core_bench: 81 -> 61 us per admission, quiet machine). The setting is
// only read at process start, from GLIBC_TUNABLES, so the webhook re-executes
// itself once with it (webhook_main.cc); a tcache_count the user sets wins.
#pragma once

#include <optional>
#include <string>

namespace rc::webhook {

inline constexpr int kTcacheCount = 1000;

// The GLIBC_TUNABLES value to start with, given the current one (nullptr when
// unset); nullopt when it already sets glibc.malloc.tcache_count.
std::optional<std::string> TunablesWithTcache(const char* current);

}  // namespace rc::webhook
