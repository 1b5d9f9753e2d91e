// The GLIBC_TUNABLES value the webhook restarts itself with.
#include "webhook/allocator_tuning.h"

#include <gtest/gtest.h>

namespace rc::webhook {
namespace {

TEST(AllocatorTuning, AddsTheTcacheSettingToWhatIsThere) {
  EXPECT_EQ(TunablesWithTcache(nullptr), "glibc.malloc.tcache_count=1000");
  EXPECT_EQ(TunablesWithTcache(""), "glibc.malloc.tcache_count=1000");
  EXPECT_EQ(TunablesWithTcache("glibc.malloc.arena_max=2"),
            "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=1000");
}

TEST(AllocatorTuning, ATcacheCountAlreadySetIsKept) {
  EXPECT_EQ(TunablesWithTcache("glibc.malloc.tcache_count=7"), std::nullopt);
  EXPECT_EQ(TunablesWithTcache("glibc.malloc.arena_max=2:glibc.malloc.tcache_count=1000"),
            std::nullopt);
}

}  // namespace
}  // namespace rc::webhook
