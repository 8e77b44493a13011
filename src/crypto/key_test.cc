#include "crypto/key.h"

#include <gtest/gtest.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "crypto/key_impl.h"
#include "crypto/test_ca.h"
#include "crypto/test_keys.h"
#include "crypto/x509.h"

namespace mailcert::crypto {
namespace {

using util::ErrorCode;

constexpr KeyType kAllTypes[] = {KeyType::kEc256, KeyType::kEc384, KeyType::kRsa2048,
                                 KeyType::kRsa3072, KeyType::kRsa4096};

// One key per type for the whole suite: RSA 4096 generation takes a noticeable fraction of a
// second.
const PrivateKey& KeyOf(KeyType type) {
  static auto* keys = [] {
    auto* map = new std::vector<PrivateKey>();
    for (KeyType t : kAllTypes) {
      auto key = PrivateKey::Generate(t);
      if (!key) ADD_FAILURE() << key.error().ToString();
      map->push_back(std::move(*key));
    }
    return map;
  }();
  return keys->at(static_cast<size_t>(type));
}

// PEM in the pre-PKCS#8 "type-specific" layout ("EC PRIVATE KEY", "RSA PRIVATE KEY"), written
// with OpenSSL's own encoder.
std::string TraditionalPem(const PrivateKey& key) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(key.impl()->pkey, EVP_PKEY_KEYPAIR, "PEM",
                                                        "type-specific", nullptr);
  unsigned char* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(OSSL_ENCODER_to_data(ctx, &data, &length), 1);
  OSSL_ENCODER_CTX_free(ctx);
  std::string pem(reinterpret_cast<char*>(data), length);
  OPENSSL_free(data);
  return pem;
}

TEST(KeyTypeTest, NamesRoundTrip) {
  for (KeyType type : kAllTypes) {
    EXPECT_EQ(ParseKeyType(KeyTypeName(type)), type) << KeyTypeName(type);
  }
  EXPECT_EQ(KeyTypeName(KeyType::kEc256), "ec256");
  EXPECT_EQ(KeyTypeName(KeyType::kRsa4096), "rsa4096");
  EXPECT_EQ(ParseKeyType("EC256"), std::nullopt);
  EXPECT_EQ(ParseKeyType("rsa1024"), std::nullopt);
  EXPECT_EQ(ParseKeyType(""), std::nullopt);
}

TEST(PrivateKeyTest, GenerateGivesTheRequestedType) {
  for (KeyType type : kAllTypes) {
    EXPECT_EQ(KeyOf(type).Type(), type) << KeyTypeName(type);
  }
}

TEST(PrivateKeyTest, GeneratedKeysDiffer) {
  auto a = PrivateKey::Generate(KeyType::kEc256);
  auto b = PrivateKey::Generate(KeyType::kEc256);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->PublicKeyDer(), b->PublicKeyDer());
}

TEST(PrivateKeyTest, PemRoundTripKeepsTheKey) {
  for (KeyType type : kAllTypes) {
    const PrivateKey& key = KeyOf(type);
    auto pem = key.ToPem();
    ASSERT_TRUE(pem) << pem.error().ToString();
    EXPECT_EQ(pem->rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << "PKCS#8 expected";
    auto parsed = PrivateKey::FromPem(*pem);
    ASSERT_TRUE(parsed) << parsed.error().ToString();
    EXPECT_EQ(parsed->Type(), type);
    EXPECT_EQ(parsed->PublicKeyDer(), key.PublicKeyDer());
    EXPECT_EQ(parsed->ToPem().value(), *pem);
  }
}

TEST(PrivateKeyTest, ReadsTraditionalPem) {
  for (KeyType type : {KeyType::kEc256, KeyType::kRsa2048}) {
    std::string pem = TraditionalPem(KeyOf(type));
    EXPECT_NE(pem.find(type == KeyType::kEc256 ? "BEGIN EC PRIVATE KEY" : "BEGIN RSA PRIVATE KEY"),
              std::string::npos);
    auto parsed = PrivateKey::FromPem(pem);
    ASSERT_TRUE(parsed) << parsed.error().ToString();
    EXPECT_EQ(parsed->PublicKeyDer(), KeyOf(type).PublicKeyDer());
  }
}

TEST(PrivateKeyTest, FindsTheKeyAfterACertificateInACombinedFile) {
  auto chain = testing::MakeTestChain({"mail.example.org"});
  ASSERT_TRUE(chain) << chain.error().ToString();
  std::string combined = DerToPem(chain->leaf_der) + chain->leaf_key.ToPem().value();
  auto parsed = PrivateKey::FromPem(combined);
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(parsed->PublicKeyDer(), chain->leaf_key.PublicKeyDer());
}

TEST(PrivateKeyTest, GarbageIsInvalidInputAndNotEchoed) {
  const std::string secretish =
      "-----BEGIN PRIVATE KEY-----\n"
      "TOPSECRETMATERIALTOPSECRETMATERIALTOPSECRETMATERIAL0123456789ab\n"
      "-----END PRIVATE KEY-----\n";
  for (const std::string& text :
       {secretish, std::string("TOPSECRET not pem at all"), std::string()}) {
    auto parsed = PrivateKey::FromPem(text);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(parsed.error().ToString().find("TOPSECRET"), std::string::npos)
        << parsed.error().ToString();
    EXPECT_FALSE(parsed.error().message.empty());
  }
}

// The two PEM layouts OpenSSL writes a passphrase-encrypted key in.
enum class EncryptedLayout {
  kPkcs8,        // "ENCRYPTED PRIVATE KEY"
  kTraditional,  // "RSA PRIVATE KEY" (or EC) with Proc-Type: 4,ENCRYPTED and DEK-Info headers
};

// Writes `key` encrypted (AES-256-CBC) in `layout`, expects the PEM to contain `marker` and
// FromPem to refuse it as kInvalidInput; the error's message goes to *message. Failures are
// fatal: call under ASSERT_NO_FATAL_FAILURE.
void ExpectEncryptedPemRefused(const PrivateKey& key, EncryptedLayout layout,
                               const std::string& marker, std::string* message) {
  BIO* bio = BIO_new(BIO_s_mem());
  static const char kPass[] = "hunter2-passphrase";
  const int written =
      layout == EncryptedLayout::kPkcs8
          ? PEM_write_bio_PKCS8PrivateKey(bio, key.impl()->pkey, EVP_aes_256_cbc(), kPass,
                                          sizeof(kPass) - 1, nullptr, nullptr)
          : PEM_write_bio_PrivateKey_traditional(bio, key.impl()->pkey, EVP_aes_256_cbc(),
                                                 reinterpret_cast<const unsigned char*>(kPass),
                                                 sizeof(kPass) - 1, nullptr, nullptr);
  ASSERT_EQ(written, 1);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  ASSERT_NE(pem.find(marker), std::string::npos);
  auto parsed = PrivateKey::FromPem(pem);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidInput);
  *message = parsed.error().message;
}

TEST(PrivateKeyTest, EncryptedPemFailsWithoutPrompting) {
  // With OpenSSL's default callback this would block on the terminal asking for a passphrase.
  std::string message;
  ASSERT_NO_FATAL_FAILURE(ExpectEncryptedPemRefused(KeyOf(KeyType::kEc256), EncryptedLayout::kPkcs8,
                                                    "ENCRYPTED PRIVATE KEY", &message));
}

TEST(PrivateKeyTest, EncryptedTraditionalPemFailsWithoutPrompting) {
  std::string message;
  ASSERT_NO_FATAL_FAILURE(ExpectEncryptedPemRefused(
      KeyOf(KeyType::kRsa2048), EncryptedLayout::kTraditional, "Proc-Type: 4,ENCRYPTED", &message));
  EXPECT_NE(message.find("encrypted"), std::string::npos);
}

TEST(PrivateKeyTest, PublicKeyDerEqualsOpenSslEncoding) {
  // PublicKeyDer builds EC and RSA SPKIs from the key parameters (fast path); it must give
  // exactly the bytes of OpenSSL's generic encoder.
  for (KeyType type : kAllTypes) {
    for (const PrivateKey& key :
         {KeyOf(type), PrivateKey::FromPem(TraditionalPem(KeyOf(type))).value()}) {
      unsigned char* der = nullptr;
      int length = i2d_PUBKEY(key.impl()->pkey, &der);
      ASSERT_GT(length, 0);
      EXPECT_EQ(key.PublicKeyDer(), std::string(reinterpret_cast<char*>(der), length))
          << KeyTypeName(type);
      OPENSSL_free(der);
    }
  }
}

TEST(PrivateKeyTest, UnsupportedTypesHaveNoKeyType) {
  auto ed25519 = testing::GenerateEd25519Key();
  ASSERT_TRUE(ed25519) << ed25519.error().ToString();
  EXPECT_EQ(ed25519->Type(), std::nullopt);
  // Still a usable key: it round-trips and has a public half.
  auto parsed = PrivateKey::FromPem(ed25519->ToPem().value());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->PublicKeyDer(), ed25519->PublicKeyDer());
  EXPECT_EQ(ed25519->PublicKeyDer().size(), 44u);  // RFC 8410 §4: 12-byte header + 32-byte key

  EVP_PKEY* p521 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
  ASSERT_NE(p521, nullptr);
  EXPECT_EQ(AdoptKey(p521).Type(), std::nullopt);
}

TEST(PrivateKeyTest, PublicKeyDerIsSpki) {
  // RFC 5480: P-256 SPKI is 91 bytes (26-byte header + 65-byte uncompressed point).
  EXPECT_EQ(KeyOf(KeyType::kEc256).PublicKeyDer().size(), 91u);
  EXPECT_EQ(KeyOf(KeyType::kEc384).PublicKeyDer().size(), 120u);
  // RSA 2048 SPKI is 294 bytes.
  EXPECT_EQ(KeyOf(KeyType::kRsa2048).PublicKeyDer().size(), 294u);
}

}  // namespace
}  // namespace mailcert::crypto
