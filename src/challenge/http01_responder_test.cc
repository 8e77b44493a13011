// The built-in HTTP-01 responder on real loopback sockets, IPv4 and IPv6.
#include <gtest/gtest.h>

#include "challenge/http01.h"
#include "net/http_client.h"

namespace mailcert::challenge {
namespace {

class ResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::HttpClientOptions options;
    options.user_agent = "mailcert-test";
    auto client = net::MakeHttpClient(options);
    ASSERT_TRUE(client) << client.error().ToString();
    client_ = std::move(*client);
  }
  net::HttpResponse Get(const std::string& url) {
    net::HttpRequest request;
    request.url = url;
    auto response = client_->Send(request);
    EXPECT_TRUE(response) << response.error().ToString();
    return response ? *response : net::HttpResponse{};
  }
  std::unique_ptr<net::HttpClient> client_;
};

TEST_F(ResponderTest, AnswersOnlyTokensInFlightOnIpv4AndIpv6) {
  Http01Standalone responder({"127.0.0.1:0", "[::1]:0"});
  ASSERT_TRUE(responder.Prepare());
  std::vector<std::string> bound = responder.BoundAddresses();
  ASSERT_EQ(bound.size(), 2u);
  ChallengeTask task{"mail.example.test", "http-01", "token-123", "token-123.thumbprint"};
  ASSERT_TRUE(responder.Present(task));
  for (const auto& address : bound) {
    const std::string base = "http://" + address;
    net::HttpResponse hit = Get(base + "/.well-known/acme-challenge/token-123");
    EXPECT_EQ(hit.status, 200) << address;
    EXPECT_EQ(hit.body, "token-123.thumbprint") << address;
    EXPECT_EQ(Get(base + "/.well-known/acme-challenge/other").status, 404) << address;
    EXPECT_EQ(Get(base + "/index.html").status, 404) << address;
  }
  EXPECT_EQ(responder.answered(), 2);
  ASSERT_TRUE(responder.CleanUp(task));
  EXPECT_EQ(Get("http://" + bound[0] + "/.well-known/acme-challenge/token-123").status, 404);
}

TEST_F(ResponderTest, PortInUseIsAClearErrorWithAWayOut) {
  Http01Standalone first({"127.0.0.1:0"});
  ASSERT_TRUE(first.Prepare());
  Http01Standalone second({first.BoundAddresses()[0]});
  auto prepared = second.Prepare();
  ASSERT_FALSE(prepared);
  EXPECT_NE(prepared.error().message.find("Address already in use"), std::string::npos)
      << prepared.error().message;
  EXPECT_NE(prepared.error().message.find("--webroot"), std::string::npos);
}

}  // namespace
}  // namespace mailcert::challenge
