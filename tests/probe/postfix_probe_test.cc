// probe::Probe against a real Postfix (Debian's) on loopback: SMTP STARTTLS on the smtp and
// submission services, implicit TLS on submissions, SNI through tls_server_sni_maps, dual
// RSA + ECDSA chain files, TLS switched off, replaced files after `postfix reload`, and a
// stopped server.

#include <gtest/gtest.h>

#include <chrono>

#include "postfix.h"
#include "probe_fixture.h"

namespace mailcert::probe {
namespace {

using mailcert::testing::PostfixOptions;
using mailcert::testing::PostfixServer;
using net::TlsKeyRestriction;

constexpr char kMailName[] = "mail.example.test";
constexpr char kOtherName[] = "other.example.test";

class PostfixProbeTest : public ServerProbeTest {
 protected:
  static Endpoint At(int port, Protocol protocol, const std::string& sni = kMailName) {
    return Endpoint{"127.0.0.1", port, protocol, sni};
  }

  // Every TLS-speaking listener of `postfix` with the protocol it speaks.
  static std::vector<Endpoint> AllListeners(const PostfixServer& postfix,
                                            const std::string& sni = kMailName) {
    return {At(postfix.SmtpPort(), Protocol::kSmtpStarttls, sni),
            At(postfix.SubmissionPort(), Protocol::kSmtpStarttls, sni),
            At(postfix.SmtpsPort(), Protocol::kSmtps, sni)};
  }
};

TEST_F(PostfixProbeTest, EveryListenerServesTheChainFile) {
  LeafFiles mail = Leaf("mail", {.names = {kMailName}});
  PostfixServer postfix(PostfixOptions{.chain_files = {mail.combined}});
  ASSERT_TRUE(postfix.Start());

  for (const Endpoint& endpoint : AllListeners(postfix)) {
    auto served = Probe(endpoint, LoopbackOptions());
    ASSERT_TRUE(served) << DescribeEndpoint(endpoint) << ": " << served.error().ToString() << "\n"
                        << postfix.LogTail();
    EXPECT_EQ(Fingerprint(*served), mail.fingerprint) << DescribeEndpoint(endpoint);
    EXPECT_EQ(served->chain_der.size(), 2u);  // leaf + intermediate, as in the file
    EXPECT_EQ(served->tls_version, "TLSv1.3");
    EXPECT_EQ(served->leaf.key_type, "ec256");

    CheckReport report = Check(*served, kMailName);
    EXPECT_TRUE(report.chain_verifies) << report.chain_error;
    EXPECT_TRUE(report.names_match);
    EXPECT_FALSE(report.expired);
    EXPECT_EQ(report.fingerprint_sha256, mail.fingerprint);
    EXPECT_GE(report.days_left, 88);
  }
}

TEST_F(PostfixProbeTest, SniMapServesEachNameItsCertificate) {
  LeafFiles mail = Leaf("mail", {.names = {kMailName}});
  LeafFiles other = Leaf("other", {.names = {kOtherName}, .key_type = crypto::KeyType::kRsa2048});
  PostfixServer postfix(
      PostfixOptions{.chain_files = {mail.combined}, .sni = {{kOtherName, {other.combined}}}});
  ASSERT_TRUE(postfix.Start());

  ASSERT_NO_FATAL_FAILURE(ExpectEachServes(AllListeners(postfix, kOtherName), other.fingerprint,
                                           [&] { return postfix.LogTail(); }));
  ASSERT_NO_FATAL_FAILURE(ExpectEachServes(AllListeners(postfix, kMailName), mail.fingerprint));
}

TEST_F(PostfixProbeTest, DualRsaAndEcdsaChainFiles) {
  LeafFiles ecdsa = Leaf("ecdsa", {.names = {kMailName}});
  LeafFiles rsa = Leaf("rsa", {.names = {kMailName}, .key_type = crypto::KeyType::kRsa2048});
  PostfixServer postfix(PostfixOptions{.chain_files = {ecdsa.combined, rsa.combined}});
  ASSERT_TRUE(postfix.Start());

  for (const Endpoint& endpoint : AllListeners(postfix)) {
    auto as_rsa_client = Probe(endpoint, LoopbackOptions(TlsKeyRestriction::kRsaOnly));
    ASSERT_TRUE(as_rsa_client) << as_rsa_client.error().ToString() << "\n" << postfix.LogTail();
    EXPECT_EQ(Fingerprint(*as_rsa_client), rsa.fingerprint) << DescribeEndpoint(endpoint);
    EXPECT_EQ(as_rsa_client->leaf.key_type, "rsa2048");
    EXPECT_EQ(as_rsa_client->tls_version, "TLSv1.2");

    auto as_default_client = Probe(endpoint, LoopbackOptions());
    ASSERT_TRUE(as_default_client) << as_default_client.error().ToString();
    EXPECT_EQ(Fingerprint(*as_default_client), ecdsa.fingerprint) << DescribeEndpoint(endpoint);
  }
}

TEST_F(PostfixProbeTest, TlsOffIsAnErrorNeverAPass) {
  PostfixServer postfix(PostfixOptions{});  // no chain files: smtpd_tls_security_level = none
  ASSERT_TRUE(postfix.Start());
  for (int port : {postfix.SmtpPort(), postfix.SubmissionPort()}) {
    auto served = Probe(At(port, Protocol::kSmtpStarttls), LoopbackOptions());
    ASSERT_FALSE(served) << "a server without STARTTLS passed the probe";
    EXPECT_EQ(served.error().code, util::ErrorCode::kProtocol);
    EXPECT_NE(served.error().message.find("did not offer STARTTLS"), std::string::npos)
        << served.error().ToString();
    EXPECT_NE(served.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
        << served.error().ToString();
  }
}

TEST_F(PostfixProbeTest, ExpiredCertificateIsServedAndReportedExpired) {
  const auto now = std::chrono::system_clock::now();
  LeafFiles expired = Leaf("expired", {.names = {kMailName},
                                       .not_before = now - std::chrono::hours(24 * 100),
                                       .not_after = now - std::chrono::hours(24 * 10)});
  PostfixServer postfix(PostfixOptions{.chain_files = {expired.combined}});
  ASSERT_TRUE(postfix.Start());

  auto served = Probe(At(postfix.SubmissionPort(), Protocol::kSmtpStarttls), LoopbackOptions());
  ASSERT_TRUE(served) << served.error().ToString() << "\n" << postfix.LogTail();
  EXPECT_EQ(Fingerprint(*served), expired.fingerprint);
  CheckReport report = Check(*served, kMailName, now);
  EXPECT_TRUE(report.expired);
  EXPECT_LE(report.days_left, -10);
  EXPECT_FALSE(report.chain_verifies);
  EXPECT_NE(report.chain_error.find("certificate has expired"), std::string::npos)
      << report.chain_error;
}

TEST_F(PostfixProbeTest, ReplacedFilesServeTheNewLeafAfterReload) {
  LeafFiles mail = Leaf("mail", {.names = {kMailName}});
  LeafFiles other = Leaf("other", {.names = {kOtherName}});
  PostfixServer postfix(
      PostfixOptions{.chain_files = {mail.combined}, .sni = {{kOtherName, {other.combined}}}});
  ASSERT_TRUE(postfix.Start());
  auto before = Probe(At(postfix.SmtpPort(), Protocol::kSmtpStarttls), LoopbackOptions());
  ASSERT_TRUE(before) << before.error().ToString();
  ASSERT_EQ(Fingerprint(*before), mail.fingerprint);

  // A renewal: same paths, new contents. The SNI table holds copies (postmap -F), so it is
  // rebuilt; then `postfix reload`.
  LeafFiles renewed = Leaf("mail", {.names = {kMailName}});
  LeafFiles renewed_other = Leaf("other", {.names = {kOtherName}});
  ASSERT_NE(renewed.fingerprint, mail.fingerprint);
  ASSERT_TRUE(postfix.RebuildSniMap());
  ASSERT_TRUE(postfix.Reload());

  ASSERT_NO_FATAL_FAILURE(ExpectEachServesAfterReload(AllListeners(postfix), renewed.fingerprint));
  ASSERT_NO_FATAL_FAILURE(
      ExpectEachServesAfterReload(AllListeners(postfix, kOtherName), renewed_other.fingerprint));
}

TEST_F(PostfixProbeTest, StoppedServerIsConnectionRefused) {
  LeafFiles mail = Leaf("mail", {.names = {kMailName}});
  PostfixServer postfix(PostfixOptions{.chain_files = {mail.combined}});
  ASSERT_TRUE(postfix.Start());
  const int port = postfix.SmtpPort();
  postfix.Stop();
  auto served = Probe(At(port, Protocol::kSmtpStarttls), LoopbackOptions());
  ASSERT_FALSE(served);
  EXPECT_EQ(served.error().code, util::ErrorCode::kNetwork);
  EXPECT_EQ(served.error().message,
            "connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

}  // namespace
}  // namespace mailcert::probe
