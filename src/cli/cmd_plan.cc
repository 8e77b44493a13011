// `plan`: the certificates a mail setup needs, each name's check results, and what would change
// against the store. Exit 0 when everything can be obtained, 1 when something needs attention.
#include "cli/commands.h"
#include "cli/mail_setup_source.h"
#include "cli/output.h"
#include "plan/planner.h"
#include "store/store.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

util::Json CertificateJson(const plan::PlannedCertificate& certificate) {
  return {{"lineage", certificate.lineage},
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
      certificates.push_back(CertificateJson(certificate));
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
        std::printf("  %s %s\n", failing ? "FAIL" : "    ", name.c_str());
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
