// `check`: what every endpoint serves right now, judged like a monitoring plugin (monitoring-
// plugins guidelines: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), with the three fingerprints an
// administrator compares by hand: served, deployed (the target's file) and stored (current).
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "cli/commands.h"
#include "cli/deploy_targets.h"
#include "cli/output.h"
#include "crypto/dane.h"
#include "crypto/x509.h"
#include "probe/check.h"
#include "sys/clock.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

enum State { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };
const char* StateName(int state) {
  static const char* kNames[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
  return kNames[std::clamp(state, 0, 3)];
}

struct Row {
  std::string endpoint, name, served, deployed, stored, issuer, not_after, problem, subject;
  std::vector<std::string> dns_names;
  std::string dane;  // "ok", "mismatch", or empty when no TLSA record applies
  int64_t days_left = 0;
  int state = kOk;
};

std::string LeafFingerprint(const std::string& pem) {
  auto chain = crypto::SplitPemCertificates(pem);
  if (!chain) return "";
  auto leaf = crypto::ParseCertificate(chain->front());
  return leaf ? util::HexEncode(leaf->fingerprint_sha256) : "";
}

// Thresholds derived from the lifetime when not given: WARNING once renewal is a third of the
// lifetime overdue... simply: below a third of the lifetime left the certificate should have
// been renewed already (WARNING); below a tenth it is about to break (CRITICAL).
int JudgeDays(const crypto::CertificateInfo& leaf, int64_t days_left, const Flags& flags) {
  const double lifetime =
      std::chrono::duration<double>(leaf.not_after - leaf.not_before).count() / 86400.0;
  const double warning = flags.warning_days >= 0 ? flags.warning_days : lifetime / 3.0 - 1.0;
  const double critical = flags.critical_days >= 0 ? flags.critical_days : lifetime / 10.0;
  if (days_left < critical) return kCritical;
  if (days_left < warning) return kWarning;
  return kOk;
}

// TLSA lookups for one check run, each owner asked once however many rows need it.
class TlsaCache {
 public:
  explicit TlsaCache(deploy::TlsaLookup lookup) : lookup_(std::move(lookup)) {}
  const util::Result<std::vector<crypto::TlsaAssociation>>& Get(const std::string& owner) {
    auto found = cache_.find(owner);
    if (found == cache_.end()) found = cache_.emplace(owner, lookup_(owner)).first;
    return found->second;
  }

 private:
  deploy::TlsaLookup lookup_;
  std::map<std::string, util::Result<std::vector<crypto::TlsaAssociation>>> cache_;
};

// The TLSA owners that apply to a row: _<port>._tcp.<name> for each DANE port the endpoint
// serves — its own port, and 25 for any SMTP STARTTLS endpoint (a test or NAT may put the MX's
// port 25 elsewhere; RFC 7672 is about what senders reach on 25).
std::vector<std::string> TlsaOwners(const std::vector<int>& dane_ports,
                                    const probe::Endpoint& endpoint, const std::string& name) {
  std::vector<std::string> owners;
  if (name.empty() || name.starts_with("*.")) return owners;
  for (int port : dane_ports) {
    // Submission (587) is for the domain's own users, not for sending MTAs: no DANE there.
    if (endpoint.port == port || (port == 25 && endpoint.port != 587 &&
                                  endpoint.protocol == probe::Protocol::kSmtpStarttls)) {
      owners.push_back("_" + std::to_string(port) + "._tcp." + name);
    }
  }
  return owners;
}

// DANE on the wire (RFC 7672 §3.1): a served chain that no TLSA record at its owner matches is
// CRITICAL, since validating senders defer mail to it; a failed lookup is a WARNING.
void JudgeDane(const std::vector<std::string>& owners, const std::vector<std::string>& chain_der,
               TlsaCache& tlsa, Row& row, std::vector<std::string>& problems) {
  for (const auto& owner : owners) {
    const auto& records = tlsa.Get(owner);
    if (!records) {
      problems.push_back("DANE: cannot look up TLSA at " + owner + ": " + records.error().message);
      row.state = std::max(row.state, static_cast<int>(kWarning));
      continue;
    }
    if (records->empty()) continue;
    const bool matches = std::any_of(records->begin(), records->end(), [&](const auto& record) {
      return crypto::MatchesTlsa(record, chain_der);
    });
    row.dane = matches ? "ok" : "mismatch";
    if (!matches) {
      problems.push_back("DANE: no TLSA record at " + owner +
                         " matches the served certificate; publish " + owner + ". IN TLSA " +
                         crypto::TlsaText(crypto::DaneEeSpkiSha256(chain_der.front())));
      row.state = kCritical;
    }
  }
}

Row CheckOne(const probe::Endpoint& endpoint, const std::string& name,
             const std::string& trusted_roots, const std::string& deployed,
             const std::string& stored, const Flags& flags,
             net::TlsKeyRestriction restriction = net::TlsKeyRestriction::kAny,
             const std::vector<std::string>& tlsa_owners = {}, TlsaCache* tlsa = nullptr) {
  Row row;
  probe::Endpoint with_sni = endpoint;
  if (!name.empty()) with_sni.sni = name;
  row.endpoint = probe::DescribeEndpoint(with_sni);
  if (restriction == net::TlsKeyRestriction::kRsaOnly) row.endpoint += " RSA";
  if (restriction == net::TlsKeyRestriction::kEcdsaOnly) row.endpoint += " ECDSA";
  row.name = name;
  row.deployed = deployed;
  row.stored = stored;
  probe::ProbeOptions probe_options;
  probe_options.key_restriction = restriction;
  auto served = probe::Probe(with_sni, probe_options);
  if (!served) {
    row.state = kCritical;  // no answer, no STARTTLS, no TLS: mail falls back or bounces
    row.problem = served.error().message;
    return row;
  }
  probe::CheckOptions options;
  if (!name.empty()) options.names = {name};
  options.trusted_roots_pem = trusted_roots;
  options.now = sys::RealClock().Now();
  probe::CheckReport report = probe::CheckServed(*served, options);
  row.served = report.fingerprint_sha256;
  row.issuer = report.issuer;
  row.subject = report.subject_cn;
  row.dns_names = report.dns_names;
  row.not_after = util::FormatRfc3339(report.not_after);
  row.days_left = report.days_left;
  std::vector<std::string> problems;
  row.state = JudgeDays(served->leaf, report.days_left, flags);
  if (report.expired) problems.push_back("expired");
  if (!report.chain_verifies) problems.push_back("chain does not verify: " + report.chain_error);
  if (!report.names_match) problems.push_back("does not cover " + util::Join(report.unmatched_names, ", "));
  if (!problems.empty()) row.state = kCritical;
  if (tlsa != nullptr) JudgeDane(tlsa_owners, served->chain_der, *tlsa, row, problems);
  if (!stored.empty() && row.served != stored) {
    problems.push_back("serves another certificate than the stored one");
    row.state = std::max(row.state, static_cast<int>(kWarning));
  } else if (!deployed.empty() && row.served != deployed) {
    problems.push_back("serves another certificate than the deployed file (reload missing?)");
    row.state = std::max(row.state, static_cast<int>(kWarning));
  }
  if (row.state != kOk && problems.empty()) {
    problems.push_back(std::to_string(report.days_left) + " days left");
  }
  row.problem = util::Join(problems, "; ");
  return row;
}

}  // namespace

int RunCheck(const Flags& flags, const CheckTarget& adhoc) {
  std::vector<Row> rows;
  if (!adhoc.host.empty()) {
    probe::Endpoint endpoint;
    endpoint.host = adhoc.host;
    if (!adhoc.starttls.empty()) {
      auto protocol = probe::ParseProtocol(adhoc.starttls);
      if (!protocol) {
        PrintError(protocol.error());
        return kUnknown;
      }
      endpoint.protocol = *protocol;
    } else if (auto guessed = probe::ProtocolForPort(adhoc.port)) {
      endpoint.protocol = *guessed;
    } else {
      endpoint.protocol = probe::Protocol::kHttps;  // plain TLS from the first byte
    }
    endpoint.port = adhoc.port > 0 ? adhoc.port : probe::DefaultPorts(endpoint.protocol).front();
    std::string roots;
    if (!adhoc.ca_bundle.empty()) roots = sys::RealFs().ReadFile(adhoc.ca_bundle).value_or("");
    net::TlsKeyRestriction restriction = net::TlsKeyRestriction::kAny;
    if (adhoc.key_type == "rsa") restriction = net::TlsKeyRestriction::kRsaOnly;
    if (adhoc.key_type == "ecdsa") restriction = net::TlsKeyRestriction::kEcdsaOnly;
    // The same resolvers and rules as for a configured target: each address of a host name on
    // its own, and an MX's TLSA records (SMTP with STARTTLS, not submission).
    auto resolve = AddressResolverFor(adhoc.dns_servers);
    auto lookup = TlsaLookupFor(adhoc.dns_servers);
    if (!resolve || !lookup) {
      const util::Error& error = !resolve ? resolve.error() : lookup.error();
      PrintError(adhoc.dns_servers.empty() ? error : error.WithContext("--dns-server"));
      return kUnknown;
    }
    TlsaCache tlsa(std::move(*lookup));
    const std::string name = adhoc.name.empty() ? adhoc.host : adhoc.name;
    for (const auto& one : probe::ExpandAddresses(endpoint, *resolve)) {
      rows.push_back(CheckOne(one, name, roots, "", "", flags, restriction,
                              TlsaOwners({25}, one, name), &tlsa));
    }
  } else {
    auto settings = ResolveSettings(flags);
    if (!settings) {
      PrintError(settings.error());
      return kUnknown;
    }
    if (!settings->file || settings->file->deploy.empty()) {
      PrintError({util::ErrorCode::kInvalidInput,
                  "nothing to check: give --host HOST [--port N] [--starttls PROTOCOL], or "
                  "[[deploy]] tables with endpoints in --config",
                  {}});
      return kUnknown;
    }
    store::Store store(sys::RealFs(), settings->state_dir);
    for (const auto& config : settings->file->deploy) {
      auto target = ResolveTarget(config, sys::RealProcessRunner());
      auto materials = target ? MaterialsFor(config, store)
                              : util::Result<std::vector<deploy::Material>>(util::Fail(target.error()));
      if (!materials) {
        PrintError(materials.error());
        return kUnknown;
      }
      std::optional<TlsaCache> tlsa;
      if (!target->dane_ports.empty()) {
        auto lookup = TlsaLookupFor(config.dns_servers);
        if (!lookup) {
          PrintError(lookup.error());
          return kUnknown;
        }
        tlsa.emplace(std::move(*lookup));
      }
      for (const auto& material : *materials) {
        const std::string stored = LeafFingerprint(material.files.fullchain_pem);
        const std::string path = deploy::DeployedCertificatePath(*target, material);
        const std::string deployed =
            path.empty() ? "" : LeafFingerprint(sys::RealFs().ReadFile(path).value_or(""));
        // Every endpoint and every name (wildcards have no name to send).
        for (const auto& name : material.names) {
          if (name.rfind("*.", 0) == 0) continue;
          for (const auto& endpoint : target->endpoints) {
            rows.push_back(CheckOne(endpoint, name, target->trusted_roots_pem, deployed, stored,
                                    flags, deploy::RestrictionFor(material, *materials),
                                    TlsaOwners(target->dane_ports, endpoint, name),
                                    tlsa ? &*tlsa : nullptr));
          }
        }
      }
    }
  }
  int worst = kOk;
  for (const auto& row : rows) worst = std::max(worst, row.state);
  if (flags.json) {
    util::Json list = util::Json::array();
    for (const auto& row : rows) {
      list.push_back({{"endpoint", row.endpoint}, {"name", row.name}, {"state", StateName(row.state)},
                      {"subject", row.subject}, {"dns_names", row.dns_names},
                      {"served_sha256", row.served}, {"deployed_sha256", row.deployed},
                      {"stored_sha256", row.stored}, {"issuer", row.issuer},
                      {"not_after", row.not_after}, {"days_left", row.days_left},
                      {"dane", row.dane}, {"problem", row.problem}});
    }
    PrintJson({{"state", StateName(worst)}, {"checks", list}});
  } else {
    std::vector<std::vector<std::string>> table;
    auto short_hash = [](const std::string& hash) { return hash.empty() ? "-" : hash.substr(0, 12); };
    for (const auto& row : rows) {
      table.push_back({StateName(row.state), row.endpoint, short_hash(row.served),
                       short_hash(row.deployed), short_hash(row.stored),
                       row.not_after.empty() ? "-" : row.not_after,
                       row.not_after.empty() ? "-" : std::to_string(row.days_left),
                       row.problem.empty() ? "-" : row.problem});
    }
    std::printf("MAILCERT %s - %zu endpoint check(s)\n", StateName(worst), rows.size());
    std::string text = FormatTable({"STATE", "ENDPOINT", "SERVED", "DEPLOYED", "STORED",
                                    "NOT AFTER", "DAYS", "PROBLEM"},
                                   table);
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return worst;
}

}  // namespace mailcert::cli
