// probe::Probe against a real Dovecot 2.3 (Debian's) on loopback: IMAP STARTTLS and IMAPS,
// POP3 STLS and POP3S, ManageSieve STARTTLS; SNI through local_name blocks; ssl_alt_cert for a
// second key type; a wrong-name certificate; ssl = no; replaced files after `doveadm reload`.

#include <gtest/gtest.h>

#include "dovecot.h"
#include "probe_fixture.h"

namespace mailcert::probe {
namespace {

using mailcert::testing::DovecotCertificate;
using mailcert::testing::DovecotOptions;
using mailcert::testing::DovecotServer;

constexpr char kMailName[] = "mail.example.test";
constexpr char kOtherName[] = "imap.other.example.test";

class DovecotProbeTest : public ServerProbeTest {
 protected:
  static DovecotCertificate Certificate(const LeafFiles& files) {
    return {files.fullchain, files.key};
  }

  static std::vector<Endpoint> AllListeners(const DovecotServer& dovecot,
                                            const std::string& sni = kMailName) {
    return {{"127.0.0.1", dovecot.ImapPort(), Protocol::kImapStarttls, sni},
            {"127.0.0.1", dovecot.ImapsPort(), Protocol::kImaps, sni},
            {"127.0.0.1", dovecot.Pop3Port(), Protocol::kPop3Stls, sni},
            {"127.0.0.1", dovecot.Pop3sPort(), Protocol::kPop3s, sni},
            {"127.0.0.1", dovecot.SievePort(), Protocol::kSieveStarttls, sni}};
  }
};

TEST_F(DovecotProbeTest, EveryProtocolServesTheCertificate) {
  LeafFiles mail = Leaf("mail", {.names = {kMailName}});
  DovecotServer dovecot(DovecotOptions{.certificate = Certificate(mail)});
  ASSERT_TRUE(dovecot.Start());

  for (const Endpoint& endpoint : AllListeners(dovecot)) {
    auto served = Probe(endpoint, LoopbackOptions());
    ASSERT_TRUE(served) << DescribeEndpoint(endpoint) << ": " << served.error().ToString() << "\n"
                        << dovecot.LogTail();
    EXPECT_EQ(Fingerprint(*served), mail.fingerprint) << DescribeEndpoint(endpoint);
    CheckReport report = Check(*served, kMailName);
    EXPECT_TRUE(report.chain_verifies) << report.chain_error;
    EXPECT_TRUE(report.names_match);
  }
}

TEST_F(DovecotProbeTest, LocalNameBlocksServeEachNameItsCertificate) {
  LeafFiles mail = Leaf("mail", {.names = {kMailName}});
  LeafFiles other = Leaf("other", {.names = {kOtherName}});
  DovecotServer dovecot(DovecotOptions{.certificate = Certificate(mail),
                                       .local_names = {{kOtherName, Certificate(other)}}});
  ASSERT_TRUE(dovecot.Start());

  ASSERT_NO_FATAL_FAILURE(ExpectEachServes(AllListeners(dovecot, kOtherName), other.fingerprint,
                                           [&] { return dovecot.LogTail(); }));
  ASSERT_NO_FATAL_FAILURE(ExpectEachServes(AllListeners(dovecot, kMailName), mail.fingerprint));
}

TEST_F(DovecotProbeTest, AltCertificateServesRsaOnlyClients) {
  LeafFiles ecdsa = Leaf("ecdsa", {.names = {kMailName}});
  LeafFiles rsa = Leaf("rsa", {.names = {kMailName}, .key_type = crypto::KeyType::kRsa2048});
  DovecotServer dovecot(
      DovecotOptions{.certificate = Certificate(ecdsa), .alt_certificate = Certificate(rsa)});
  ASSERT_TRUE(dovecot.Start());
  const Endpoint imaps{"127.0.0.1", dovecot.ImapsPort(), Protocol::kImaps, kMailName};
  auto as_rsa_client = Probe(imaps, LoopbackOptions(net::TlsKeyRestriction::kRsaOnly));
  ASSERT_TRUE(as_rsa_client) << as_rsa_client.error().ToString() << "\n" << dovecot.LogTail();
  EXPECT_EQ(Fingerprint(*as_rsa_client), rsa.fingerprint);
  auto as_default_client = Probe(imaps, LoopbackOptions());
  ASSERT_TRUE(as_default_client) << as_default_client.error().ToString();
  EXPECT_EQ(Fingerprint(*as_default_client), ecdsa.fingerprint);
}

TEST_F(DovecotProbeTest, WrongNameIsReportedAsMismatch) {
  LeafFiles wrong = Leaf("wrong", {.names = {"www.example.test"}});
  DovecotServer dovecot(DovecotOptions{.certificate = Certificate(wrong)});
  ASSERT_TRUE(dovecot.Start());
  auto served = Probe({"127.0.0.1", dovecot.ImapPort(), Protocol::kImapStarttls, kMailName},
                      LoopbackOptions());
  ASSERT_TRUE(served) << served.error().ToString();
  CheckReport report = Check(*served, kMailName);
  EXPECT_TRUE(report.chain_verifies) << report.chain_error;
  EXPECT_FALSE(report.names_match);
  EXPECT_EQ(report.unmatched_names, std::vector<std::string>{kMailName});
}

TEST_F(DovecotProbeTest, SslOffMeansNoStarttlsAndAnError) {
  DovecotServer dovecot(DovecotOptions{});
  ASSERT_TRUE(dovecot.Start());
  const std::vector<std::pair<Endpoint, std::string>> cases = {
      {{"127.0.0.1", dovecot.ImapPort(), Protocol::kImapStarttls, ""}, "did not offer STARTTLS"},
      {{"127.0.0.1", dovecot.Pop3Port(), Protocol::kPop3Stls, ""}, "did not offer STLS"},
      {{"127.0.0.1", dovecot.SievePort(), Protocol::kSieveStarttls, ""}, "did not offer STARTTLS"}};
  for (const auto& [endpoint, expected] : cases) {
    auto served = Probe(endpoint, LoopbackOptions());
    ASSERT_FALSE(served) << DescribeEndpoint(endpoint) << " passed without TLS";
    EXPECT_EQ(served.error().code, util::ErrorCode::kProtocol);
    EXPECT_NE(served.error().message.find(expected), std::string::npos)
        << served.error().ToString();
  }
}

TEST_F(DovecotProbeTest, ReplacedFilesServeTheNewLeafAfterReload) {
  LeafFiles mail = Leaf("mail", {.names = {kMailName}});
  LeafFiles other = Leaf("other", {.names = {kOtherName}});
  DovecotServer dovecot(DovecotOptions{.certificate = Certificate(mail),
                                       .local_names = {{kOtherName, Certificate(other)}}});
  ASSERT_TRUE(dovecot.Start());
  auto before = Probe(AllListeners(dovecot).front(), LoopbackOptions());
  ASSERT_TRUE(before) << before.error().ToString();
  ASSERT_EQ(Fingerprint(*before), mail.fingerprint);

  LeafFiles renewed = Leaf("mail", {.names = {kMailName}});
  LeafFiles renewed_other = Leaf("other", {.names = {kOtherName}});
  ASSERT_TRUE(dovecot.Reload());

  ASSERT_NO_FATAL_FAILURE(ExpectEachServesAfterReload(AllListeners(dovecot), renewed.fingerprint));
  ASSERT_NO_FATAL_FAILURE(
      ExpectEachServesAfterReload(AllListeners(dovecot, kOtherName), renewed_other.fingerprint));
}

}  // namespace
}  // namespace mailcert::probe
