#include "crypto/key.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

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
    {KeyType::kEc256, "ec256"},     {KeyType::kEc384, "ec384"},
    {KeyType::kRsa2048, "rsa2048"}, {KeyType::kRsa3072, "rsa3072"},
    {KeyType::kRsa4096, "rsa4096"},
};

// Refuses every passphrase request: a daemon must never stop to prompt on a terminal (OpenSSL's
// default callback would), and mailcert keeps its keys unencrypted in 0600 files (design.md).
int RefusePassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) {
  return -1;
}

EVP_PKEY* GenerateRaw(KeyType type) {
  // EVP_PKEY_Q_keygen is the cheapest path in OpenSSL 3: one call, no separate ctx setup.
  switch (type) {
    case KeyType::kEc256: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    case KeyType::kEc384: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    case KeyType::kRsa2048: return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
    case KeyType::kRsa3072: return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
    case KeyType::kRsa4096: return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096});
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
  if (pem.size() > INT_MAX) return Fail(ErrorCode::kInvalidInput, "private key PEM is too large");
  ClearOpenSslErrors();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Fail(OpenSslError("read private key"));
  // Skips other PEM blocks (a certificate in a combined file) until it finds a private key.
  EVP_PKEY* pkey =
      PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, RefusePassphrase, nullptr, nullptr, nullptr);
  if (pkey == nullptr) {
    // The error names no input bytes: the text may be a (damaged) secret.
    util::Error error = OpenSslError(
        "no usable private key in the PEM text (expected an unencrypted \"PRIVATE KEY\", "
        "\"EC PRIVATE KEY\" or \"RSA PRIVATE KEY\" block)",
        ErrorCode::kInvalidInput);
    return Fail(std::move(error));
  }
  ClearOpenSslErrors();
  return AdoptKey(pkey);
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
