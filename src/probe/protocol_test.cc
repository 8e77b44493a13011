#include "probe/probe.h"
#include "probe/protocol.h"

#include <gtest/gtest.h>

namespace mailcert::probe {
namespace {

TEST(ProtocolTest, NamesRoundTrip) {
  for (Protocol protocol :
       {Protocol::kSmtpStarttls, Protocol::kSmtps, Protocol::kImapStarttls, Protocol::kImaps,
        Protocol::kPop3Stls, Protocol::kPop3s, Protocol::kSieveStarttls, Protocol::kHttps}) {
    auto parsed = ParseProtocol(ProtocolName(protocol));
    ASSERT_TRUE(parsed) << ProtocolName(protocol);
    EXPECT_EQ(*parsed, protocol);
  }
}

TEST(ProtocolTest, StarttlsFlagNamesMeanStarttls) {
  // `--starttls smtp` as `openssl s_client -starttls smtp` reads it.
  EXPECT_EQ(*ParseProtocol("smtp"), Protocol::kSmtpStarttls);
  EXPECT_EQ(*ParseProtocol("IMAP"), Protocol::kImapStarttls);
  EXPECT_EQ(*ParseProtocol("pop3"), Protocol::kPop3Stls);
  EXPECT_EQ(*ParseProtocol("sieve"), Protocol::kSieveStarttls);
  EXPECT_EQ(*ParseProtocol("managesieve"), Protocol::kSieveStarttls);
  EXPECT_EQ(*ParseProtocol("submission"), Protocol::kSmtpStarttls);
  EXPECT_EQ(*ParseProtocol("submissions"), Protocol::kSmtps);
  EXPECT_EQ(*ParseProtocol(" https "), Protocol::kHttps);
}

TEST(ProtocolTest, UnknownNameListsTheAcceptedOnes) {
  auto parsed = ParseProtocol("xmpp");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(parsed.error().message.find("\"xmpp\""), std::string::npos);
  EXPECT_NE(parsed.error().message.find("smtp, imap, pop3 or sieve"), std::string::npos);
}

TEST(ProtocolTest, DefaultPorts) {
  EXPECT_EQ(DefaultPorts(Protocol::kSmtpStarttls), (std::vector<int>{25, 587}));
  EXPECT_EQ(DefaultPorts(Protocol::kSmtps), (std::vector<int>{465}));
  EXPECT_EQ(DefaultPorts(Protocol::kImapStarttls), (std::vector<int>{143}));
  EXPECT_EQ(DefaultPorts(Protocol::kImaps), (std::vector<int>{993}));
  EXPECT_EQ(DefaultPorts(Protocol::kPop3Stls), (std::vector<int>{110}));
  EXPECT_EQ(DefaultPorts(Protocol::kPop3s), (std::vector<int>{995}));
  EXPECT_EQ(DefaultPorts(Protocol::kSieveStarttls), (std::vector<int>{4190}));
  EXPECT_EQ(DefaultPorts(Protocol::kHttps), (std::vector<int>{443}));
}

TEST(ProtocolTest, ProtocolForWellKnownPorts) {
  EXPECT_EQ(ProtocolForPort(25), Protocol::kSmtpStarttls);
  EXPECT_EQ(ProtocolForPort(587), Protocol::kSmtpStarttls);
  EXPECT_EQ(ProtocolForPort(465), Protocol::kSmtps);
  EXPECT_EQ(ProtocolForPort(993), Protocol::kImaps);
  EXPECT_EQ(ProtocolForPort(4190), Protocol::kSieveStarttls);
  EXPECT_EQ(ProtocolForPort(2525), std::nullopt);
}

TEST(ProtocolTest, ImplicitTls) {
  EXPECT_FALSE(IsImplicitTls(Protocol::kSmtpStarttls));
  EXPECT_FALSE(IsImplicitTls(Protocol::kSieveStarttls));
  EXPECT_TRUE(IsImplicitTls(Protocol::kSmtps));
  EXPECT_TRUE(IsImplicitTls(Protocol::kPop3s));
  EXPECT_TRUE(IsImplicitTls(Protocol::kHttps));
}

// Every address of a name is its own endpoint, so a listener on one family serving something
// else cannot hide behind the first address that answers.
TEST(EndpointTest, ANameBecomesOneEndpointPerAddressAndKeepsItsNameForSni) {
  std::vector<std::string> asked;
  AddressResolver resolve = [&](const std::string& host)
      -> util::Result<std::vector<std::string>> {
    asked.push_back(host);
    if (host == "gone.example.test") {
      return util::Fail(util::ErrorCode::kNetwork, "resolve \"gone.example.test\": NXDOMAIN");
    }
    return std::vector<std::string>{"192.0.2.25", "2001:db8::25"};
  };
  const Endpoint named{"mail.example.test", 25, Protocol::kSmtpStarttls, "", ""};
  std::vector<Endpoint> expanded = ExpandAddresses(named, resolve);
  ASSERT_EQ(expanded.size(), 2u);
  EXPECT_EQ(expanded[0].address, "192.0.2.25");
  EXPECT_EQ(expanded[1].address, "2001:db8::25");
  EXPECT_EQ(DescribeEndpoint(expanded[0]), "smtp mail.example.test:25 at 192.0.2.25");
  EXPECT_EQ(DescribeEndpoint(expanded[1]), "smtp mail.example.test:25 at [2001:db8::25]");
  Endpoint with_sni = expanded[1];
  with_sni.sni = "mx.example.test";
  EXPECT_EQ(DescribeEndpoint(with_sni),
            "smtp mail.example.test:25 at [2001:db8::25] (SNI mx.example.test)");

  // Literals and endpoints that already have their address are not looked up.
  for (const Endpoint& as_is : {Endpoint{"127.0.0.1", 25, Protocol::kSmtpStarttls, "", ""},
                                Endpoint{"::1", 25, Protocol::kSmtpStarttls, "", ""},
                                expanded[0]}) {
    std::vector<Endpoint> same = ExpandAddresses(as_is, resolve);
    ASSERT_EQ(same.size(), 1u);
    EXPECT_EQ(same[0].address, as_is.address);
  }
  EXPECT_EQ(asked, std::vector<std::string>{"mail.example.test"});
  // A name that does not resolve stays one endpoint: probing it says why.
  std::vector<Endpoint> unresolved =
      ExpandAddresses(Endpoint{"gone.example.test", 25, Protocol::kSmtpStarttls, "", ""}, resolve);
  ASSERT_EQ(unresolved.size(), 1u);
  EXPECT_TRUE(unresolved[0].address.empty());
}

}  // namespace
}  // namespace mailcert::probe
