#pragma once
// [[deploy]] tables turned into deploy::TargetSpec (with each target type's default commands),
// the materials each target takes from the store, and the run over every target that `deploy`
// and `renew` share.

#include <string>
#include <vector>

#include "cli/config.h"
#include "deploy/deployer.h"
#include "store/store.h"
#include "sys/process.h"
#include "util/json.h"
#include "util/result.h"

namespace mailcert::cli {

// Errors: kInvalidInput naming the [[deploy]] table and the field.
util::Result<deploy::TargetSpec> ResolveTarget(const DeployConfig& config,
                                               sys::ProcessRunner& runner);

// "smtp://127.0.0.1:2525", "imaps://mail.example.org" (default port), "https://[::1]:8443".
util::Result<probe::Endpoint> ParseEndpoint(const std::string& text);

// How endpoint names become addresses: through `dns_servers` ("127.0.0.1:53", a [[deploy]]
// table's or --dns-server) when given, else the system's resolver (so /etc/hosts counts, as for
// the mail servers themselves). Errors: a malformed entry of dns_servers (the caller names it).
util::Result<probe::AddressResolver> AddressResolverFor(const std::vector<std::string>& dns_servers);

// The DANE TLSA lookup through `dns_servers` (or /etc/resolv.conf's); NXDOMAIN and an answer
// without TLSA both give no records. Errors: as AddressResolverFor, or resolv.conf unreadable.
util::Result<deploy::TlsaLookup> TlsaLookupFor(const std::vector<std::string>& dns_servers);

// The current versions of the lineages a target takes (all of the store's when it names none).
util::Result<std::vector<deploy::Material>> MaterialsFor(const DeployConfig& config,
                                                         store::Store& store);

// Deploys every configured target (or only `only_target`) and returns the outcomes in
// configuration order. A target that failed is simply deployed again by the next run: its files
// were restored, so they differ from the current version.
std::vector<deploy::DeployOutcome> DeployAll(const FileConfig& config, store::Store& store,
                                             const std::string& only_target);

// Runs the configured alert_command for one failure (a failing alert is logged, never fatal).
void Alert(const FileConfig& config, const std::string& event, const std::string& subject,
           const std::string& error);

// Prints deploy outcomes (text on stdout/stderr unless `json`), or fills `json_out` with them.
// Returns 0 when something was deployed, 2 when nothing changed, 1 on any failure.
int ReportDeploys(const std::vector<deploy::DeployOutcome>& outcomes, bool json,
                  util::Json* json_out);

}  // namespace mailcert::cli
