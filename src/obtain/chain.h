#pragma once
// Choosing among the chains a CA offers (RFC 8555 §7.4.2) and checking what it issued before
// anything is stored.

#include <string>
#include <vector>

#include "acme/order.h"
#include "crypto/key.h"
#include "crypto/x509.h"
#include "util/result.h"

namespace mailcert::obtain {

struct ParsedChain {
  std::vector<std::string> der;  // leaf first, as the CA served them
  crypto::CertificateInfo leaf;
  std::string url;
  bool preferred_matched = false;
};

// Parses every offered chain and returns the first whose top certificate was issued by (or is)
// `preferred_issuer_cn`; the CA's default chain when nothing matches or nothing is preferred.
// Errors: kProtocol when the default chain does not parse.
util::Result<ParsedChain> SelectChain(const std::vector<acme::CertificateChain>& chains,
                                      const std::string& preferred_issuer_cn);

// The leaf must carry our public key and cover every requested name (case-insensitively).
// Errors: kCrypto naming what differs.
util::Result<void> CheckIssuedCertificate(const crypto::CertificateInfo& leaf,
                                          const crypto::PrivateKey& key,
                                          const std::vector<std::string>& names);

// PEM text of certificates [first, last).
std::string ChainPem(const std::vector<std::string>& der, size_t first, size_t last);

}  // namespace mailcert::obtain
