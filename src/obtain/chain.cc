#include "obtain/chain.h"

#include <set>

#include "util/log.h"
#include "util/strings.h"

namespace mailcert::obtain {
namespace {

// Splits a chain into DER certificates and parses the leaf. Parsing costs about 0.1 ms per
// certificate in OpenSSL 3.0, so the intermediates are parsed only when a preferred chain must
// be matched (Matches).
util::Result<ParsedChain> ParseChain(const acme::CertificateChain& chain) {
  ParsedChain parsed;
  parsed.url = chain.url;
  MC_ASSIGN_OR_RETURN(parsed.der, crypto::SplitPemCertificates(chain.pem));
  MC_ASSIGN_OR_RETURN(parsed.leaf, crypto::ParseCertificate(parsed.der.front()));
  return parsed;
}

bool Matches(const ParsedChain& chain, const std::string& preferred) {
  auto top = crypto::ParseCertificate(chain.der.back());
  return top && (top->issuer_cn == preferred || top->subject_cn == preferred);
}

}  // namespace

util::Result<ParsedChain> SelectChain(const std::vector<acme::CertificateChain>& chains,
                                      const std::string& preferred_issuer_cn) {
  if (chains.empty()) {
    return util::Fail(util::ErrorCode::kProtocol, "the CA returned no certificate");
  }
  auto default_chain = ParseChain(chains.front());
  if (!default_chain) {
    return util::Fail(util::ErrorCode::kProtocol,
                      "the certificate the CA returned at " + chains.front().url +
                          " does not parse: " + default_chain.error().message);
  }
  if (preferred_issuer_cn.empty() || Matches(*default_chain, preferred_issuer_cn)) {
    default_chain->preferred_matched = !preferred_issuer_cn.empty();
    return default_chain;
  }
  for (size_t i = 1; i < chains.size(); ++i) {
    auto alternate = ParseChain(chains[i]);
    if (!alternate) {
      util::LogWarning("ignoring alternate chain " + chains[i].url + ": " +
                       alternate.error().message);
      continue;
    }
    if (Matches(*alternate, preferred_issuer_cn)) {
      alternate->preferred_matched = true;
      return alternate;
    }
  }
  util::LogWarning("no chain offered by the CA ends at " + util::Quote(preferred_issuer_cn) +
                   "; using the default chain");
  return default_chain;
}

util::Result<void> CheckIssuedCertificate(const crypto::CertificateInfo& leaf,
                                          const crypto::PrivateKey& key,
                                          const std::vector<std::string>& names) {
  if (!crypto::KeyMatchesCertificate(key, leaf)) {
    return util::Fail(util::ErrorCode::kCrypto,
                      "the CA returned a certificate for a different key; nothing was stored");
  }
  std::set<std::string> covered;
  for (const auto& name : leaf.dns_names) covered.insert(util::ToLower(name));
  for (const auto& ip : leaf.ip_addresses) covered.insert(util::ToLower(ip));
  std::vector<std::string> missing;
  for (const auto& name : names) {
    if (!covered.count(util::ToLower(name))) missing.push_back(name);
  }
  if (!missing.empty()) {
    return util::Fail(util::ErrorCode::kCrypto,
                      "the CA returned a certificate without " + util::Join(missing, ", ") +
                          "; nothing was stored");
  }
  return {};
}

std::string ChainPem(const std::vector<std::string>& der, size_t first, size_t last) {
  std::string pem;
  for (size_t i = first; i < last && i < der.size(); ++i) pem += crypto::DerToPem(der[i]);
  return pem;
}

}  // namespace mailcert::obtain
