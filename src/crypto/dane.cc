#include "crypto/dane.h"

#include "crypto/hash.h"
#include "crypto/x509.h"
#include "util/strings.h"

namespace mailcert::crypto {
namespace {

bool MatchesCertificate(const TlsaAssociation& association, const std::string& der) {
  std::string selected;
  switch (association.selector) {
    case 0:  // RFC 6698 §2.1.2: the full certificate, as sent
      selected = der;
      break;
    case 1: {  // its SubjectPublicKeyInfo
      auto info = ParseCertificate(der);
      if (!info) return false;
      selected = std::move(info->public_key_der);
      break;
    }
    default:
      return false;
  }
  switch (association.matching_type) {
    case 0:
      return selected == association.data;
    case 1:
      return Sha256(selected) == association.data;
    case 2: {
      const std::string digest = Sha512(selected);
      return !digest.empty() && digest == association.data;
    }
    default:
      return false;
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
