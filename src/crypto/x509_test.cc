#include "crypto/x509.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <chrono>

#include "crypto/hash.h"
#include "crypto/test_ca.h"
#include "crypto/test_keys.h"
#include "util/strings.h"

namespace mailcert::crypto {
namespace {

using std::chrono::hours;
using testing::CertOptions;
using testing::TestCa;
using util::ErrorCode;
using util::TimePoint;

TimePoint At(const char* rfc3339) { return util::ParseRfc3339(rfc3339).value(); }

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
std::unique_ptr<X509, X509Deleter> Decode(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return std::unique_ptr<X509, X509Deleter>(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

// What `openssl x509 -noout -serial` prints after "serial=" (it uses i2a_ASN1_INTEGER).
std::string OpenSslSerialText(const std::string& der) {
  auto cert = Decode(der);
  BIO* bio = BIO_new(BIO_s_mem());
  i2a_ASN1_INTEGER(bio, X509_get0_serialNumber(cert.get()));
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(length));
  BIO_free(bio);
  return text;
}

std::string SubjectKeyId(const std::string& der) {
  auto cert = Decode(der);
  const ASN1_OCTET_STRING* id = X509_get0_subject_key_id(cert.get());
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(id)),
                     ASN1_STRING_length(id));
}

class X509Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new TestCa(TestCa::CreateRoot().value());
    intermediate_ = new TestCa(root_->CreateIntermediate("mailcert test intermediate").value());
    other_root_ = new TestCa(TestCa::CreateRoot("unrelated root").value());
    ec_key_ = new PrivateKey(PrivateKey::Generate(KeyType::kEc256).value());
    rsa_key_ = new PrivateKey(PrivateKey::Generate(KeyType::kRsa2048).value());
    ed25519_key_ = new PrivateKey(testing::GenerateEd25519Key().value());
  }

  // A leaf for the usual names, valid from an hour ago for 90 days.
  static std::string Leaf(const PrivateKey& key) {
    CertOptions options;
    options.common_name = "mx.example.org";
    options.names = {"mx.example.org", "*.example.org", "192.0.2.25", "2001:db8::25"};
    return intermediate_->IssueLeaf(key, options).value();
  }

  static VerifyOptions Trusting(const TestCa& root) {
    VerifyOptions options;
    options.trusted_roots_pem = root.cert_pem();
    options.at = std::chrono::system_clock::now();
    return options;
  }

  static inline TestCa* root_;
  static inline TestCa* intermediate_;
  static inline TestCa* other_root_;
  static inline PrivateKey* ec_key_;
  static inline PrivateKey* rsa_key_;
  static inline PrivateKey* ed25519_key_;
};

TEST_F(X509Test, ParseFillsEveryField) {
  CertOptions options;
  options.common_name = "mx.example.org";
  options.names = {"mx.example.org", "*.example.org", "192.0.2.25", "2001:db8::25"};
  options.not_before = At("2025-01-02T03:04:05Z");
  options.not_after = At("2025-04-02T03:04:05Z");
  options.serial_hex = "8A0B0C0D0E0F1011";  // high bit set: DER needs a leading zero octet
  const std::string der = intermediate_->IssueLeaf(*ec_key_, options).value();

  auto info = ParseCertificate(der);
  ASSERT_TRUE(info) << info.error().ToString();
  EXPECT_EQ(info->der, der);
  EXPECT_EQ(info->serial_hex, "8a0b0c0d0e0f1011");
  EXPECT_EQ(info->serial_hex, util::ToLower(OpenSslSerialText(der)));
  EXPECT_EQ(info->serial_bytes, std::string("\x00\x8a\x0b\x0c\x0d\x0e\x0f\x10\x11", 9));
  EXPECT_EQ(info->subject_cn, "mx.example.org");
  EXPECT_EQ(info->issuer_cn, "mailcert test intermediate");
  EXPECT_EQ(info->issuer_dn, "CN=mailcert test intermediate,O=mailcert tests");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"mx.example.org", "*.example.org"}));
  EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"192.0.2.25", "2001:db8::25"}));
  EXPECT_EQ(info->not_before, At("2025-01-02T03:04:05Z"));
  EXPECT_EQ(info->not_after, At("2025-04-02T03:04:05Z"));
  EXPECT_EQ(info->key_type, "ec256");
  EXPECT_EQ(info->public_key_der, ec_key_->PublicKeyDer());
  EXPECT_EQ(info->spki_sha256, Sha256(ec_key_->PublicKeyDer()));
  EXPECT_EQ(info->spki_sha256.size(), 32u);
  EXPECT_EQ(info->fingerprint_sha256, Sha256(der));
  EXPECT_EQ(info->authority_key_id, SubjectKeyId(intermediate_->cert_der()));
  EXPECT_EQ(info->authority_key_id.size(), 20u);  // SHA-1 key id (RFC 5280 §4.2.1.2)
  EXPECT_FALSE(info->is_ca);
}

TEST_F(X509Test, ParseCaCertificatesAndKeyTypes) {
  auto intermediate = ParseCertificate(intermediate_->cert_der());
  ASSERT_TRUE(intermediate);
  EXPECT_TRUE(intermediate->is_ca);
  EXPECT_EQ(intermediate->subject_cn, "mailcert test intermediate");
  EXPECT_EQ(intermediate->issuer_cn, "mailcert test root");
  EXPECT_TRUE(intermediate->dns_names.empty());
  EXPECT_EQ(intermediate->authority_key_id, SubjectKeyId(root_->cert_der()));

  EXPECT_EQ(ParseCertificate(Leaf(*rsa_key_))->key_type, "rsa2048");
  EXPECT_EQ(ParseCertificate(Leaf(*ed25519_key_))->key_type, "ed25519");
}

TEST_F(X509Test, ParseSmallSerialAndNoSubject) {
  CertOptions options;
  options.names = {"mx.example.org"};
  options.serial_hex = "01";
  auto info = ParseCertificate(intermediate_->IssueLeaf(*ec_key_, options).value());
  ASSERT_TRUE(info);
  EXPECT_EQ(info->serial_hex, "01");
  EXPECT_EQ(info->serial_bytes, "\x01");
  EXPECT_EQ(info->subject_cn, "");
}

TEST_F(X509Test, ParsePemGivesTheSameCertificate) {
  const std::string der = Leaf(*ec_key_);
  auto from_pem = ParseCertificate(DerToPem(der) + DerToPem(intermediate_->cert_der()));
  ASSERT_TRUE(from_pem) << from_pem.error().ToString();
  EXPECT_EQ(from_pem->der, der);  // the first block
  EXPECT_EQ(from_pem->subject_cn, "mx.example.org");
}

TEST_F(X509Test, ParseRejectsGarbageAndTrailingBytes) {
  for (const std::string& text : {std::string("not a certificate"), std::string(),
                                  Leaf(*ec_key_) + "x", Leaf(*ec_key_).substr(0, 100)}) {
    auto info = ParseCertificate(text);
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().code, ErrorCode::kInvalidInput) << info.error().ToString();
  }
}

TEST_F(X509Test, SplitPemKeepsCertificatesInOrderAndSkipsKeys) {
  const std::string leaf = Leaf(*ec_key_);
  const std::string bundle = "leading text\n" + DerToPem(leaf) + ec_key_->ToPem().value() +
                             DerToPem(intermediate_->cert_der()) + "\n";
  auto blocks = SplitPemCertificates(bundle);
  ASSERT_TRUE(blocks) << blocks.error().ToString();
  EXPECT_EQ(*blocks, (std::vector<std::string>{leaf, intermediate_->cert_der()}));

  auto none = SplitPemCertificates(ec_key_->ToPem().value());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(none.error().ToString().find("PRIVATE"), std::string::npos);

  std::string broken = DerToPem(leaf);
  broken.replace(40, 4, "!!!!");
  auto bad = SplitPemCertificates(broken);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
}

TEST_F(X509Test, DerToPemUses64CharacterLines) {
  const std::string pem = DerToPem(intermediate_->cert_der());
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  EXPECT_TRUE(pem.ends_with("\n-----END CERTIFICATE-----\n"));
  std::vector<std::string> lines = util::Split(pem, '\n');
  for (size_t i = 1; i + 3 < lines.size(); ++i) EXPECT_EQ(lines[i].size(), 64u) << i;
}

TEST_F(X509Test, VerifyChainAcceptsAGoodChain) {
  const std::vector<std::string> chain = {Leaf(*ec_key_), intermediate_->cert_der()};
  VerifyOptions options = Trusting(*root_);
  EXPECT_TRUE(VerifyChain(chain, options));
  for (const char* host : {"mx.example.org", "imap.example.org", "192.0.2.25", "2001:db8::25"}) {
    options.host_name = host;
    auto verdict = VerifyChain(chain, options);
    EXPECT_TRUE(verdict) << host << ": " << verdict.error().ToString();
  }
  // The default `at` means now.
  options.at = TimePoint{};
  EXPECT_TRUE(VerifyChain(chain, options));
}

void ExpectVerifyError(const util::Result<void>& verdict, int x509_error) {
  ASSERT_FALSE(verdict);
  EXPECT_EQ(verdict.error().code, ErrorCode::kCrypto);
  EXPECT_NE(verdict.error().message.find(X509_verify_cert_error_string(x509_error)),
            std::string::npos)
      << verdict.error().ToString();
}

TEST_F(X509Test, VerifyChainRejectsExpiredAndNotYetValid) {
  const std::string leaf = Leaf(*ec_key_);
  const TimePoint not_after = ParseCertificate(leaf)->not_after;
  VerifyOptions options = Trusting(*root_);
  options.at = not_after + hours(24);
  auto expired = VerifyChain({leaf, intermediate_->cert_der()}, options);
  ExpectVerifyError(expired, X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_NE(expired.error().message.find("certificate has expired"), std::string::npos);

  options.at = std::chrono::system_clock::now() - hours(24 * 2);
  ExpectVerifyError(VerifyChain({leaf, intermediate_->cert_der()}, options),
                    X509_V_ERR_CERT_NOT_YET_VALID);
}

TEST_F(X509Test, VerifyChainRejectsUnknownIssuer) {
  const std::string leaf = Leaf(*ec_key_);
  auto verdict = VerifyChain({leaf, intermediate_->cert_der()}, Trusting(*other_root_));
  ExpectVerifyError(verdict, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_NE(verdict.error().message.find("unable to get local issuer certificate"),
            std::string::npos);
  // Without the intermediate the leaf's issuer is unknown too.
  ExpectVerifyError(VerifyChain({leaf}, Trusting(*root_)),
                    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  // The system store does not know the test root.
  VerifyOptions system;
  system.at = std::chrono::system_clock::now();
  ExpectVerifyError(VerifyChain({leaf, intermediate_->cert_der()}, system),
                    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(X509Test, VerifyChainTellsIntermediatesApart) {
  // Two hierarchies verified alternately: cached intermediates must never stand in for another.
  TestCa other_intermediate = other_root_->CreateIntermediate("other intermediate").value();
  CertOptions options;
  options.names = {"mx.example.org"};
  const std::string other_leaf = other_intermediate.IssueLeaf(*ec_key_, options).value();
  const std::string leaf = Leaf(*ec_key_);
  for (int round = 0; round < 2; ++round) {
    EXPECT_TRUE(VerifyChain({leaf, intermediate_->cert_der()}, Trusting(*root_)));
    EXPECT_TRUE(VerifyChain({other_leaf, other_intermediate.cert_der()}, Trusting(*other_root_)));
    EXPECT_FALSE(VerifyChain({leaf, other_intermediate.cert_der()}, Trusting(*other_root_)));
    EXPECT_FALSE(VerifyChain({other_leaf, intermediate_->cert_der()}, Trusting(*root_)));
  }
}

TEST_F(X509Test, VerifyChainRejectsHostMismatch) {
  const std::vector<std::string> chain = {Leaf(*ec_key_), intermediate_->cert_der()};
  // The last two: a wildcard covers one label only, and never matches an IP (RFC 6125 §6.4.3).
  for (const char* host : {"mail.example.net", "a.b.example.org", "192.0.2.26"}) {
    VerifyOptions options = Trusting(*root_);
    options.host_name = host;
    auto verdict = VerifyChain(chain, options);
    ASSERT_FALSE(verdict) << host;
    EXPECT_EQ(verdict.error().code, ErrorCode::kCrypto);
    EXPECT_NE(verdict.error().message.find("mismatch"), std::string::npos)
        << verdict.error().ToString();
    EXPECT_NE(verdict.error().detail.find(host), std::string::npos);
  }
  VerifyOptions options = Trusting(*root_);
  options.host_name = "mail.example.net";
  ExpectVerifyError(VerifyChain(chain, options), X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(X509Test, VerifyChainRejectsBadInput) {
  auto empty = VerifyChain({}, Trusting(*root_));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidInput);
  auto garbage = VerifyChain({"garbage"}, Trusting(*root_));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, ErrorCode::kInvalidInput);
  VerifyOptions bad_roots = Trusting(*root_);
  bad_roots.trusted_roots_pem = "no certificates here";
  auto no_roots = VerifyChain({Leaf(*ec_key_), intermediate_->cert_der()}, bad_roots);
  ASSERT_FALSE(no_roots);
  EXPECT_EQ(no_roots.error().code, ErrorCode::kInvalidInput);
}

TEST_F(X509Test, KeyMatchesCertificateForEveryKeyType) {
  const PrivateKey* keys[] = {ec_key_, rsa_key_, ed25519_key_};
  CertificateInfo certs[3];
  for (int i = 0; i < 3; ++i) certs[i] = ParseCertificate(Leaf(*keys[i])).value();
  for (int key = 0; key < 3; ++key) {
    for (int cert = 0; cert < 3; ++cert) {
      EXPECT_EQ(KeyMatchesCertificate(*keys[key], certs[cert]), key == cert) << key << cert;
    }
  }
  // Another key of the same type never matches.
  auto other_ec = PrivateKey::Generate(KeyType::kEc256).value();
  auto other_rsa = PrivateKey::Generate(KeyType::kRsa2048).value();
  auto other_ed = testing::GenerateEd25519Key().value();
  EXPECT_FALSE(KeyMatchesCertificate(other_ec, certs[0]));
  EXPECT_FALSE(KeyMatchesCertificate(other_rsa, certs[1]));
  EXPECT_FALSE(KeyMatchesCertificate(other_ed, certs[2]));
}

TEST(TestChainTest, MakesAVerifiableChain) {
  auto chain = testing::MakeTestChain({"mail.example.org", "mx.example.org"});
  ASSERT_TRUE(chain) << chain.error().ToString();
  auto blocks = SplitPemCertificates(chain->FullChainPem());
  ASSERT_TRUE(blocks);
  EXPECT_EQ(blocks->size(), 2u);
  VerifyOptions options;
  options.trusted_roots_pem = chain->RootPem();
  options.host_name = "mx.example.org";
  EXPECT_TRUE(VerifyChain(*blocks, options));
  EXPECT_TRUE(KeyMatchesCertificate(chain->leaf_key, ParseCertificate(chain->leaf_der).value()));
}

}  // namespace
}  // namespace mailcert::crypto
