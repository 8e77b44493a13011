// `plan`: the certificates a mail setup needs, each name's check results, and what would change
// against the store. Exit 0 when everything can be obtained, 1 when something needs attention.
#include "cli/commands.h"
#include "cli/dns_setup.h"
#include "cli/mail_setup_source.h"
#include "cli/output.h"
#include "cli/plan_runner.h"
#include "cli/session.h"
#include "dns/resolver.h"
#include "plan/planner.h"
#include "plan/preflight.h"
#include "store/store.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

util::Json CertificateJson(const plan::PlannedCertificate& certificate,
                           const std::map<std::string, plan::NameCheck>& checks,
                           const std::map<std::string, DnsPlacement>& dns) {
  util::Json names = util::Json::array();
  for (const auto& name : certificate.names) {
    util::Json entry = {{"name", name}};
    if (auto placed = dns.find(name); placed != dns.end()) {
      const DnsPlacement& p = placed->second;
      entry["dns"] = {{"route", p.route}, {"provider", p.provider}, {"zone", p.zone},
                      {"cname_target", p.target}, {"problem", p.problem}};
    }
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
  auto planned = MakeMailPlan(*loaded, *settings, flags, store);
  if (!planned) {
    PrintError(planned.error());
    return kExitError;
  }
  plan::Plan& plan = planned->plan;
  const auto& checks = planned->checks;
  // DNS-01: which provider and zone each name's record goes to (looked up unless --no-checks).
  std::map<std::string, DnsPlacement> dns;
  if (loaded->setup.challenge == "dns-01") {
    std::vector<std::string> names;
    for (const auto& certificate : plan.certificates) {
      names.insert(names.end(), certificate.names.begin(), certificate.names.end());
    }
    // [[dns]] tables in --config win over mailcow's ACME_DNS_PROVIDER and dns-01.conf.
    const bool tables = settings->file && !settings->file->dns.empty();
    auto placed = PlaceDnsRecords(*settings, tables ? "" : loaded->dns_provider,
                                  tables ? "" : loaded->dns_credentials, names, !flags.no_checks);
    if (placed) {
      dns = std::move(*placed);
    } else {
      plan.problems.push_back("dns-01: " + placed.error().message);
    }
    for (const auto& [name, placement] : dns) {
      if (!placement.problem.empty()) plan.problems.push_back(placement.problem);
    }
  }
  if (loaded->acme_disabled) {
    plan.problems.push_back("SKIP_LETS_ENCRYPT=y in mailcow.conf: mailcow expects certificates "
                            "from elsewhere; mailcert can be that elsewhere once it deploys into "
                            "data/assets/ssl");
  }

  if (flags.json) {
    util::Json certificates = util::Json::array();
    for (const auto& certificate : plan.certificates) {
      certificates.push_back(CertificateJson(certificate, checks, dns));
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
        if (auto placed = dns.find(name); placed != dns.end()) {
          std::printf("       dns-01: %s\n", placed->second.Summary().c_str());
        }
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
