// `plan`: the certificates a mail setup needs, each name's check results, and what would change
// against the store. Exit 0 when everything can be obtained, 1 when something needs attention.
#include "cli/commands.h"
#include "cli/mail_setup_source.h"
#include "cli/output.h"
#include "cli/session.h"
#include "dns/resolver.h"
#include "plan/planner.h"
#include "plan/preflight.h"
#include "store/store.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

util::Json CertificateJson(const plan::PlannedCertificate& certificate,
                           const std::map<std::string, plan::NameCheck>& checks) {
  util::Json names = util::Json::array();
  for (const auto& name : certificate.names) {
    util::Json entry = {{"name", name}};
    if (auto check = checks.find(name); check != checks.end()) {
      entry["passed"] = check->second.passed;
      entry["reason"] = check->second.reason;
      if (!check->second.hint.empty()) entry["hint"] = check->second.hint;
    }
    names.push_back(entry);
  }
  return {{"lineage", certificate.lineage},
          {"checks", names},
          {"server", certificate.server},
          {"status", plan::PlanStatusName(certificate.status)},
          {"why", certificate.why},
          {"names", certificate.names},
          {"key_types", certificate.key_types},
          {"added", certificate.added_names},
          {"removed", certificate.removed_names},
          {"failing", certificate.failing_names},
          {"dropped", certificate.dropped_names}};
}

// The store's certificates as the planner compares against (current versions only).
util::Result<std::vector<plan::ExistingCertificate>> StoredCertificates(store::Store& store) {
  std::vector<plan::ExistingCertificate> existing;
  MC_ASSIGN_OR_RETURN(auto lineages, store.ListLineages());
  for (const auto& lineage : lineages) {
    MC_ASSIGN_OR_RETURN(auto current, store.CurrentVersion(lineage));
    if (!current) continue;
    existing.push_back({lineage, current->meta.names, {current->meta.key_type}});
  }
  return existing;
}

}  // namespace

int RunPlan(const Flags& flags, const SetupSource& source) {
  auto settings = ResolveSettings(flags);
  if (!settings) {
    PrintError(settings.error());
    return kExitError;
  }
  auto loaded = LoadMailSetup(source, settings->file, sys::RealProcessRunner());
  if (!loaded) {
    PrintError(loaded.error());
    return kExitError;
  }
  store::Store store(sys::RealFs(), settings->state_dir);
  auto existing = StoredCertificates(store);
  if (!existing) {
    PrintError(existing.error());
    return kExitError;
  }
  // Only lineages this setup could own are compared (and may be retired): the planned ones and
  // any whose names all belong to the host name or the mail domains.
  plan::Plan plan = plan::MakePlan(loaded->setup, *existing, {});
  std::map<std::string, plan::NameCheck> checks;
  if (!flags.no_checks) {
    std::vector<std::string> names;
    for (const auto& certificate : plan.certificates) {
      for (const auto& name : certificate.names) names.push_back(name);
    }
    const MailConfig* mail = settings->file && settings->file->mail ? &*settings->file->mail
                                                                    : nullptr;
    plan::PreflightOptions options;
    options.challenge = loaded->setup.challenge;
    options.skip_ip_check = loaded->setup.skip_ip_check;
    options.skip_http_check = loaded->setup.skip_http_check;
    options.skip_ipv4_compare = loaded->setup.skip_ipv4_compare;
    options.skip_ipv6_compare = loaded->setup.skip_ipv6_compare;
    for (const auto& address : loaded->setup.own_addresses) {
      (address.find(':') == std::string::npos ? options.own_ipv4 : options.own_ipv6)
          .push_back(address);
    }
    dns::ResolverOptions resolver_options;
    if (mail != nullptr) {
      options.caa_issuer_domains = mail->caa_identities;
      options.http_port = mail->http_check_port;
      options.http_listen = {mail->check_listen};
      for (const auto& server : mail->dns_servers) {
        auto address = dns::ParseServerAddress(server);
        if (!address) {
          PrintError(address.error().WithContext(mail->origin + ": dns_servers"));
          return kExitError;
        }
        resolver_options.servers.push_back(*address);
      }
    }
    auto resolver = dns::MakeResolver(resolver_options);
    auto http = net::MakeHttpClient(DefaultHttpOptions(""));
    if (!resolver || !http) {
      PrintError(!resolver ? resolver.error() : http.error());
      return kExitError;
    }
    checks = plan::RunPreflight(names, options, **resolver, **http);
    plan = plan::MakePlan(loaded->setup, *existing, checks);
  }
  std::vector<std::string> retired;
  for (const auto& lineage : plan.retired) {
    for (const auto& stored : *existing) {
      if (stored.lineage != lineage) continue;
      bool ours = !stored.names.empty();
      for (const auto& name : stored.names) {
        bool belongs = name == loaded->setup.hostname;
        for (const auto& domain : loaded->setup.domains) {
          belongs = belongs || (name.size() > domain.size() &&
                                name.compare(name.size() - domain.size() - 1, std::string::npos,
                                             "." + domain) == 0);
        }
        ours = ours && belongs;
      }
      if (ours) retired.push_back(lineage);
    }
  }
  plan.retired = retired;
  if (loaded->acme_disabled) {
    plan.problems.push_back("SKIP_LETS_ENCRYPT=y in mailcow.conf: mailcow expects certificates "
                            "from elsewhere; mailcert can be that elsewhere once it deploys into "
                            "data/assets/ssl");
  }

  if (flags.json) {
    util::Json certificates = util::Json::array();
    for (const auto& certificate : plan.certificates) {
      certificates.push_back(CertificateJson(certificate, checks));
    }
    PrintJson({{"source", loaded->description},
               {"hostname", loaded->setup.hostname},
               {"domains", loaded->setup.domains},
               {"certificates", certificates},
               {"retired", plan.retired},
               {"problems", plan.problems},
               {"warnings", loaded->warnings},
               {"ignored_settings", loaded->ignored},
               {"needs_attention", plan.NeedsAttention()}});
  } else {
    std::printf("plan for %s: host %s, %zu mail domain(s)\n", loaded->description.c_str(),
                loaded->setup.hostname.c_str(), loaded->setup.domains.size());
    for (const auto& warning : loaded->warnings) std::printf("warning: %s\n", warning.c_str());
    if (!loaded->ignored.empty()) {
      std::printf("note: %zu setting(s) not about certificates were ignored\n",
                  loaded->ignored.size());
    }
    for (const auto& problem : plan.problems) std::printf("problem: %s\n", problem.c_str());
    for (const auto& certificate : plan.certificates) {
      std::printf("\n%s%s: %s, %zu name(s), %s — %s\n", certificate.lineage.c_str(),
                  certificate.server ? " (server, default)" : "",
                  plan::PlanStatusName(certificate.status), certificate.names.size(),
                  util::Join(certificate.key_types, "+").c_str(), certificate.why.c_str());
      for (const auto& name : certificate.names) {
        bool failing = std::find(certificate.failing_names.begin(),
                                 certificate.failing_names.end(),
                                 name) != certificate.failing_names.end();
        auto check = checks.find(name);
        std::string detail = check == checks.end() ? std::string(flags.no_checks ? "" : "")
                                                   : check->second.reason;
        if (check != checks.end() && !check->second.hint.empty()) {
          detail += " — " + check->second.hint;
        }
        std::printf("  %s %s%s\n", failing ? "FAIL" : "ok  ", name.c_str(),
                    detail.empty() ? "" : ("  (" + detail + ")").c_str());
      }
      for (const auto& name : certificate.dropped_names) {
        std::printf("  DROP %s\n", name.c_str());
      }
    }
    for (const auto& lineage : plan.retired) {
      std::printf("\n%s: no longer needed (kept in the store, no longer renewed)\n",
                  lineage.c_str());
    }
  }
  return plan.NeedsAttention() ? kExitError : 0;
}

}  // namespace mailcert::cli
