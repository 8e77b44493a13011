#include "crypto/dane.h"

#include <openssl/evp.h>

#include "crypto/hash.h"
#include "crypto/openssl_error.h"
#include "crypto/x509.h"
#include "util/strings.h"

namespace mailcert::crypto {
namespace {

// RFC 6698 §2.1.3: matching type 2 is SHA-512; fetched per use (a few records per deploy).
std::string Sha512(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  const bool ok = md != nullptr &&
                  EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr) == 1;
  EVP_MD_free(md);
  if (!ok) {
    ClearOpenSslErrors();
    return {};
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

bool MatchesCertificate(const TlsaAssociation& association, const std::string& der) {
  auto info = ParseCertificate(der);
  if (!info) return false;
  std::string selected;
  switch (association.selector) {
    case 0: selected = info->der; break;             // RFC 6698 §2.1.2: full certificate
    case 1: selected = info->public_key_der; break;  // SubjectPublicKeyInfo
    default: return false;
  }
  switch (association.matching_type) {
    case 0: return selected == association.data;
    case 1: return Sha256(selected) == association.data;
    case 2: {
      const std::string digest = Sha512(selected);
      return !digest.empty() && digest == association.data;
    }
    default: return false;
  }
}

}  // namespace

std::string TlsaText(const TlsaAssociation& association) {
  return std::to_string(association.usage) + " " + std::to_string(association.selector) + " " +
         std::to_string(association.matching_type) + " " + util::HexEncode(association.data);
}

bool MatchesTlsa(const TlsaAssociation& association, const std::vector<std::string>& chain_der) {
  if (chain_der.empty()) return false;
  switch (association.usage) {
    case 1:
    case 3:
      return MatchesCertificate(association, chain_der.front());
    case 0:
    case 2:
      for (size_t i = 1; i < chain_der.size(); ++i) {
        if (MatchesCertificate(association, chain_der[i])) return true;
      }
      return false;
    default:
      return false;
  }
}

TlsaAssociation DaneEeSpkiSha256(const std::string& leaf_der) {
  TlsaAssociation association;
  association.usage = 3;
  association.selector = 1;
  association.matching_type = 1;
  if (auto info = ParseCertificate(leaf_der)) association.data = info->spki_sha256;
  return association;
}

}  // namespace mailcert::crypto
