#include "deploy/deployer.h"

#include <algorithm>

#include "crypto/x509.h"
#include "util/log.h"
#include "util/strings.h"

namespace mailcert::deploy {
namespace {

bool IsWildcard(const std::string& name) { return name.rfind("*.", 0) == 0; }

// The leaf fingerprint (lowercase hex) of a material, as probe::CheckServed reports it.
std::string Fingerprint(const Material& material) {
  auto chain = crypto::SplitPemCertificates(material.files.fullchain_pem);
  if (!chain) return "";
  auto leaf = crypto::ParseCertificate(chain->front());
  return leaf ? util::HexEncode(leaf->fingerprint_sha256) : "";
}

}  // namespace

std::string Command::Describe() const { return util::Join(argv, " "); }

const char* DeployStatusName(DeployStatus status) {
  switch (status) {
    case DeployStatus::kUnchanged: return "unchanged";
    case DeployStatus::kDeployed: return "deployed";
    case DeployStatus::kRefused: return "refused";
    case DeployStatus::kRolledBack: return "rolled-back";
  }
  return "?";
}

std::string DeployedCertificatePath(const TargetSpec& target, const Material& material) {
  switch (target.type) {
    case TargetType::kPostfix: return PostfixChainPath(target.dir, material);
    case TargetType::kDovecot: return DovecotCertPath(target.dir, material);
    case TargetType::kNginx: return NginxCertPath(target.dir, material);
    case TargetType::kMailcow:
      return material.names.empty()
                 ? ""
                 : sys::JoinPath(sys::JoinPath(target.mailcow_ssl_dir, material.names.front()),
                                 "cert.pem");
    case TargetType::kDockerMailserver:
      return target.dms_letsencrypt
                 ? sys::JoinPath(sys::JoinPath(sys::JoinPath(target.dms_letsencrypt_dir, "live"),
                                               target.dms_fqdn),
                                 "fullchain.pem")
                 : target.dms_manual.cert;
    case TargetType::kFiles:
      return FillPath(!target.files.fullchain.empty() ? target.files.fullchain
                      : !target.files.cert.empty()    ? target.files.cert
                                                      : target.files.combined,
                      material);
  }
  return "";
}

net::TlsKeyRestriction RestrictionFor(const Material& material,
                                      const std::vector<Material>& materials) {
  // TLS 1.2 with only RSA (or ECDSA) cipher suites makes a dual server show that certificate.
  const bool dual = std::count_if(materials.begin(), materials.end(), [&](const Material& m) {
                      return GroupOf(m) == GroupOf(material);
                    }) > 1;
  if (!dual) return net::TlsKeyRestriction::kAny;
  return material.key_type.rfind("rsa", 0) == 0 ? net::TlsKeyRestriction::kRsaOnly
                                                : net::TlsKeyRestriction::kEcdsaOnly;
}

std::vector<Command> ReloadCommands(const TargetSpec& target,
                                    const std::vector<Material>& materials) {
  if (target.type != TargetType::kFiles) return target.reload;
  // The `files` hook runs once per certificate with certbot's deploy-hook variables
  // (RENEWED_LINEAGE, RENEWED_DOMAINS) and MAILCERT_* naming every file, so existing certbot
  // hooks keep working.
  std::vector<Command> commands;
  for (const auto& material : materials) {
    std::map<std::string, std::string> env = {
        {"RENEWED_LINEAGE", material.store_dir},
        {"RENEWED_DOMAINS", util::Join(material.names, " ")},
        {"MAILCERT_LINEAGE", material.lineage},
        {"MAILCERT_NAMES", util::Join(material.names, " ")},
        {"MAILCERT_KEY_TYPE", material.key_type}};
    const std::pair<const char*, const std::string*> paths[] = {
        {"MAILCERT_CERT", &target.files.cert},         {"MAILCERT_KEY", &target.files.key},
        {"MAILCERT_CHAIN", &target.files.chain},       {"MAILCERT_FULLCHAIN", &target.files.fullchain},
        {"MAILCERT_COMBINED", &target.files.combined}};
    for (const auto& [name, path] : paths) {
      if (!path->empty()) env[name] = FillPath(*path, material);
    }
    for (Command command : target.reload) {
      command.env.insert(env.begin(), env.end());
      commands.push_back(std::move(command));
    }
  }
  return commands;
}

Deployer::Deployer(sys::Fs& fs, sys::ProcessRunner& runner, sys::Clock& clock, ProbeFunction probe)
    : fs_(fs), runner_(runner), clock_(clock), probe_(std::move(probe)) {}

util::Result<Layout> Deployer::LayoutFor(const TargetSpec& target,
                                         const std::vector<Material>& materials) {
  switch (target.type) {
    case TargetType::kPostfix:
      return PostfixLayout(target.dir, materials, target.sni);
    case TargetType::kDovecot:
      return DovecotLayout(target.dir, materials, target.sni, target.dovecot_syntax);
    case TargetType::kNginx:
      return NginxLayout(target.dir, materials);
    case TargetType::kMailcow: {
      std::vector<ExistingDir> existing;
      auto names = fs_.ListDir(target.mailcow_ssl_dir);
      if (names) {
        for (const auto& name : *names) {
          auto stat = fs_.Stat(sys::JoinPath(target.mailcow_ssl_dir, name));
          if (!stat || !stat->is_directory) continue;
          bool ours = fs_.Stat(sys::JoinPath(sys::JoinPath(target.mailcow_ssl_dir, name),
                                             kMailcowMarker))
                          .has_value();
          existing.push_back({name, ours});
        }
      }
      return MailcowLayout(target.mailcow_ssl_dir, materials, existing);
    }
    case TargetType::kDockerMailserver:
      if (target.dms_letsencrypt) {
        return DmsLetsencryptLayout(target.dms_letsencrypt_dir, target.dms_fqdn, materials);
      }
      return DmsManualLayout(target.dms_manual, materials);
    case TargetType::kFiles:
      return FilesLayout(target.files, materials);
  }
  return util::Fail(util::ErrorCode::kInternal, "no layout for target " + target.name);
}

util::Result<void> Deployer::RunAll(const std::vector<Command>& commands, const std::string& what) {
  for (const auto& command : commands) {
    sys::ProcessRequest request;
    request.argv = command.argv;
    request.extra_env = command.env;
    request.timeout = std::chrono::seconds(120);
    auto outcome = runner_.Run(request);
    if (!outcome) return util::Fail(outcome.error().WithContext(what + " `" + command.Describe() + "`"));
    if (outcome->exit_code != 0) {
      std::string output = std::string(util::Trim(outcome->stderr_text + outcome->stdout_text));
      std::string last = output.substr(output.find_last_of('\n') == std::string::npos
                                           ? 0
                                           : output.find_last_of('\n') + 1);
      return util::Fail(util::ErrorCode::kIo,
                        what + " `" + command.Describe() + "` failed (exit " +
                            std::to_string(outcome->exit_code) + ")" +
                            (last.empty() ? "" : ": " + last.substr(0, 300)));
    }
  }
  return {};
}

std::vector<EndpointResult> Deployer::Verify(const TargetSpec& target,
                                             const std::vector<Material>& materials,
                                             const std::vector<std::string>& fingerprints) {
  // One probe per endpoint, certificate and name, with that name as SNI.
  struct Expectation {
    probe::Endpoint endpoint;
    net::TlsKeyRestriction restriction;
    std::string fingerprint;
  };
  std::vector<Expectation> expectations;
  for (size_t m = 0; m < materials.size(); ++m) {
    const Material& material = materials[m];
    if (fingerprints[m].empty()) continue;
    const net::TlsKeyRestriction restriction = RestrictionFor(material, materials);
    // Every name (issue #3: "with SNI for each name"): an SNI map that misses one name would
    // serve it the default certificate. Wildcards have no name to send.
    for (const auto& name : material.names) {
      if (IsWildcard(name)) continue;
      for (probe::Endpoint endpoint : target.endpoints) {
        endpoint.sni = name;
        expectations.push_back({endpoint, restriction, fingerprints[m]});
      }
    }
  }
  std::vector<EndpointResult> results(expectations.size());
  std::vector<int> good_in_a_row(expectations.size(), 0);
  const auto deadline = clock_.Now() + target.verify_timeout;
  // Services restart at their own pace (postfix reload lets old processes finish, doveadm
  // reload starts new ones): retry each endpoint until it serves the new leaf or time is up.
  // One good handshake is not enough: for a moment after `nginx -s reload` old and new workers
  // both accept connections, so an endpoint passes only after kConsecutive good answers in a row.
  constexpr int kConsecutive = 3;
  while (true) {
    bool all = true;
    for (size_t i = 0; i < expectations.size(); ++i) {
      if (good_in_a_row[i] >= kConsecutive) continue;
      EndpointResult& result = results[i];
      result.endpoint = probe::DescribeEndpoint(expectations[i].endpoint);
      if (expectations[i].restriction == net::TlsKeyRestriction::kRsaOnly) result.endpoint += " RSA";
      if (expectations[i].restriction == net::TlsKeyRestriction::kEcdsaOnly) {
        result.endpoint += " ECDSA";
      }
      result.expected_fingerprint = expectations[i].fingerprint;
      auto served = probe_(expectations[i].endpoint, expectations[i].restriction);
      if (!served) {
        result.served_fingerprint.clear();
        result.error = served.error().message;
      } else {
        result.served_fingerprint = util::HexEncode(served->leaf.fingerprint_sha256);
        result.error = result.served_fingerprint == result.expected_fingerprint
                           ? ""
                           : "serves " + served->leaf.subject_cn + " (fingerprint " +
                                 result.served_fingerprint.substr(0, 16) + "…), not the " +
                                 "deployed certificate";
      }
      good_in_a_row[i] = result.error.empty() ? good_in_a_row[i] + 1 : 0;
      all = all && good_in_a_row[i] >= kConsecutive;
    }
    if (all) break;
    if (clock_.Now() >= deadline) {
      for (size_t i = 0; i < expectations.size(); ++i) {
        if (results[i].error.empty() && good_in_a_row[i] < kConsecutive) {
          results[i].error = "served the deployed certificate only intermittently";
        }
      }
      break;
    }
    clock_.SleepFor(std::chrono::milliseconds(200));
  }
  return results;
}

std::vector<std::string> Deployer::DeployedChain(const TargetSpec& target,
                                                 const Material& material) {
  const std::string path = DeployedCertificatePath(target, material);
  if (path.empty()) return {};
  auto content = fs_.ReadFile(path);
  if (!content) return {};  // nothing deployed yet
  return crypto::SplitPemCertificates(*content).value_or(std::vector<std::string>{});
}

DeployOutcome Deployer::Deploy(const TargetSpec& target, const std::vector<Material>& materials) {
  DeployOutcome outcome;
  outcome.target = target.name;
  for (const auto& material : materials) {
    if (auto valid = ValidateMaterial(material, target.trusted_roots_pem, clock_.Now()); !valid) {
      outcome.status = DeployStatus::kRefused;
      outcome.error = valid.error().message;
      return outcome;
    }
  }
  if (tlsa_lookup_ && !target.dane_ports.empty()) {
    for (const auto& material : materials) {
      DaneVerdict dane =
          CheckDane(target.dane_ports, material, DeployedChain(target, material), tlsa_lookup_);
      if (!dane.refusal.empty()) {
        outcome.status = DeployStatus::kRefused;
        outcome.error = dane.refusal;
        return outcome;
      }
      outcome.warnings.insert(outcome.warnings.end(), dane.warnings.begin(), dane.warnings.end());
    }
  }
  auto layout = LayoutFor(target, materials);
  if (!layout) {
    outcome.status = DeployStatus::kRefused;
    outcome.error = layout.error().message;
    return outcome;
  }
  auto installed = Install(fs_, *layout, target.owner);
  if (!installed) {
    outcome.status = DeployStatus::kRolledBack;
    outcome.error = installed.error().message + "; the previous files were kept";
    return outcome;
  }
  if (!installed->changed()) return outcome;  // kUnchanged
  outcome.written = installed->written;

  auto roll_back = [&](const std::string& why) {
    outcome.status = DeployStatus::kRolledBack;
    outcome.error = why;
    if (auto restored = Restore(fs_, *installed); !restored) {
      outcome.error += "; RESTORING THE PREVIOUS FILES FAILED: " + restored.error().message;
      return;
    }
    // Bring the service back onto the restored files; report, but do not mask, a failure here.
    if (auto again = RunAll(target.prepare, "after restoring, prepare"); !again) {
      outcome.error += "; " + again.error().message;
    } else if (auto reloaded = RunAll(ReloadCommands(target, materials), "after restoring, reload");
               !reloaded) {
      outcome.error += "; " + reloaded.error().message;
    }
    // And check that the restored certificates are what the endpoints serve again: a rollback
    // that did not take either is the worst case and must say so.
    std::vector<std::string> previous(materials.size());
    bool any = false;
    for (size_t i = 0; i < materials.size(); ++i) {
      const std::string path = DeployedCertificatePath(target, materials[i]);
      for (const auto& file : installed->previous) {
        if (file.path == path && file.existed) {
          auto chain = crypto::SplitPemCertificates(file.content);
          auto leaf = chain ? crypto::ParseCertificate(chain->front())
                            : util::Result<crypto::CertificateInfo>(util::Fail(chain.error()));
          if (leaf) previous[i] = util::HexEncode(leaf->fingerprint_sha256);
        }
      }
      any = any || !previous[i].empty();
    }
    if (!any) {
      outcome.error += "; the previous files are back in place";
      return;
    }
    std::vector<std::string> still_wrong;
    for (const auto& result : Verify(target, materials, previous)) {
      if (!result.error.empty()) still_wrong.push_back(result.endpoint + ": " + result.error);
    }
    outcome.error += still_wrong.empty()
                         ? "; the previous files are back in place and served again"
                         : "; the previous files are back in place but NOT SERVED: " +
                               util::Join(still_wrong, "; ");
  };
  if (auto prepared = RunAll(target.prepare, "prepare"); !prepared) {
    roll_back(prepared.error().message);
    return outcome;
  }
  if (auto reloaded = RunAll(ReloadCommands(target, materials), "reload"); !reloaded) {
    roll_back(reloaded.error().message);
    return outcome;
  }
  std::vector<std::string> expected;
  for (const auto& material : materials) expected.push_back(Fingerprint(material));
  outcome.endpoints = Verify(target, materials, expected);
  std::vector<std::string> failures;
  for (const auto& result : outcome.endpoints) {
    if (!result.error.empty()) failures.push_back(result.endpoint + ": " + result.error);
  }
  if (!failures.empty()) {
    roll_back("after the reload " + util::Join(failures, "; "));
    return outcome;
  }
  outcome.status = DeployStatus::kDeployed;
  return outcome;
}

}  // namespace mailcert::deploy
