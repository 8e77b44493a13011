// `deploy`: install the current versions into every configured target, reload, verify on the
// wire, roll back what does not verify. Exit 0 deployed, 2 nothing to do, 1 any failure.
#include "cli/commands.h"
#include "cli/deploy_targets.h"
#include "cli/output.h"
#include "util/strings.h"

namespace mailcert::cli {

util::Json DeployJson(const deploy::DeployOutcome& outcome) {
  util::Json endpoints = util::Json::array();
  for (const auto& endpoint : outcome.endpoints) {
    endpoints.push_back({{"endpoint", endpoint.endpoint},
                         {"expected_sha256", endpoint.expected_fingerprint},
                         {"served_sha256", endpoint.served_fingerprint},
                         {"ok", endpoint.error.empty()},
                         {"error", endpoint.error}});
  }
  return {{"target", outcome.target},
          {"status", deploy::DeployStatusName(outcome.status)},
          {"written", outcome.written},
          {"endpoints", endpoints},
          {"warnings", outcome.warnings},
          {"error", outcome.error}};
}

int ReportDeploys(const std::vector<deploy::DeployOutcome>& outcomes, bool json,
                  util::Json* json_out) {
  int deployed = 0, failed = 0;
  for (const auto& outcome : outcomes) {
    deployed += outcome.status == deploy::DeployStatus::kDeployed;
    failed += !outcome.ok();
  }
  if (json_out != nullptr) {
    util::Json list = util::Json::array();
    for (const auto& outcome : outcomes) list.push_back(DeployJson(outcome));
    *json_out = list;
  } else if (!json) {
    for (const auto& outcome : outcomes) {
      for (const auto& warning : outcome.warnings) {
        std::fprintf(stderr, "mailcert: warning: deploy %s: %s\n", outcome.target.c_str(),
                     warning.c_str());
      }
      if (outcome.ok()) {
        std::printf("%s %s: %zu file(s) written, %zu endpoint(s) verified\n",
                    deploy::DeployStatusName(outcome.status), outcome.target.c_str(),
                    outcome.written.size(), outcome.endpoints.size());
      } else {
        std::fprintf(stderr, "mailcert: deploy %s %s: %s\n", outcome.target.c_str(),
                     deploy::DeployStatusName(outcome.status), outcome.error.c_str());
      }
    }
  }
  if (failed > 0) return kExitError;
  return deployed > 0 ? kExitChanged : kExitNothingToDo;
}

int RunDeploy(const Flags& flags, const std::string& only_target) {
  auto settings = ResolveSettings(flags);
  if (!settings) {
    PrintError(settings.error());
    return kExitError;
  }
  if (!settings->file || settings->file->deploy.empty()) {
    PrintError({util::ErrorCode::kInvalidInput,
                "nothing to deploy to: add [[deploy]] tables to --config", {}});
    return kExitError;
  }
  store::Store store(sys::RealFs(), settings->state_dir);
  auto outcomes = DeployAll(*settings->file, store, only_target);
  if (!only_target.empty() && outcomes.empty()) {
    PrintError({util::ErrorCode::kNotFound, "no [[deploy]] named " + util::Quote(only_target), {}});
    return kExitError;
  }
  util::Json json;
  int code = ReportDeploys(outcomes, flags.json, flags.json ? &json : nullptr);
  if (flags.json) PrintJson({{"deploys", json}});
  return code;
}

}  // namespace mailcert::cli
