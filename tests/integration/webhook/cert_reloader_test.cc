// CertReloader reports the served certificate's notAfter (for the webhook's
// certificate expiry gauge). Certificates made by openssl at test time.
#include "webhook/cert_reloader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "tests/support/test_certs.h"

namespace rc::webhook {
namespace {

TEST(CertReloader, ReportsTheNotAfterOfTheLoadedCertificate) {
  std::string dir = ::testing::TempDir() + "/cert_reloader_test";
  std::filesystem::remove_all(dir);
  auto certs = rc::testing::MakeTestCerts(dir, "DNS:webhook.test");
  ASSERT_TRUE(certs.ok()) << certs.status().ToString();
  auto reloader = CertReloader::Create(certs->server_cert, certs->server_key);
  ASSERT_TRUE(reloader.ok()) << reloader.status().ToString();
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // test_certs.cc signs for 2 days.
  EXPECT_GT((*reloader)->not_after_unix(), now + 86400);
  EXPECT_LE((*reloader)->not_after_unix(), now + 2 * 86400 + 60);
}

}  // namespace
}  // namespace rc::webhook
