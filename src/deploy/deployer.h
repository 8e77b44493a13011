#pragma once
// One deploy to one target, in the order issue #3 fixes, stopping at the first failure:
// validate → compare (nothing to do when every file is identical) → write atomically → run the
// target's test and rebuild commands → reload → verify on the wire that every endpoint serves
// the new leaf for every certificate → on any failure after writing: restore the previous
// files, rebuild and reload again, and report loudly.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "deploy/dane_guard.h"
#include "deploy/installer.h"
#include "deploy/layout.h"
#include "probe/probe.h"
#include "sys/clock.h"
#include "sys/fs.h"
#include "sys/process.h"
#include "util/result.h"

namespace mailcert::deploy {

enum class TargetType { kPostfix, kDovecot, kNginx, kMailcow, kDockerMailserver, kFiles };

struct Command {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to the environment
  std::string Describe() const;
};

struct TargetSpec {
  std::string name;  // "postfix", or what the configuration calls it
  TargetType type = TargetType::kPostfix;
  // Where and how the files go.
  std::string dir;  // postfix, dovecot, nginx: the directory the files are written to
  bool sni = false;
  DovecotSyntax dovecot_syntax = DovecotSyntax::k23;
  std::string mailcow_ssl_dir;  // <mailcow>/data/assets/ssl
  bool dms_letsencrypt = false;
  std::string dms_letsencrypt_dir, dms_fqdn;
  DmsManualPaths dms_manual;
  FilesPaths files;  // type files: path templates
  Ownership owner;
  std::string trusted_roots_pem;  // for validation; empty: the system store
  // Run after the files are written, before the reload; a failure aborts and restores
  // (postmap -F for an SNI map, nginx -t).
  std::vector<Command> prepare;
  std::vector<Command> reload;
  // Endpoints that must serve the new certificates afterwards (SNI is set per certificate).
  std::vector<probe::Endpoint> endpoints;
  std::chrono::seconds verify_timeout{30};
  // TLSA owners _<port>._tcp.<name> the DANE guard checks before writing (dane_guard.h);
  // empty: no guard.
  std::vector<int> dane_ports;
};

enum class DeployStatus {
  kUnchanged,   // every file already identical: nothing written, nothing reloaded
  kDeployed,    // written, reloaded, verified
  kRefused,     // validation failed: nothing touched
  kRolledBack,  // something failed after writing: the previous files are back
};

const char* DeployStatusName(DeployStatus status);

struct EndpointResult {
  std::string endpoint;  // DescribeEndpoint
  std::string expected_fingerprint;
  std::string served_fingerprint;  // empty when the probe failed
  std::string error;               // empty when it served the expected leaf
};

struct DeployOutcome {
  std::string target;
  DeployStatus status = DeployStatus::kUnchanged;
  std::vector<std::string> written;
  std::vector<EndpointResult> endpoints;
  std::string error;  // one line when not deployed/unchanged
  std::vector<std::string> warnings;  // deployed (or unchanged) but worth saying: DANE
  bool ok() const {
    return status == DeployStatus::kDeployed || status == DeployStatus::kUnchanged;
  }
};

// The file of `target` that holds `material`'s certificate once deployed (for `check`'s
// "deployed" fingerprint); empty when the target keeps no such file.
std::string DeployedCertificatePath(const TargetSpec& target, const Material& material);

// The reload commands for a deploy; for a `files` target the hook once per certificate, with
// RENEWED_LINEAGE, RENEWED_DOMAINS and MAILCERT_* in its environment.
std::vector<Command> ReloadCommands(const TargetSpec& target,
                                    const std::vector<Material>& materials);

// How to ask for `material`'s certificate: a group with two key types is probed once per key
// type with a client that accepts only that kind; anything else as an ordinary client.
net::TlsKeyRestriction RestrictionFor(const Material& material,
                                      const std::vector<Material>& materials);

// Probes an endpoint; the restriction makes a server holding RSA and ECDSA certificates serve
// the one under test.
using ProbeFunction = std::function<util::Result<probe::Served>(const probe::Endpoint&,
                                                                net::TlsKeyRestriction)>;

class Deployer {
 public:
  Deployer(sys::Fs& fs, sys::ProcessRunner& runner, sys::Clock& clock, ProbeFunction probe);

  // `materials`: the current versions of the lineages this target takes, one per key type;
  // exactly one lineage is `server` for targets with a default certificate.
  DeployOutcome Deploy(const TargetSpec& target, const std::vector<Material>& materials);

  // Enables the DANE guard for targets with dane_ports (none without a lookup).
  void SetTlsaLookup(TlsaLookup lookup) { tlsa_lookup_ = std::move(lookup); }

  // The layout for a target (exposed for `deploy --dry-run` and tests).
  util::Result<Layout> LayoutFor(const TargetSpec& target, const std::vector<Material>& materials);

 private:
  util::Result<void> RunAll(const std::vector<Command>& commands, const std::string& what);
  // `fingerprints[i]` is what materials[i]'s endpoints must serve (empty: skip that material).
  std::vector<EndpointResult> Verify(const TargetSpec& target,
                                     const std::vector<Material>& materials,
                                     const std::vector<std::string>& fingerprints);

  // The certificates `target` holds for `material` now (leaf first); empty when none.
  std::vector<std::string> DeployedChain(const TargetSpec& target, const Material& material);

  sys::Fs& fs_;
  sys::ProcessRunner& runner_;
  sys::Clock& clock_;
  ProbeFunction probe_;
  TlsaLookup tlsa_lookup_;
};

}  // namespace mailcert::deploy
