#include "agent/sidecar/file_lease.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "tests/support/wait_for.h"

namespace rc::agent {
namespace {

std::string TempPath() {
  char tmpl[] = "/tmp/rc-lease-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd >= 0) close(fd);
  return tmpl;
}

TEST(FileLease, OneHolderAtATimeUntilReleasedOrExpired) {
  std::string path = TempPath();
  FileLease a(path, std::chrono::milliseconds(200));
  FileLease b(path, std::chrono::milliseconds(200));
  auto got = a.AcquireOrRenew("redis-0");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got);
  auto refused = b.AcquireOrRenew("redis-2");
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(*refused);
  EXPECT_EQ(b.Holder(), "redis-0");
  // Not renewed: it expires and another agent may take it.
  EXPECT_TRUE(rc::testing::WaitFor(
      [&] {
        auto r = b.AcquireOrRenew("redis-2");
        return r.ok() && *r;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(a.Holder(), "redis-2");
  ASSERT_TRUE(b.Release("redis-2").ok());
  EXPECT_EQ(a.Holder(), "");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace rc::agent
