// `issue` and `renew`: decide what is due, obtain it with bounded concurrency, report each
// lineage's outcome. One lineage failing never stops the others.
#include <map>

#include "cli/commands.h"
#include "cli/deploy_targets.h"
#include "cli/output.h"
#include "cli/plan_runner.h"
#include "cli/session.h"
#include "plan/renewal.h"
#include "util/log.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

enum class Status { kIssued, kUnchanged, kFailed, kDeferred, kHeld };

const char* StatusName(Status status) {
  switch (status) {
    case Status::kIssued: return "issued";
    case Status::kUnchanged: return "unchanged";
    case Status::kFailed: return "failed";
    case Status::kDeferred: return "deferred";
    case Status::kHeld: return "held";
  }
  return "?";
}

struct Job {
  LineageSpec spec;
  plan::RenewalDecision decision;
  Status status = Status::kUnchanged;
  std::optional<store::StoredVersion> version;
  std::optional<util::Error> error;
  double seconds = 0;
};

util::Json JobJson(const Job& job) {
  util::Json json = {{"lineage", job.spec.lineage},
                     {"status", StatusName(job.status)},
                     {"names", job.spec.names},
                     {"reason", plan::RenewalReasonName(job.decision.reason)}};
  if (job.version) {
    const store::VersionMeta& meta = job.version->meta;
    json["version"] = meta.number;
    json["serial"] = meta.serial_hex;
    json["not_after"] = util::FormatRfc3339(meta.not_after);
    json["key_type"] = meta.key_type;
    json["key_reused"] = meta.key_reused;
    json["path"] = job.version->dir;
    json["seconds"] = job.seconds;
  }
  if (job.error) json["error"] = ErrorJson(*job.error);
  if (job.decision.backing_off_until) {
    json["retry_after"] = util::FormatRfc3339(*job.decision.backing_off_until);
  }
  return json;
}

std::string JobLine(const Job& job) {
  std::string line = std::string(StatusName(job.status)) + " " + job.spec.lineage + ": ";
  switch (job.status) {
    case Status::kIssued: {
      const store::VersionMeta& meta = job.version->meta;
      line += util::Join(meta.names, ", ") + "; " + meta.key_type + " key " +
              (meta.key_reused ? "reused" : "new") + "; expires " +
              util::FormatRfc3339(meta.not_after) + "; version " + std::to_string(meta.number);
      break;
    }
    case Status::kUnchanged:
    case Status::kDeferred:
    case Status::kHeld:
      line += job.decision.explanation;
      break;
    case Status::kFailed:
      line += job.error ? job.error->message : "unknown error";
      break;
  }
  return line;
}

// Obtains every job marked due (status kIssued pending), grouped by CA.
void ObtainDue(std::vector<Job>& jobs, const Settings& settings, store::Store& store,
               obtain::KeyPolicy key_policy) {
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> by_ca;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].status == Status::kIssued) {
      by_ca[{jobs[i].spec.server, jobs[i].spec.ca_bundle}].push_back(i);
    }
  }
  SolverSet solvers(settings);
  size_t total = 0;
  for (const auto& [ca, indexes] : by_ca) total += indexes.size();
  Progress progress(total);
  size_t done_before = 0;
  for (const auto& [ca, indexes] : by_ca) {
    // Solvers first: a missing DNS credential or provider setting fails its lineage before
    // anything is asked of the CA (no account registered, no order opened for nothing).
    std::vector<obtain::CertificateRequest> requests;
    std::vector<size_t> request_jobs;
    for (size_t i : indexes) {
      Job& job = jobs[i];
      auto solver = solvers.For(job.spec);
      if (!solver) {
        job.status = Status::kFailed;
        job.error = solver.error();
        continue;
      }
      obtain::CertificateRequest request;
      request.lineage = job.spec.lineage;
      request.names = job.spec.names;
      request.key_type = job.spec.key_type;
      request.key_policy = key_policy;
      request.preferred_chain = job.spec.preferred_chain;
      request.profile = job.spec.profile;
      request.solver = *solver;
      request.record = job.spec.ToRecord();
      requests.push_back(std::move(request));
      request_jobs.push_back(i);
    }
    if (requests.empty()) continue;
    auto fail_requested = [&](const util::Error& error) {
      for (size_t i : request_jobs) {
        jobs[i].status = Status::kFailed;
        jobs[i].error = error;
      }
    };
    auto session = CaSession::Open(ca.first, ca.second, store, settings,
                                   AccountUse::kExistingOrRegister);
    if (!session) {
      fail_requested(session.error());
      continue;
    }
    if (auto init = store.Init(); !init) {
      fail_requested(init.error());
      continue;
    }
    obtain::Obtainer obtainer((*session)->client(), (*session)->context(), store,
                              sys::RealClock());
    auto outcomes = obtain::ObtainAll(
        obtainer, requests, static_cast<size_t>(settings.concurrency),
        [&](const obtain::Outcome& outcome, size_t done, size_t) {
          progress.Update(done_before + done,
                          (outcome.error ? "failed " : "issued ") + outcome.lineage);
        });
    done_before += requests.size();
    for (size_t k = 0; k < outcomes.size(); ++k) {
      Job& job = jobs[request_jobs[k]];
      job.seconds = outcomes[k].seconds;
      if (outcomes[k].error) {
        job.status = Status::kFailed;
        job.error = outcomes[k].error;
      } else {
        job.version = outcomes[k].version;
      }
    }
  }
}

int Report(const std::vector<Job>& jobs, const Flags& flags, const Settings& settings,
           store::Store& store) {
  size_t issued = 0, failed = 0;
  for (const Job& job : jobs) {
    if (job.status == Status::kIssued) ++issued;
    if (job.status == Status::kFailed || job.status == Status::kDeferred ||
        job.status == Status::kHeld) {
      ++failed;
    }
  }
  if (settings.file) {
    for (const Job& job : jobs) {
      if (job.status == Status::kFailed && job.error) {
        Alert(*settings.file, "issue-failed", job.spec.lineage, job.error->message);
      }
    }
  }
  // Every run deploys (issue #3): a renewed certificate never sits undeployed, and a deploy that
  // failed last time is tried again — unchanged targets cost one comparison each.
  int deploy_code = kExitNothingToDo;
  util::Json deploys = util::Json::array();
  if (settings.file && !settings.file->deploy.empty()) {
    auto outcomes = DeployAll(*settings.file, store, "");
    deploy_code = ReportDeploys(outcomes, flags.json, flags.json ? &deploys : nullptr);
  }
  if (flags.json) {
    util::Json results = util::Json::array();
    for (const Job& job : jobs) results.push_back(JobJson(job));
    PrintJson({{"results", results}, {"issued", issued}, {"failed", failed}, {"deploys", deploys}});
  } else {
    for (const Job& job : jobs) {
      std::string line = JobLine(job);
      std::FILE* stream = job.status == Status::kFailed ? stderr : stdout;
      std::fprintf(stream, "%s%s\n", job.status == Status::kFailed ? "mailcert: " : "",
                   line.c_str());
    }
  }
  if (failed > 0 || deploy_code == kExitError) return kExitError;
  return issued > 0 || deploy_code == kExitChanged ? kExitChanged : kExitNothingToDo;
}

// `issue` is an administrator asking now, so it ignores the failure backoff; `renew` (the timer)
// honours it unless --force.
util::Result<std::vector<Job>> Decide(std::vector<LineageSpec> specs, const Flags& flags,
                                      store::Store& store, bool honour_backoff) {
  std::vector<Job> jobs;
  const util::TimePoint now = sys::RealClock().Now();
  for (auto& spec : specs) {
    Job job;
    job.spec = std::move(spec);
    MC_ASSIGN_OR_RETURN(store::LineageState state, store.ReadState(job.spec.lineage));
    MC_ASSIGN_OR_RETURN(auto current, store.CurrentVersion(job.spec.lineage));
    std::optional<store::VersionMeta> meta;
    if (current) meta = current->meta;
    plan::Wanted wanted{job.spec.names, std::string(crypto::KeyTypeName(job.spec.key_type)),
                        flags.force || flags.new_key};
    job.decision = plan::DecideRenewal(meta, wanted, state, now);
    if (!job.decision.due) {
      job.status = Status::kUnchanged;
    } else if (job.decision.backing_off_until && honour_backoff) {
      job.status = Status::kDeferred;
    } else {
      job.status = Status::kIssued;  // to be obtained
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

// The mail plan's certificates as renew specs (issue #4: "renew uses the same plan"): held ones
// become held jobs, retired ones are dropped from `lineages`.
util::Result<std::vector<LineageSpec>> PlannedSpecs(const SetupSource& source, const Flags& flags,
                                                    const Settings& settings, store::Store& store,
                                                    std::vector<std::string>& lineages,
                                                    std::vector<Job>& held) {
  MC_ASSIGN_OR_RETURN(LoadedSetup loaded,
                      LoadMailSetup(source, settings.file, sys::RealProcessRunner()));
  MC_ASSIGN_OR_RETURN(MailPlan planned, MakeMailPlan(loaded, settings, flags, store));
  if (!planned.plan.problems.empty()) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "the mail setup cannot be planned: " + util::Join(planned.plan.problems, "; "));
  }
  auto drop = [&](const std::string& lineage) {
    lineages.erase(std::remove(lineages.begin(), lineages.end(), lineage), lineages.end());
  };
  for (const auto& lineage : planned.plan.retired) drop(lineage);
  const FileConfig empty;
  const FileConfig& file = settings.file ? *settings.file : empty;
  std::vector<LineageSpec> specs;
  for (const auto& certificate : planned.plan.certificates) {
    for (size_t i = 0; i < certificate.key_types.size(); ++i) {
      LineageSpec spec;
      spec.lineage = KeyTypeLineage(certificate, i);
      drop(spec.lineage);
      spec.names = certificate.names;
      if (certificate.status == plan::PlanStatus::kHeld) {
        Job job;
        job.spec = spec;
        job.status = Status::kHeld;
        job.decision.explanation = certificate.why;
        held.push_back(std::move(job));
        continue;
      }
      auto key_type = crypto::ParseKeyType(certificate.key_types[i]);
      if (!key_type) {
        return util::Fail(util::ErrorCode::kInvalidInput,
                          "unknown key type " + util::Quote(certificate.key_types[i]) +
                              " in the mail setup (use ec256, ec384, rsa2048, rsa3072, rsa4096)");
      }
      spec.key_type = *key_type;
      spec.server = !settings.server.empty()       ? settings.server
                    : !loaded.directory_url.empty() ? loaded.directory_url
                                                    : kLetsEncryptProduction;
      spec.ca_bundle = settings.ca_bundle;
      spec.challenge = flags.dns ? "dns-01" : loaded.setup.challenge;
      if (spec.challenge == "dns-01") {
        // --dns, then [[dns]] tables, then mailcow's ACME_DNS_PROVIDER and dns-01.conf.
        spec.dns_provider = flags.dns.value_or(file.dns.empty() ? loaded.dns_provider : "");
        spec.dns_credentials = flags.dns ? flags.dns_credentials.value_or("")
                               : file.dns.empty() ? loaded.dns_credentials
                                                  : "";
      } else {
        spec.webroot = flags.webroot.value_or(file.webroot.value_or(""));
        spec.http_listen = flags.http_listen.value_or(file.http_listen.value_or(""));
        if (spec.webroot.empty() && spec.http_listen.empty()) spec.http_listen = ":80";
      }
      spec.preferred_chain = flags.preferred_chain.value_or(file.preferred_chain.value_or(""));
      spec.from_mail_plan = true;
      spec.profile = loaded.setup.profile;
      specs.push_back(std::move(spec));
    }
  }
  return specs;
}

int ObtainCommand(const Flags& flags, bool renew, const SetupSource& source = {}) {
  auto settings = ResolveSettings(flags);
  if (!settings) {
    PrintError(settings.error());
    return kExitError;
  }
  const obtain::KeyPolicy key_policy =
      flags.new_key ? obtain::KeyPolicy::kRotate : obtain::KeyPolicy::kReuse;
  // Nothing is created in the state directory before a CA has answered: bad input leaves it
  // as it was.
  store::Store store(sys::RealFs(), settings->state_dir);
  std::vector<LineageSpec> specs;
  if (!renew) {
    auto issue_specs = SpecsToIssue(flags, *settings);
    if (!issue_specs) {
      PrintError(issue_specs.error());
      return kExitError;
    }
    specs = std::move(*issue_specs);
  } else {
    auto lineages = store.ListLineages();
    if (!lineages) {
      PrintError(lineages.error());
      return kExitError;
    }
    std::vector<std::string> names = *lineages;
    // Certificates declared in the config but never issued are due too.
    if (settings->file) {
      Flags all = flags;
      all.domains.clear();
      all.cert_name.reset();
      if (!settings->file->certificates.empty()) {
        auto declared = SpecsToIssue(all, *settings);
        if (!declared) {
          PrintError(declared.error());
          return kExitError;
        }
        for (const auto& spec : *declared) {
          if (std::find(names.begin(), names.end(), spec.lineage) == names.end()) {
            names.push_back(spec.lineage);
          }
        }
      }
    }
    std::vector<Job> held;
    std::vector<LineageSpec> planned;
    if ((settings->file && settings->file->mail) || !source.mailcow_dir.empty() ||
        !source.dms_env.empty()) {
      auto specs_from_plan = PlannedSpecs(source, flags, *settings, store, names, held);
      if (!specs_from_plan) {
        PrintError(specs_from_plan.error());
        return kExitError;
      }
      planned = std::move(*specs_from_plan);
      for (const auto& spec : planned) names.push_back(spec.lineage);
      for (const auto& job : held) names.push_back(job.spec.lineage);
    }
    if (flags.cert_name) {
      if (std::find(names.begin(), names.end(), *flags.cert_name) == names.end()) {
        PrintError(util::Error{util::ErrorCode::kNotFound,
                               "no certificate named " + util::Quote(*flags.cert_name) + " in " +
                                   settings->state_dir + " or the config",
                               {}});
        return kExitError;
      }
      names = {*flags.cert_name};
    }
    std::vector<Job> broken;
    for (const auto& lineage : names) {
      auto from_plan = std::find_if(planned.begin(), planned.end(),
                                    [&](const LineageSpec& spec) { return spec.lineage == lineage; });
      if (from_plan != planned.end()) {
        specs.push_back(*from_plan);
        continue;
      }
      auto held_job = std::find_if(held.begin(), held.end(),
                                   [&](const Job& job) { return job.spec.lineage == lineage; });
      if (held_job != held.end()) {
        broken.push_back(*held_job);
        continue;
      }
      auto state = store.ReadState(lineage);
      auto spec = state ? SpecToRenew(lineage, state->request, flags, *settings)
                        : util::Result<LineageSpec>(util::Fail(state.error()));
      if (!spec) {
        Job job;
        job.spec.lineage = lineage;
        job.status = Status::kFailed;
        job.error = spec.error();
        broken.push_back(std::move(job));
        continue;
      }
      specs.push_back(std::move(*spec));
    }
    auto jobs = Decide(std::move(specs), flags, store, /*honour_backoff=*/true);
    if (!jobs) {
      PrintError(jobs.error());
      return kExitError;
    }
    ObtainDue(*jobs, *settings, store, key_policy);
    for (auto& job : broken) jobs->push_back(std::move(job));
    return Report(*jobs, flags, *settings, store);
  }
  auto jobs = Decide(std::move(specs), flags, store, /*honour_backoff=*/false);
  if (!jobs) {
    PrintError(jobs.error());
    return kExitError;
  }
  ObtainDue(*jobs, *settings, store, key_policy);
  return Report(*jobs, flags, *settings, store);
}

}  // namespace

int RunIssue(const Flags& flags) { return ObtainCommand(flags, false); }
int RunRenew(const Flags& flags, const SetupSource& source) {
  return ObtainCommand(flags, true, source);
}

}  // namespace mailcert::cli
