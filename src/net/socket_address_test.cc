#include "net/socket_address.h"

#include <gtest/gtest.h>

namespace mailcert::net {
namespace {

std::vector<std::string> Formatted(const std::string& text) {
  auto parsed = ParseListenAddress(text);
  EXPECT_TRUE(parsed) << text << ": " << (parsed ? "" : parsed.error().message);
  std::vector<std::string> result;
  if (parsed) {
    for (const SocketAddress& address : *parsed)
      result.push_back(FormatSocketAddress(address.get()));
  }
  return result;
}

TEST(ParseListenAddress, AcceptedForms) {
  EXPECT_EQ(Formatted("127.0.0.1:5002"), std::vector<std::string>{"127.0.0.1:5002"});
  EXPECT_EQ(Formatted("[::1]:5002"), std::vector<std::string>{"[::1]:5002"});
  EXPECT_EQ(Formatted("[::]:80"), std::vector<std::string>{"[::]:80"});
  EXPECT_EQ(Formatted("0.0.0.0:80"), std::vector<std::string>{"0.0.0.0:80"});
  EXPECT_EQ(Formatted(":80"), (std::vector<std::string>{"0.0.0.0:80", "[::]:80"}));
  EXPECT_EQ(Formatted("[2001:db8::7]:0"), std::vector<std::string>{"[2001:db8::7]:0"});
}

TEST(ParseListenAddress, RejectedForms) {
  for (const char* text : {"", "80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "1.2.3:80",
                           "::1:80", "[::1:80", "[]:80", "localhost:80", "[::1]:8x", ":-1"}) {
    auto parsed = ParseListenAddress(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, util::ErrorCode::kInvalidInput);
    EXPECT_NE(parsed.error().message.find("listen address"), std::string::npos);
  }
}

TEST(ErrnoText, Describes) { EXPECT_EQ(ErrnoText(ECONNREFUSED), "Connection refused"); }

}  // namespace
}  // namespace mailcert::net
