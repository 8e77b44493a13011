#include "crypto/csr.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "crypto/key_impl.h"
#include "crypto/test_keys.h"

namespace mailcert::crypto {
namespace {

using util::ErrorCode;

struct ReqDeleter {
  void operator()(X509_REQ* req) const { X509_REQ_free(req); }
};
using ReqPtr = std::unique_ptr<X509_REQ, ReqDeleter>;

ReqPtr ParseCsr(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_NE(req, nullptr);
  EXPECT_EQ(p, reinterpret_cast<const unsigned char*>(der.data()) + der.size());
  return req;
}

// SAN entries in order, as text; iPAddress entries via inet_ntop.
std::vector<std::string> SanNames(X509_REQ* req, bool* critical) {
  std::vector<std::string> names;
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(req);
  for (int i = 0; i < sk_X509_EXTENSION_num(extensions); ++i) {
    X509_EXTENSION* extension = sk_X509_EXTENSION_value(extensions, i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(extension)) != NID_subject_alt_name) continue;
    *critical = X509_EXTENSION_get_critical(extension) == 1;
    auto* general_names = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(extension));
    for (int j = 0; j < sk_GENERAL_NAME_num(general_names); ++j) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(general_names, j);
      int type = 0;
      const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
      const auto* data = ASN1_STRING_get0_data(value);
      if (type == GEN_DNS) {
        names.emplace_back(reinterpret_cast<const char*>(data), ASN1_STRING_length(value));
      } else if (type == GEN_IPADD) {
        char text[INET6_ADDRSTRLEN];
        inet_ntop(ASN1_STRING_length(value) == 4 ? AF_INET : AF_INET6, data, text, sizeof(text));
        names.push_back(std::string("IP:") + text);
      } else {
        names.push_back("unexpected general name type " + std::to_string(type));
      }
    }
    GENERAL_NAMES_free(general_names);
  }
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  return names;
}

std::vector<int> ExtensionNids(X509_REQ* req) {
  std::vector<int> nids;
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(req);
  for (int i = 0; i < sk_X509_EXTENSION_num(extensions); ++i) {
    nids.push_back(OBJ_obj2nid(X509_EXTENSION_get_object(sk_X509_EXTENSION_value(extensions, i))));
  }
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  return nids;
}

std::string SubjectCn(X509_REQ* req) {
  X509_NAME* subject = X509_REQ_get_subject_name(req);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     ASN1_STRING_length(data));
}

std::string PublicKeyDerOf(X509_REQ* req) {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(X509_REQ_get0_pubkey(req), &der);
  std::string out(reinterpret_cast<char*>(der), length);
  OPENSSL_free(der);
  return out;
}

class CsrTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(CsrTest, CarriesEveryNameAndVerifies) {
  auto key = PrivateKey::Generate(GetParam());
  ASSERT_TRUE(key) << key.error().ToString();
  const std::vector<std::string> names = {"mail.example.org", "*.example.org", "192.0.2.25",
                                          "2001:db8::25", "smtp.example.net"};
  auto der = MakeCsrDer(*key, names);
  ASSERT_TRUE(der) << der.error().ToString();
  ReqPtr req = ParseCsr(*der);
  ASSERT_NE(req, nullptr);

  EXPECT_EQ(X509_REQ_get_version(req.get()), 0);  // PKCS#10 v1 (RFC 2986 §4.1)
  EXPECT_EQ(X509_REQ_verify(req.get(), X509_REQ_get0_pubkey(req.get())), 1);
  EXPECT_EQ(PublicKeyDerOf(req.get()), key->PublicKeyDer());
  const int expected_sig_nid = GetParam() == KeyType::kEc256 || GetParam() == KeyType::kEc384
                                   ? NID_ecdsa_with_SHA256
                                   : NID_sha256WithRSAEncryption;
  EXPECT_EQ(X509_REQ_get_signature_nid(req.get()), expected_sig_nid);

  bool critical = true;
  EXPECT_EQ(SanNames(req.get(), &critical),
            (std::vector<std::string>{"mail.example.org", "*.example.org", "IP:192.0.2.25",
                                      "IP:2001:db8::25", "smtp.example.net"}));
  EXPECT_FALSE(critical);  // the subject is not empty
  EXPECT_EQ(SubjectCn(req.get()), "mail.example.org");

  // Only subjectAltName; in particular no TLS Feature (OCSP Must-Staple, RFC 7633).
  EXPECT_EQ(ExtensionNids(req.get()), std::vector<int>{NID_subject_alt_name});
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, CsrTest,
                         ::testing::Values(KeyType::kEc256, KeyType::kEc384, KeyType::kRsa2048,
                                           KeyType::kRsa3072, KeyType::kRsa4096),
                         [](const auto& info) { return std::string(KeyTypeName(info.param)); });

TEST(CsrCommonNameTest, FirstNameUpTo64CharactersIsTheCn) {
  auto key = PrivateKey::Generate(KeyType::kEc256);
  ASSERT_TRUE(key);
  // 64 characters: label of 52 + ".example.org" (12).
  const std::string name64 = std::string(52, 'a') + ".example.org";
  ASSERT_EQ(name64.size(), 64u);
  ReqPtr req = ParseCsr(MakeCsrDer(*key, {name64, "mail.example.org"}).value());
  EXPECT_EQ(SubjectCn(req.get()), name64);

  const std::string name65 = "b" + name64;
  ReqPtr long_req = ParseCsr(MakeCsrDer(*key, {name65, "mail.example.org"}).value());
  EXPECT_EQ(X509_NAME_entry_count(X509_REQ_get_subject_name(long_req.get())), 0);
  bool critical = false;
  EXPECT_EQ(SanNames(long_req.get(), &critical),
            (std::vector<std::string>{name65, "mail.example.org"}));
  EXPECT_TRUE(critical);  // RFC 5280 §4.2.1.6: empty subject → critical SAN
  EXPECT_EQ(X509_REQ_verify(long_req.get(), X509_REQ_get0_pubkey(long_req.get())), 1);
}

TEST(CsrInputTest, RejectsMissingEmptyAndMalformedNames) {
  auto key = PrivateKey::Generate(KeyType::kEc256);
  ASSERT_TRUE(key);
  for (const std::vector<std::string>& names :
       std::vector<std::vector<std::string>>{{},
                                             {""},
                                             {"mail.example.org", ""},
                                             {"fe80::1%eth0"},
                                             {"has space.example"},
                                             {"b\xc3\xbc"
                                              "cher.example"}}) {
    auto der = MakeCsrDer(*key, names);
    ASSERT_FALSE(der) << names.size();
    EXPECT_EQ(der.error().code, ErrorCode::kInvalidInput) << der.error().ToString();
  }
}

TEST(CsrInputTest, RejectsKeysCasCannotIssueFor) {
  auto ed25519 = testing::GenerateEd25519Key();
  ASSERT_TRUE(ed25519);
  auto der = MakeCsrDer(*ed25519, {"mail.example.org"});
  ASSERT_FALSE(der);
  EXPECT_EQ(der.error().code, ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace mailcert::crypto
