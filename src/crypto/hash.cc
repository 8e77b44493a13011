#include "crypto/hash.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>

#include "crypto/digests.h"
#include "crypto/openssl_error.h"

namespace mailcert::crypto {

const EVP_MD* Sha256Md() {
  // Thread-safe one-time fetch (C++11 magic statics); never freed, like OpenSSL's own tables.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  return md;
}

const EVP_MD* Sha384Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  return md;
}

namespace {

std::string Digest(std::string_view data, const EVP_MD* md) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (md == nullptr ||
      EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr) != 1) {
    // Only possible when the default provider is missing: a broken installation.
    ClearOpenSslErrors();
    return {};
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace

std::string Sha256(std::string_view data) { return Digest(data, Sha256Md()); }

std::string Sha512(std::string_view data) {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  return Digest(data, md);
}

std::string Sha1(std::string_view data) {
  // Fetched per call: SHA-1 is used once per OVH request, not in a hot path.
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  if (md == nullptr) {
    ClearOpenSslErrors();
    return {};
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  int ok = EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr);
  EVP_MD_free(md);
  if (ok != 1) {
    ClearOpenSslErrors();
    return {};
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

util::Result<std::string> HmacSha256(std::string_view key, std::string_view data) {
  // RFC 2104 allows an empty key, but for EAB (RFC 8555 §7.3.4) it can only mean a missing or
  // mis-decoded secret: say so instead of producing a MAC the CA will reject.
  if (key.empty()) return util::Fail(util::ErrorCode::kInvalidInput, "HMAC key is empty");
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA2-256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, sizeof(mac),
                &length) == nullptr) {
    return util::Fail(OpenSslError("compute HMAC-SHA-256"));
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

util::Result<std::string> RandomBytes(size_t count) {
  if (count > INT_MAX) {
    return util::Fail(util::ErrorCode::kInvalidInput, "too many random bytes requested");
  }
  std::string bytes(count, '\0');
  if (count > 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    return util::Fail(OpenSslError("draw random bytes"));
  }
  return bytes;
}

}  // namespace mailcert::crypto
