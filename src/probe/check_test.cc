// CheckServed's verdicts on chains from the test CA: valid, expired, untrusted, wrong name,
// wildcards and IP addresses.

#include "probe/check.h"

#include <gtest/gtest.h>

#include <chrono>

#include "crypto/hash.h"
#include "crypto/test_ca.h"
#include "util/strings.h"

namespace mailcert::probe {
namespace {

using crypto::testing::CertOptions;
using crypto::testing::TestCa;
using std::chrono::hours;

constexpr auto kDay = hours(24);

// Designated initializers would trip -Wmissing-field-initializers (-Wextra) for the fields left
// at their defaults.
CertOptions Cert(std::vector<std::string> names, util::TimePoint not_before = {},
                 util::TimePoint not_after = {}) {
  CertOptions options;
  options.common_name = names.empty() ? "" : names.front();
  options.names = std::move(names);
  options.not_before = not_before;
  options.not_after = not_after;
  return options;
}

Served ServedFrom(const std::vector<std::string>& chain_der) {
  Served served;
  served.chain_der = chain_der;
  auto leaf = crypto::ParseCertificate(chain_der.front());
  EXPECT_TRUE(leaf) << leaf.error().ToString();
  if (leaf) served.leaf = *leaf;
  return served;
}

class CheckServedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto root = TestCa::CreateRoot("check test root");
    ASSERT_TRUE(root) << root.error().ToString();
    root_ = std::make_unique<TestCa>(std::move(*root));
    auto intermediate = root_->CreateIntermediate("check test intermediate");
    ASSERT_TRUE(intermediate);
    intermediate_ = std::make_unique<TestCa>(std::move(*intermediate));
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEc256);
    ASSERT_TRUE(key);
    key_ = std::make_unique<crypto::PrivateKey>(std::move(*key));
  }

  // Leaf → intermediate, as a server sends it.
  std::vector<std::string> Chain(const CertOptions& options) {
    auto leaf = intermediate_->IssueLeaf(*key_, options);
    EXPECT_TRUE(leaf) << leaf.error().ToString();
    return {leaf ? *leaf : "", intermediate_->cert_der()};
  }

  CheckOptions Options(std::vector<std::string> names) {
    return {std::move(names), root_->cert_pem(), now_};
  }

  const util::TimePoint now_ = std::chrono::system_clock::now();
  std::unique_ptr<TestCa> root_, intermediate_;
  std::unique_ptr<crypto::PrivateKey> key_;
};

TEST_F(CheckServedTest, ValidChainAndName) {
  CertOptions cert =
      Cert({"mail.example.org", "imap.example.org"}, now_ - hours(1), now_ + 30 * kDay + hours(5));
  Served served = ServedFrom(Chain(cert));
  CheckReport report = CheckServed(served, Options({"mail.example.org", "IMAP.example.org."}));
  EXPECT_TRUE(report.chain_verifies) << report.chain_error;
  EXPECT_TRUE(report.chain_error.empty());
  EXPECT_TRUE(report.names_match);
  EXPECT_EQ(report.days_left, 30);
  EXPECT_FALSE(report.expired);
  EXPECT_FALSE(report.not_yet_valid);
  EXPECT_EQ(report.fingerprint_sha256, util::HexEncode(crypto::Sha256(served.chain_der[0])));
  EXPECT_EQ(report.fingerprint_sha256.size(), 64u);
  EXPECT_EQ(report.spki_sha256, util::HexEncode(served.leaf.spki_sha256));
  EXPECT_EQ(report.subject_cn, "mail.example.org");
  EXPECT_EQ(report.issuer, "check test intermediate");
  EXPECT_EQ(report.key_type, "ec256");
}

TEST_F(CheckServedTest, ExpiredIsReportedWithOpenSslsReason) {
  CertOptions cert = Cert({"mail.example.org"}, now_ - 100 * kDay, now_ - 2 * kDay - hours(1));
  CheckReport report = CheckServed(ServedFrom(Chain(cert)), Options({"mail.example.org"}));
  EXPECT_TRUE(report.expired);
  EXPECT_EQ(report.days_left, -3);
  EXPECT_FALSE(report.chain_verifies);
  EXPECT_NE(report.chain_error.find("certificate has expired"), std::string::npos)
      << report.chain_error;
  EXPECT_TRUE(report.names_match);  // the name verdict stands apart from the chain's
}

TEST_F(CheckServedTest, NotYetValid) {
  CertOptions cert = Cert({"a.example.org"}, now_ + kDay, now_ + 90 * kDay);
  CheckReport report = CheckServed(ServedFrom(Chain(cert)), Options({"a.example.org"}));
  EXPECT_TRUE(report.not_yet_valid);
  EXPECT_FALSE(report.chain_verifies);
  EXPECT_NE(report.chain_error.find("not yet valid"), std::string::npos) << report.chain_error;
}

TEST_F(CheckServedTest, WrongNameIsListed) {
  Served served = ServedFrom(Chain(Cert({"www.example.org"})));
  CheckReport report = CheckServed(served, Options({"mail.example.org", "www.example.org"}));
  EXPECT_TRUE(report.chain_verifies) << report.chain_error;
  EXPECT_FALSE(report.names_match);
  EXPECT_EQ(report.unmatched_names, std::vector<std::string>{"mail.example.org"});
}

TEST_F(CheckServedTest, UntrustedRoot) {
  auto other_root = TestCa::CreateRoot("someone else's root");
  ASSERT_TRUE(other_root);
  Served served = ServedFrom(Chain(Cert({"mail.example.org"})));
  CheckReport report = CheckServed(served, {{"mail.example.org"}, other_root->cert_pem(), now_});
  EXPECT_FALSE(report.chain_verifies);
  EXPECT_NE(report.chain_error.find("unable to get local issuer certificate"), std::string::npos)
      << report.chain_error;
}

TEST_F(CheckServedTest, MissingIntermediate) {
  std::vector<std::string> chain = Chain(Cert({"mail.example.org"}));
  chain.pop_back();  // a server configured with cert.pem instead of fullchain.pem
  CheckReport report = CheckServed(ServedFrom(chain), Options({"mail.example.org"}));
  EXPECT_FALSE(report.chain_verifies);
  EXPECT_FALSE(report.chain_error.empty());
}

TEST_F(CheckServedTest, NoNamesAskedMatchesTrivially) {
  CheckReport report = CheckServed(ServedFrom(Chain(Cert({"x.example.org"}))), Options({}));
  EXPECT_TRUE(report.names_match);
}

TEST(CertificateCoversNameTest, WildcardsPerRfc6125) {
  crypto::CertificateInfo info;
  info.dns_names = {"*.example.org", "Mail.Example.NET"};
  info.ip_addresses = {"192.0.2.25", "2001:db8::25"};
  EXPECT_TRUE(CertificateCoversName(info, "mail.example.org"));
  EXPECT_TRUE(CertificateCoversName(info, "IMAP.EXAMPLE.ORG"));
  EXPECT_FALSE(CertificateCoversName(info, "example.org"));       // * is one whole label
  EXPECT_FALSE(CertificateCoversName(info, "a.b.example.org"));   // … and only one
  EXPECT_TRUE(CertificateCoversName(info, "mail.example.net."));  // case, trailing dot
  EXPECT_FALSE(CertificateCoversName(info, "example.net"));
  EXPECT_TRUE(CertificateCoversName(info, "192.0.2.25"));
  EXPECT_TRUE(CertificateCoversName(info, "[2001:db8:0::25]"));
  EXPECT_FALSE(CertificateCoversName(info, "192.0.2.26"));
  EXPECT_FALSE(CertificateCoversName(info, ""));
}

TEST(CertificateCoversNameTest, IpNeverMatchesADnsEntry) {
  crypto::CertificateInfo info;
  info.dns_names = {"192.0.2.25"};
  EXPECT_FALSE(CertificateCoversName(info, "192.0.2.25"));
}

}  // namespace
}  // namespace mailcert::probe
