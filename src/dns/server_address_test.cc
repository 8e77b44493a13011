#include "dns/server_address.h"

#include <gtest/gtest.h>

namespace mailcert::dns {
namespace {

TEST(ServerAddressTest, ParsesBothFamiliesWithAndWithoutPort) {
  EXPECT_EQ(ParseServerAddress("127.0.0.1").value(), (ServerAddress{"127.0.0.1", 53}));
  EXPECT_EQ(ParseServerAddress("127.0.0.1:5353").value(), (ServerAddress{"127.0.0.1", 5353}));
  EXPECT_EQ(ParseServerAddress("::1").value(), (ServerAddress{"::1", 53}));
  EXPECT_EQ(ParseServerAddress("[::1]").value(), (ServerAddress{"::1", 53}));
  EXPECT_EQ(ParseServerAddress("[2001:db8::53]:5300").value(),
            (ServerAddress{"2001:db8::53", 5300}));
  EXPECT_EQ(ParseServerAddress("[::1]:5353").value().ToString(), "[::1]:5353");
  EXPECT_EQ(ParseServerAddress("192.0.2.1").value().ToString(), "192.0.2.1:53");
}

TEST(ServerAddressTest, RejectsNamesAndBadPorts) {
  for (const char* bad : {"", "dns.example.com", "dns.example.com:53", "127.0.0.1:0",
                          "127.0.0.1:65536", "127.0.0.1:x", "[::1", "[::1]53", "1.2.3"}) {
    auto result = ParseServerAddress(bad);
    EXPECT_FALSE(result) << bad;
    if (!result) {
      EXPECT_EQ(result.error().code, util::ErrorCode::kInvalidInput);
    }
  }
}

TEST(ServerAddressTest, ReadsNameserverLinesOfResolvConf) {
  auto servers = ParseResolvConf(
      "# generated\nsearch example.com\nnameserver 192.0.2.53 # first\n"
      "options ndots:2 timeout:1\nnameserver 2001:db8::53\n;nameserver 10.0.0.1\n"
      "nameserver\t10.0.0.2\n",
      "/etc/resolv.conf");
  ASSERT_TRUE(servers) << servers.error().message;
  ASSERT_EQ(servers->size(), 3u);
  EXPECT_EQ((*servers)[0], (ServerAddress{"192.0.2.53", 53}));
  EXPECT_EQ((*servers)[1], (ServerAddress{"2001:db8::53", 53}));
  EXPECT_EQ((*servers)[2], (ServerAddress{"10.0.0.2", 53}));
}

TEST(ServerAddressTest, EmptyResolvConfMeansTheLocalServer) {
  auto servers = ParseResolvConf("search example.com\n", "resolv.conf");
  ASSERT_TRUE(servers);
  EXPECT_EQ(*servers, (std::vector<ServerAddress>{{"127.0.0.1", 53}}));
}

TEST(ServerAddressTest, BadNameserverNamesFileAndLine) {
  auto servers = ParseResolvConf("nameserver 10.0.0.1\nnameserver dns.example\n", "/r.conf");
  ASSERT_FALSE(servers);
  EXPECT_NE(servers.error().message.find("/r.conf:2:"), std::string::npos)
      << servers.error().message;
}

}  // namespace
}  // namespace mailcert::dns
