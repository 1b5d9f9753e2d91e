// ParseHostPort: the "HOST:PORT" arguments of the agent's operator commands.
#include <gtest/gtest.h>

#include "common/redis_client.h"

namespace rc {
namespace {

TEST(ParseHostPort, AcceptsIpv4NamesAndBracketedIpv6) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(ParseHostPort("10.0.0.3:6379", &host, &port).ok());
  EXPECT_EQ(host, "10.0.0.3");
  EXPECT_EQ(port, 6379);
  ASSERT_TRUE(ParseHostPort("web-0.web.ns.svc:7000", &host, &port).ok());
  EXPECT_EQ(host, "web-0.web.ns.svc");
  EXPECT_EQ(port, 7000);
  ASSERT_TRUE(ParseHostPort("[fd00::1]:6379", &host, &port).ok());
  EXPECT_EQ(host, "fd00::1");
  EXPECT_EQ(port, 6379);
}

TEST(ParseHostPort, RejectsWhatIsNotHostPortAndNamesIt) {
  std::string host = "unchanged";
  int port = 1;
  for (const char* bad : {"10.0.0.3", ":6379", "10.0.0.3:", "10.0.0.3:0", "10.0.0.3:65536",
                          "10.0.0.3:63x9", "10.0.0.3:99999999999"}) {
    Status s = ParseHostPort(bad, &host, &port);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find(bad), std::string::npos) << s.message();
  }
  EXPECT_EQ(host, "unchanged");
  EXPECT_EQ(port, 1);
}

}  // namespace
}  // namespace rc
