#pragma once
// DANE TLSA matching (RFC 6698 §2.1, RFC 7671, RFC 7672 for SMTP): does a published TLSA record
// match a certificate chain? Deploy asks this before putting a certificate with a new key in
// front of an MTA whose TLSA records name the old one — the failure that makes DANE-validating
// senders defer all mail to the domain.

#include <cstdint>
#include <string>
#include <vector>

namespace mailcert::crypto {

// One TLSA record's data (RFC 6698 §2.1): usage, selector, matching type and the association.
struct TlsaAssociation {
  uint8_t usage = 0;          // 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE (RFC 7218)
  uint8_t selector = 0;       // 0 full certificate, 1 SubjectPublicKeyInfo
  uint8_t matching_type = 0;  // 0 exact, 1 SHA-256, 2 SHA-512
  std::string data;           // raw octets
};

// "3 1 1 a1b2…" as the record's presentation form shows it (data in lowercase hex).
std::string TlsaText(const TlsaAssociation& association);

// True when `association` matches `chain_der` (leaf first): usages 1 and 3 (end entity) against
// the leaf, usages 0 and 2 (trust anchor) against any certificate after the leaf (RFC 7671 §5.2:
// the TA is expected in the chain the server sends). Unknown usages, selectors and matching
// types never match (RFC 7671 §4: such records are unusable). PKIX validation for usages 0 and 1
// is not part of this: only the association is compared.
bool MatchesTlsa(const TlsaAssociation& association, const std::vector<std::string>& chain_der);

// The DANE-EE record "3 1 1" for a leaf certificate (SHA-256 of its SubjectPublicKeyInfo), the
// form RFC 7671 §5.1 recommends for SMTP. Empty data when the certificate does not parse.
TlsaAssociation DaneEeSpkiSha256(const std::string& leaf_der);

}  // namespace mailcert::crypto
