#include "crypto/key.h"

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>

#include "crypto/key_impl.h"
#include "crypto/openssl_error.h"
#include "crypto/openssl_ptr.h"
#include "crypto/pkey_util.h"

namespace mailcert::crypto {
namespace {

using util::ErrorCode;
using util::Fail;

struct KeyTypeNameEntry {
  KeyType type;
  std::string_view name;
};
constexpr KeyTypeNameEntry kKeyTypeNames[] = {
    {KeyType::kEc256, "ec256"},     {KeyType::kEc384, "ec384"},     {KeyType::kRsa2048, "rsa2048"},
    {KeyType::kRsa3072, "rsa3072"}, {KeyType::kRsa4096, "rsa4096"},
};

// How the DER of one private-key PEM block (RFC 7468 label) is handed to the OpenSSL decoder.
struct PemKeyFormat {
  const char* structure;  // OSSL_DECODER input structure
  const char* key_type;   // nullptr: let the decoder try every key type
};

// The decoder algorithm name for a PKCS#8 block's algorithm OID, read with the plain ASN.1
// decoder. Naming it up front matters: OpenSSL 3.0 builds a decoder chain per call, and an
// unnamed key type makes it try every provider's decoders (~3x slower).
const char* Pkcs8KeyType(const unsigned char* der, long length) {
  const unsigned char* p = der;
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, length);
  if (info == nullptr) return nullptr;
  const ASN1_OBJECT* algorithm = nullptr;
  PKCS8_pkey_get0(&algorithm, nullptr, nullptr, nullptr, info);
  const int nid = algorithm != nullptr ? OBJ_obj2nid(algorithm) : NID_undef;
  PKCS8_PRIV_KEY_INFO_free(info);
  switch (nid) {
    case NID_X9_62_id_ecPublicKey:
      return "EC";
    case NID_rsaEncryption:
      return "RSA";
    case NID_rsassaPss:
      return "RSA-PSS";
    case NID_ED25519:
      return "ED25519";
    case NID_ED448:
      return "ED448";
    default:
      return nullptr;
  }
}

// Decodes one private key DER of a known layout.
EVP_PKEY* DecodePrivateKey(const unsigned char* der, long length, const PemKeyFormat& format) {
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* ctx = OSSL_DECODER_CTX_new_for_pkey(
      &pkey, "DER", format.structure, format.key_type, EVP_PKEY_KEYPAIR, nullptr, nullptr);
  const unsigned char* in = der;
  size_t in_length = static_cast<size_t>(length);
  if (ctx == nullptr || OSSL_DECODER_from_data(ctx, &in, &in_length) != 1) {
    EVP_PKEY_free(pkey);
    pkey = nullptr;
  }
  OSSL_DECODER_CTX_free(ctx);
  return pkey;
}

EVP_PKEY* GenerateRaw(KeyType type) {
  // EVP_PKEY_Q_keygen is the cheapest path in OpenSSL 3: one call, no separate ctx setup.
  switch (type) {
    case KeyType::kEc256:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    case KeyType::kEc384:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    case KeyType::kRsa2048:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
    case KeyType::kRsa3072:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
    case KeyType::kRsa4096:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096});
  }
  return nullptr;
}

}  // namespace

std::string_view KeyTypeName(KeyType type) {
  for (const auto& entry : kKeyTypeNames) {
    if (entry.type == type) return entry.name;
  }
  return "unknown";
}

std::optional<KeyType> ParseKeyType(std::string_view name) {
  for (const auto& entry : kKeyTypeNames) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
}

util::Result<PrivateKey> PrivateKey::Generate(KeyType type) {
  EVP_PKEY* pkey = GenerateRaw(type);
  if (pkey == nullptr) {
    return Fail(OpenSslError("generate " + std::string(KeyTypeName(type)) + " key"));
  }
  return AdoptKey(pkey);
}

util::Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  // Errors never name input bytes: the text may be a (damaged) secret.
  constexpr char kNoKey[] =
      "no usable private key in the PEM text (expected an unencrypted \"PRIVATE KEY\", "
      "\"EC PRIVATE KEY\" or \"RSA PRIVATE KEY\" block)";
  if (pem.size() > INT_MAX) return Fail(ErrorCode::kInvalidInput, "private key PEM is too large");
  ClearOpenSslErrors();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Fail(OpenSslError("read private key"));
  // Walks the blocks, skipping others (a certificate in a combined file), until a key decodes.
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* der = nullptr;
    long length = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &der, &length) != 1) {
      if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE) {  // end of text
        ClearOpenSslErrors();
        return Fail(ErrorCode::kInvalidInput, kNoKey);
      }
      return Fail(OpenSslError(kNoKey, ErrorCode::kInvalidInput));
    }
    const std::string label = name;
    // RFC 1421 "Proc-Type: 4,ENCRYPTED" marks an encrypted traditional key.
    const bool encrypted = label == "ENCRYPTED PRIVATE KEY" ||
                           std::string_view(header).find("ENCRYPTED") != std::string_view::npos;
    OPENSSL_free(name);
    OPENSSL_free(header);
    std::optional<PemKeyFormat> format;
    if (label == "PRIVATE KEY") {
      format = PemKeyFormat{"PrivateKeyInfo", Pkcs8KeyType(der, length)};  // RFC 5958
    } else if (label == "EC PRIVATE KEY") {
      format = PemKeyFormat{"type-specific", "EC"};  // RFC 5915
    } else if (label == "RSA PRIVATE KEY") {
      format = PemKeyFormat{"type-specific", "RSA"};  // RFC 8017 Appendix A.1.2
    }
    EVP_PKEY* pkey = format && !encrypted ? DecodePrivateKey(der, length, *format) : nullptr;
    OPENSSL_clear_free(der, static_cast<size_t>(length));  // key bytes: wipe before freeing
    if (encrypted) {
      // mailcert never prompts (a daemon has no terminal) and keeps keys unencrypted in 0600
      // files (design.md).
      return Fail(ErrorCode::kInvalidInput,
                  "the private key is encrypted; store it unencrypted (openssl pkey -in FILE)");
    }
    if (pkey != nullptr) {
      ClearOpenSslErrors();
      return AdoptKey(pkey);
    }
    if (format) return Fail(OpenSslError(kNoKey, ErrorCode::kInvalidInput));
  }
}

util::Result<std::string> PrivateKey::ToPem() const {
  // Secure-memory BIO: its buffer is cleansed when freed, so no copy of the key lingers in the
  // heap beyond the returned string.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) return Fail(OpenSslError("encode private key"));
  // PKCS#8 (RFC 5958), unencrypted: what every server and tool reads.
  if (PEM_write_bio_PrivateKey(bio.get(), impl_->pkey, nullptr, nullptr, 0, nullptr, nullptr) !=
      1) {
    return Fail(OpenSslError("encode private key"));
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  if (length <= 0 || data == nullptr) return Fail(OpenSslError("encode private key"));
  return std::string(data, static_cast<size_t>(length));
}

std::optional<KeyType> PrivateKey::Type() const { return KeyTypeOf(impl_->pkey); }

std::string PrivateKey::PublicKeyDer() const { return SpkiDer(impl_->pkey); }

}  // namespace mailcert::crypto
