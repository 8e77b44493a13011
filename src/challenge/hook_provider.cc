#include "challenge/hook_provider.h"

#include <unistd.h>

#include "dns/name.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr size_t kMaxStderrLine = 300;

std::string FirstLine(const std::string& text) {
  std::string line(util::Trim(util::Split(std::string(util::Trim(text)), '\n').front()));
  if (line.size() > kMaxStderrLine) line = line.substr(0, kMaxStderrLine) + "…";
  return line;
}

}  // namespace

DnsProviderResult HookProvider::Make(const ProviderSettings& settings, const ProviderDeps& deps) {
  auto program = FindSetting(settings, {"program", "EXEC_PATH"});
  if (!program) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "hook: program is not set: the program to call as `PROGRAM present|cleanup "
                      "FQDN VALUE` (lego: EXEC_PATH)");
  }
  if (auto mode = FindSetting(settings, {"EXEC_MODE"}); mode && *mode != "") {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "hook: EXEC_MODE=" + *mode + " is not supported; mailcert calls the program "
                      "as lego's default mode does (present|cleanup FQDN VALUE)");
  }
  if (program->find('/') != std::string::npos && ::access(program->c_str(), X_OK) != 0) {
    return util::Fail(util::ErrorCode::kNotFound,
                      "hook: program " + *program + " does not exist or is not executable — "
                      "check the path and chmod +x it");
  }
  MC_ASSIGN_OR_RETURN(uint32_t timeout, NumberSetting(settings, {"timeout", "EXEC_TIMEOUT"}, 120,
                                                      1, 3600, "hook"));
  if (deps.runner == nullptr) return util::Fail(util::ErrorCode::kInternal, "hook: no runner");
  return std::unique_ptr<DnsProvider>(
      new HookProvider(*deps.runner, *program, std::chrono::seconds(timeout)));
}

HookProvider::HookProvider(sys::ProcessRunner& runner, std::string program,
                           std::chrono::seconds timeout)
    : runner_(runner), program_(std::move(program)), timeout_(timeout) {}

std::string HookProvider::Describe() const { return "hook " + program_; }

util::Result<std::string> HookProvider::Run(const std::string& action,
                                            const TxtRecordRequest& request,
                                            const std::string& auth_output) {
  sys::ProcessRequest process;
  // lego's exec provider: PROGRAM present|cleanup FQDN. VALUE (providers/dns/exec).
  process.argv = {program_, action, dns::AbsoluteName(request.fqdn), request.value};
  process.timeout = timeout_;
  const std::string identifier = request.identifier.empty() ? request.fqdn : request.identifier;
  process.extra_env = {
      // certbot's manual hooks (certbot/_internal/plugins/manual.py).
      {"CERTBOT_DOMAIN", dns::StripWildcard(identifier)},
      {"CERTBOT_VALIDATION", request.value},
      {"CERTBOT_TOKEN", request.token},
      {"CERTBOT_ALL_DOMAINS", util::Join(request.all_identifiers, ",")},
      {"MAILCERT_ACTION", action},
      {"MAILCERT_IDENTIFIER", identifier},
      {"MAILCERT_FQDN", request.fqdn},
      {"MAILCERT_ZONE", request.zone},
      {"MAILCERT_VALUE", request.value},
  };
  if (action == "cleanup") process.extra_env["CERTBOT_AUTH_OUTPUT"] = auth_output;
  const std::string what = "hook " + program_ + " " + action + " " + request.fqdn;
  auto outcome = runner_.Run(process);
  if (!outcome) {
    util::Error error = outcome.error().WithContext(what);
    if (error.code == util::ErrorCode::kNotFound) error.message += " — check program (EXEC_PATH)";
    return util::Fail(error);
  }
  if (outcome->exit_code != 0) {
    std::string line = FirstLine(outcome->stderr_text);
    return util::Fail(util::ErrorCode::kIo, what + " failed (exit " +
                                                std::to_string(outcome->exit_code) + ")" +
                                                (line.empty() ? "" : ": " + line));
  }
  return outcome->stdout_text;
}

util::Result<void> HookProvider::AddTxtRecord(const TxtRecordRequest& request) {
  MC_ASSIGN_OR_RETURN(std::string output, Run("present", request, ""));
  std::lock_guard<std::mutex> lock(mutex_);
  outputs_[request.fqdn + " " + request.value] = std::string(util::Trim(output));
  return {};
}

util::Result<void> HookProvider::RemoveTxtRecord(const TxtRecordRequest& request) {
  std::string auth_output;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = outputs_.find(request.fqdn + " " + request.value);
    if (found != outputs_.end()) {
      auth_output = found->second;
      outputs_.erase(found);
    }
  }
  MC_RETURN_IF_ERROR(Run("cleanup", request, auth_output));
  return {};
}

util::Result<void> HookProvider::AddTxt(const std::string& zone, const std::string& fqdn,
                                        const std::string& value) {
  return AddTxtRecord(TxtRecordRequest{zone, fqdn, value, "", "", {}});
}

util::Result<void> HookProvider::RemoveTxt(const std::string& zone, const std::string& fqdn,
                                           const std::string& value) {
  return RemoveTxtRecord(TxtRecordRequest{zone, fqdn, value, "", "", {}});
}

}  // namespace mailcert::challenge
