#include "cli/plan_runner.h"

#include "cli/session.h"
#include "crypto/key.h"
#include "dns/resolver.h"
#include "plan/preflight.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

// The store's certificates of the mail plan, as the planner compares against (current versions
// only); the further key types of a certificate are folded into it.
util::Result<std::vector<plan::ExistingCertificate>> StoredCertificates(store::Store& store) {
  std::vector<plan::ExistingCertificate> existing;
  MC_ASSIGN_OR_RETURN(auto lineages, store.ListLineages());
  for (const auto& lineage : lineages) {
    MC_ASSIGN_OR_RETURN(auto current, store.CurrentVersion(lineage));
    if (!current) continue;
    // Only what an earlier plan issued: certificates issued by hand are none of its business.
    MC_ASSIGN_OR_RETURN(store::LineageState state, store.ReadState(lineage));
    if (!state.request.from_mail_plan) continue;
    existing.push_back({lineage, current->meta.names, {current->meta.key_type}});
  }
  // "<name>-<key type>" lineages are the further key types of "<name>" (KeyTypeLineage).
  std::vector<plan::ExistingCertificate> merged;
  for (const auto& certificate : existing) {
    size_t dash = certificate.lineage.rfind('-');
    bool folded = false;
    if (dash != std::string::npos &&
        crypto::ParseKeyType(certificate.lineage.substr(dash + 1)).has_value()) {
      for (auto& base : merged) {
        if (base.lineage == certificate.lineage.substr(0, dash)) {
          base.key_types.push_back(certificate.lineage.substr(dash + 1));
          folded = true;
        }
      }
    }
    if (!folded) merged.push_back(certificate);
  }
  return merged;
}


}  // namespace

std::string KeyTypeLineage(const plan::PlannedCertificate& certificate, size_t index) {
  if (index == 0) return certificate.lineage;
  return certificate.lineage + "-" + certificate.key_types[index];
}

util::Result<MailPlan> MakeMailPlan(const LoadedSetup& loaded, const Settings& settings,
                                    const Flags& flags, store::Store& store) {
  MC_ASSIGN_OR_RETURN(auto existing_list, StoredCertificates(store));
  auto* existing = &existing_list;
  // Only lineages this setup could own are compared (and may be retired): the planned ones and
  // any whose names all belong to the host name or the mail domains.
  plan::Plan plan = plan::MakePlan(loaded.setup, *existing, {});
  std::map<std::string, plan::NameCheck> checks;
  if (!flags.no_checks) {
    std::vector<std::string> names;
    for (const auto& certificate : plan.certificates) {
      for (const auto& name : certificate.names) names.push_back(name);
    }
    const MailConfig* mail = settings.file && settings.file->mail ? &*settings.file->mail
                                                                    : nullptr;
    plan::PreflightOptions options;
    options.challenge = loaded.setup.challenge;
    options.skip_ip_check = loaded.setup.skip_ip_check;
    options.skip_http_check = loaded.setup.skip_http_check;
    options.skip_ipv4_compare = loaded.setup.skip_ipv4_compare;
    options.skip_ipv6_compare = loaded.setup.skip_ipv6_compare;
    for (const auto& address : loaded.setup.own_addresses) {
      (address.find(':') == std::string::npos ? options.own_ipv4 : options.own_ipv6)
          .push_back(address);
    }
    dns::ResolverOptions resolver_options;
    if (mail != nullptr) {
      options.caa_issuer_domains = mail->caa_identities;
      options.http_port = mail->http_check_port;
      options.http_listen.clear();
      for (const auto& address : util::Split(mail->check_listen, ',')) {
        if (!util::Trim(address).empty()) options.http_listen.emplace_back(util::Trim(address));
      }
      for (const auto& server : mail->dns_servers) {
        auto address = dns::ParseServerAddress(server);
        if (!address) return util::Fail(address.error().WithContext(mail->origin + ": dns_servers"));
        resolver_options.servers.push_back(*address);
      }
    }
    auto resolver = dns::MakeResolver(resolver_options);
    auto http = net::MakeHttpClient(DefaultHttpOptions(""));
    if (!resolver) return util::Fail(resolver.error());
    if (!http) return util::Fail(http.error());
    checks = plan::RunPreflight(names, options, **resolver, **http);
    plan = plan::MakePlan(loaded.setup, *existing, checks);
  }
  return MailPlan{std::move(plan), std::move(checks)};
}

}  // namespace mailcert::cli
