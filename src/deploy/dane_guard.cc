#include "deploy/dane_guard.h"

#include <memory>
#include <optional>

#include "crypto/x509.h"
#include "util/strings.h"

namespace mailcert::deploy {
namespace {

bool AnyMatches(const std::vector<crypto::TlsaAssociation>& records,
                const std::vector<std::string>& chain_der) {
  for (const auto& record : records) {
    if (crypto::MatchesTlsa(record, chain_der)) return true;
  }
  return false;
}

std::string Listed(const std::vector<crypto::TlsaAssociation>& records) {
  std::vector<std::string> texts;
  for (const auto& record : records) {
    std::string text = crypto::TlsaText(record);
    // A full-certificate record (matching type 0) is long; the start names it well enough.
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    texts.push_back(text);
  }
  return util::Join(texts, ", ");
}

std::string SpkiOf(const std::vector<std::string>& chain_der) {
  if (chain_der.empty()) return {};
  auto leaf = crypto::ParseCertificate(chain_der.front());
  return leaf ? leaf->spki_sha256 : std::string();
}

}  // namespace

DaneVerdict CheckDane(const std::vector<int>& ports, const Material& material,
                      const std::vector<std::string>& deployed_chain_der,
                      const TlsaLookup& lookup) {
  DaneVerdict verdict;
  auto new_chain = crypto::SplitPemCertificates(material.files.fullchain_pem);
  if (!new_chain || new_chain->empty()) return verdict;  // validation reports a bad chain
  // The certificate the target holds already: nothing is about to change for DANE, so the
  // timer's runs with nothing to deploy ask no DNS questions (`check` watches what is served).
  if (!deployed_chain_der.empty() && deployed_chain_der.front() == new_chain->front()) {
    return verdict;
  }
  const std::string publish = crypto::TlsaText(crypto::DaneEeSpkiSha256(new_chain->front()));
  const bool same_key =
      !deployed_chain_der.empty() && SpkiOf(deployed_chain_der) == SpkiOf(*new_chain);
  std::vector<std::string> refusals;
  for (int port : ports) {
    for (const auto& name : material.names) {
      if (name.starts_with("*.")) continue;  // no MTA is reached under a wildcard name
      const std::string owner = "_" + std::to_string(port) + "._tcp." + name;
      auto records = lookup(owner);
      if (!records) {
        const std::string what =
            "DANE: cannot look up TLSA at " + owner + " (" + records.error().message + ")";
        if (same_key) {
          verdict.warnings.push_back(what + "; the key is unchanged, so SPKI records still match");
        } else {
          refusals.push_back(what +
                             " and the new certificate has a new key: it cannot be known "
                             "to match; deploy again once TLSA can be looked up");
        }
        continue;
      }
      if (records->empty() || AnyMatches(*records, *new_chain)) continue;
      const std::string fix = "publish `" + owner + ". IN TLSA " + publish + "`";
      if (!deployed_chain_der.empty() && AnyMatches(*records, deployed_chain_der)) {
        refusals.push_back("DANE: the TLSA records at " + owner + " (" + Listed(*records) +
                           ") match the deployed certificate but not the new one of " +
                           material.lineage + "; " + fix +
                           " beside them, wait until their TTL has passed, then deploy again "
                           "(the deployed certificate stays in place until then)");
      } else {
        verdict.warnings.push_back("DANE: no TLSA record at " + owner + " (" + Listed(*records) +
                                   ") matches the deployed or the new "
                                   "certificate: DANE-validating senders cannot deliver; " +
                                   fix);
      }
    }
  }
  verdict.refusal = util::Join(refusals, "; ");
  return verdict;
}

TlsaLookup StopAfterTimeout(TlsaLookup lookup) {
  auto timed_out = std::make_shared<std::optional<util::Error>>();
  return [lookup = std::move(lookup), timed_out](
             const std::string& owner) -> util::Result<std::vector<crypto::TlsaAssociation>> {
    if (*timed_out) return util::Fail(**timed_out);
    auto records = lookup(owner);
    if (!records && records.error().code == util::ErrorCode::kTimeout) *timed_out = records.error();
    return records;
  };
}

}  // namespace mailcert::deploy
