// probe::Probe against a real nginx (Debian's) on 127.0.0.1 and [::1]: HTTPS with SNI server
// blocks, dual RSA + ECDSA certificates, an expired and a wrong-name certificate, and replaced
// files after `nginx -t` and `nginx -s reload`.

#include <gtest/gtest.h>

#include <chrono>

#include "nginx.h"
#include "probe_fixture.h"

namespace mailcert::probe {
namespace {

using mailcert::testing::NginxCertificate;
using mailcert::testing::NginxOptions;
using mailcert::testing::NginxServer;

constexpr char kWebName[] = "mail.example.test";
constexpr char kOtherName[] = "autoconfig.example.test";

class NginxProbeTest : public ServerProbeTest {
 protected:
  static NginxCertificate Certificate(const LeafFiles& files) {
    return {files.fullchain, files.key};
  }

  static Endpoint Https(const NginxServer& nginx, const std::string& sni = kWebName,
                        const std::string& host = "127.0.0.1") {
    return {host, nginx.HttpsPort(), Protocol::kHttps, sni};
  }
};

TEST_F(NginxProbeTest, ServesTheChainOnIpv4AndIpv6) {
  LeafFiles web = Leaf("web", {.names = {kWebName}});
  NginxServer nginx(NginxOptions{.certificates = {Certificate(web)}});
  ASSERT_TRUE(nginx.Start());
  // "localhost" goes through the resolver, which may offer ::1 and 127.0.0.1.
  for (const std::string host : {"127.0.0.1", "::1", "localhost"}) {
    auto served = Probe(Https(nginx, kWebName, host), LoopbackOptions());
    ASSERT_TRUE(served) << host << ": " << served.error().ToString() << "\n"
                        << nginx.ErrorLogTail();
    EXPECT_EQ(Fingerprint(*served), web.fingerprint) << host;
    CheckReport report = Check(*served, kWebName);
    EXPECT_TRUE(report.chain_verifies) << report.chain_error;
    EXPECT_TRUE(report.names_match);
  }
}

TEST_F(NginxProbeTest, SniServerBlocks) {
  LeafFiles web = Leaf("web", {.names = {kWebName}});
  LeafFiles other = Leaf("other", {.names = {kOtherName}});
  NginxServer nginx(NginxOptions{.certificates = {Certificate(web)},
                                 .servers = {{kOtherName, {Certificate(other)}}}});
  ASSERT_TRUE(nginx.Start());
  auto named = Probe(Https(nginx, kOtherName), LoopbackOptions());
  ASSERT_TRUE(named) << named.error().ToString();
  EXPECT_EQ(Fingerprint(*named), other.fingerprint);
  auto by_default = Probe(Https(nginx, kWebName), LoopbackOptions());
  ASSERT_TRUE(by_default) << by_default.error().ToString();
  EXPECT_EQ(Fingerprint(*by_default), web.fingerprint);
}

TEST_F(NginxProbeTest, DualRsaAndEcdsa) {
  LeafFiles rsa = Leaf("rsa", {.names = {kWebName}, .key_type = crypto::KeyType::kRsa2048});
  LeafFiles ecdsa = Leaf("ecdsa", {.names = {kWebName}});
  // RSA listed first on purpose: the client's preferences pick the certificate, not the order.
  NginxServer nginx(NginxOptions{.certificates = {Certificate(rsa), Certificate(ecdsa)}});
  ASSERT_TRUE(nginx.Start());
  auto as_rsa_client = Probe(Https(nginx), LoopbackOptions(net::TlsKeyRestriction::kRsaOnly));
  ASSERT_TRUE(as_rsa_client) << as_rsa_client.error().ToString();
  EXPECT_EQ(Fingerprint(*as_rsa_client), rsa.fingerprint);
  EXPECT_EQ(as_rsa_client->signature.rfind("RSA", 0), 0u) << as_rsa_client->signature;
  auto as_default_client = Probe(Https(nginx), LoopbackOptions());
  ASSERT_TRUE(as_default_client) << as_default_client.error().ToString();
  EXPECT_EQ(Fingerprint(*as_default_client), ecdsa.fingerprint);
  EXPECT_EQ(as_default_client->signature, "ECDSA+SHA256");
}

TEST_F(NginxProbeTest, ExpiredAndWrongNameAreServedAndReported) {
  const auto now = std::chrono::system_clock::now();
  LeafFiles expired = Leaf("expired", {.names = {kWebName},
                                       .not_before = now - std::chrono::hours(24 * 90),
                                       .not_after = now - std::chrono::hours(2)});
  LeafFiles wrong = Leaf("wrong", {.names = {"www.elsewhere.test"}});
  NginxServer nginx(NginxOptions{.certificates = {Certificate(expired)},
                                 .servers = {{kOtherName, {Certificate(wrong)}}}});
  ASSERT_TRUE(nginx.Start());

  auto served_expired = Probe(Https(nginx), LoopbackOptions());
  ASSERT_TRUE(served_expired) << served_expired.error().ToString();
  CheckReport expired_report = Check(*served_expired, kWebName);
  EXPECT_TRUE(expired_report.expired);
  EXPECT_EQ(expired_report.days_left, -1);
  EXPECT_FALSE(expired_report.chain_verifies);
  EXPECT_NE(expired_report.chain_error.find("certificate has expired"), std::string::npos)
      << expired_report.chain_error;

  auto served_wrong = Probe(Https(nginx, kOtherName), LoopbackOptions());
  ASSERT_TRUE(served_wrong) << served_wrong.error().ToString();
  CheckReport wrong_report = Check(*served_wrong, kOtherName);
  EXPECT_TRUE(wrong_report.chain_verifies) << wrong_report.chain_error;
  EXPECT_FALSE(wrong_report.names_match);
  EXPECT_EQ(wrong_report.unmatched_names, std::vector<std::string>{kOtherName});
}

TEST_F(NginxProbeTest, ReplacedFilesServeTheNewLeafAfterReload) {
  LeafFiles web = Leaf("web", {.names = {kWebName}});
  NginxServer nginx(NginxOptions{.certificates = {Certificate(web)}});
  ASSERT_TRUE(nginx.Start());
  auto before = Probe(Https(nginx), LoopbackOptions());
  ASSERT_TRUE(before) << before.error().ToString();
  ASSERT_EQ(Fingerprint(*before), web.fingerprint);

  LeafFiles renewed = Leaf("web", {.names = {kWebName}});
  ASSERT_TRUE(nginx.TestConfig());
  ASSERT_TRUE(nginx.Reload());
  auto served = ProbeUntilServed(Https(nginx), LoopbackOptions(), renewed.fingerprint);
  ASSERT_TRUE(served) << served.error().ToString();
  EXPECT_EQ(Fingerprint(*served), renewed.fingerprint) << nginx.ErrorLogTail();
}

}  // namespace
}  // namespace mailcert::probe
