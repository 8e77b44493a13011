// `certificates`: what the store holds, and when each is due.
#include <cmath>

#include "cli/commands.h"
#include "cli/output.h"
#include "plan/renewal.h"
#include "store/store.h"
#include "sys/clock.h"
#include "util/strings.h"

namespace mailcert::cli {

int RunCertificates(const Flags& flags) {
  auto settings = ResolveSettings(flags);
  if (!settings) {
    PrintError(settings.error());
    return kExitError;
  }
  store::Store store(sys::RealFs(), settings->state_dir);
  auto lineages = store.ListLineages();
  if (!lineages) {
    PrintError(lineages.error());
    return kExitError;
  }
  const util::TimePoint now = sys::RealClock().Now();
  util::Json list = util::Json::array();
  std::vector<std::vector<std::string>> rows;
  bool any_error = false;
  for (const auto& lineage : *lineages) {
    if (flags.cert_name && *flags.cert_name != lineage) continue;
    auto current = store.CurrentVersion(lineage);
    auto state = store.ReadState(lineage);
    if (!current || !state) {
      const util::Error& error = !current ? current.error() : state.error();
      any_error = true;
      rows.push_back({lineage, "-", "-", "-", "-", "-", "-", "-", "error: " + error.message});
      list.push_back({{"lineage", lineage}, {"error", ErrorJson(error)}});
      continue;
    }
    if (!*current) {
      std::string status = state->consecutive_failures > 0
                               ? "never issued; last error: " + state->last_error
                               : "never issued";
      rows.push_back({lineage, util::Join(state->request.names, ","), state->request.key_type,
                      "-", "-", "-", "-", "now", status});
      list.push_back({{"lineage", lineage},
                      {"names", state->request.names},
                      {"status", "missing"},
                      {"last_error", state->last_error}});
      continue;
    }
    const store::VersionMeta& meta = (*current)->meta;
    plan::Wanted wanted{meta.names, meta.key_type, false};
    plan::RenewalDecision decision = plan::DecideRenewal(meta, wanted, *state, now);
    double days_left = std::chrono::duration<double>(meta.not_after - now).count() / 86400.0;
    std::string status = meta.not_after <= now ? "EXPIRED"
                         : decision.reason == plan::RenewalReason::kRevoked ? "REVOKED"
                         : decision.due ? "due"
                                        : "valid";
    if (state->consecutive_failures > 0) {
      status += "; " + std::to_string(state->consecutive_failures) +
                " failed attempt(s), last: " + state->last_error;
    }
    // What each [[deploy]] target last did with this lineage: a version that is not live
    // everywhere is worth a line in the status, since the admin cannot see it otherwise.
    util::Json deploys = util::Json::array();
    for (const auto& [target, record] : state->deploys) {
      const bool current_version = record.version == meta.number;
      deploys.push_back({{"target", target},
                         {"status", record.status},
                         {"at", util::FormatRfc3339(record.at)},
                         {"version", record.version},
                         {"current", current_version},
                         {"error", record.error}});
      if (!record.ok()) {
        status += "; " + record.status + " at " + target + ": " + record.error;
      } else if (!current_version) {
        status += "; " + target + " holds version " + std::to_string(record.version) +
                  " (run mailcert deploy)";
      }
    }
    char days[32];
    std::snprintf(days, sizeof days, "%.1f", days_left);
    rows.push_back({lineage, util::Join(meta.names, ","), meta.key_type, meta.serial_hex,
                    meta.issuer_cn, util::FormatRfc3339(meta.not_after), days,
                    decision.due ? "now" : util::FormatRfc3339(decision.due_at), status});
    list.push_back({{"lineage", lineage},
                    {"names", meta.names},
                    {"key_type", meta.key_type},
                    {"serial", meta.serial_hex},
                    {"issuer", meta.issuer_cn},
                    {"not_before", util::FormatRfc3339(meta.not_before)},
                    {"not_after", util::FormatRfc3339(meta.not_after)},
                    {"days_left", std::floor(days_left * 10) / 10},
                    {"next_due", util::FormatRfc3339(decision.due_at)},
                    {"due", decision.due},
                    {"version", meta.number},
                    {"fingerprint_sha256", meta.fingerprint_sha256_hex},
                    {"spki_sha256", meta.spki_sha256_hex},
                    {"consecutive_failures", state->consecutive_failures},
                    {"last_error", state->last_error},
                    {"deploys", deploys},
                    {"path", (*current)->dir}});
  }
  if (flags.json) {
    PrintJson({{"certificates", list}});
  } else if (rows.empty()) {
    std::printf("no certificates in %s\n", settings->state_dir.c_str());
  } else {
    std::string table = FormatTable({"LINEAGE", "NAMES", "KEY", "SERIAL", "ISSUER", "NOT AFTER",
                                     "DAYS LEFT", "NEXT DUE", "STATUS"},
                                    rows);
    std::fwrite(table.data(), 1, table.size(), stdout);
  }
  return any_error ? kExitError : 0;
}

}  // namespace mailcert::cli
