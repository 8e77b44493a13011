#include "cli/deploy_targets.h"

#include <grp.h>

#include <algorithm>
#include <pwd.h>

#include "dns/resolver.h"
#include "probe/probe.h"
#include "sys/clock.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

util::Error Invalid(const DeployConfig& config, const std::string& what) {
  return util::Error{util::ErrorCode::kInvalidInput, config.origin + ": [[deploy]] " +
                                                         config.name + ": " + what, {}};
}

// The resolver DNS questions go to: `dns_servers`, else /etc/resolv.conf's.
util::Result<std::unique_ptr<dns::Resolver>> MakeDnsResolver(
    const std::vector<std::string>& dns_servers) {
  dns::ResolverOptions options;
  for (const auto& server : dns_servers) {
    MC_ASSIGN_OR_RETURN(dns::ServerAddress address, dns::ParseServerAddress(server));
    options.servers.push_back(address);
  }
  return dns::MakeResolver(options);
}


std::vector<deploy::Command> Commands(const std::vector<std::vector<std::string>>& lists) {
  std::vector<deploy::Command> commands;
  for (const auto& argv : lists) commands.push_back(deploy::Command{argv, {}});
  return commands;
}

// Dovecot 2.4 renamed ssl_cert/ssl_key (dovecot documentation, 2.4-converted-settings).
deploy::DovecotSyntax DetectDovecot(sys::ProcessRunner& runner) {
  sys::ProcessRequest request;
  request.argv = {"dovecot", "--version"};
  request.timeout = std::chrono::seconds(10);
  auto outcome = runner.Run(request);
  if (outcome && outcome->exit_code == 0 && outcome->stdout_text.rfind("2.4", 0) == 0) {
    return deploy::DovecotSyntax::k24;
  }
  return deploy::DovecotSyntax::k23;
}

}  // namespace

util::Result<probe::Endpoint> ParseEndpoint(const std::string& text) {
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string::npos) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "endpoint " + util::Quote(text) + " needs a protocol: smtp://host:25");
  }
  MC_ASSIGN_OR_RETURN(probe::Protocol protocol, probe::ParseProtocol(text.substr(0, scheme_end)));
  std::string rest = text.substr(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  probe::Endpoint endpoint;
  endpoint.protocol = protocol;
  endpoint.port = probe::DefaultPorts(protocol).front();
  const std::string scheme = util::ToLower(text.substr(0, scheme_end));
  if (scheme == "submission") endpoint.port = 587;  // RFC 6409
  if (scheme == "submissions") endpoint.port = 465;  // RFC 8314 §7.3
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) {
      return util::Fail(util::ErrorCode::kInvalidInput, "endpoint " + util::Quote(text) +
                                                            ": unclosed [ in an IPv6 address");
    }
    endpoint.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else {
    size_t colon = rest.rfind(':');
    endpoint.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (!port.empty()) {
    if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return util::Fail(util::ErrorCode::kInvalidInput,
                        "endpoint " + util::Quote(text) + ": bad port " + util::Quote(port));
    }
    endpoint.port = std::stoi(port);
  }
  if (endpoint.host.empty()) {
    return util::Fail(util::ErrorCode::kInvalidInput, "endpoint " + util::Quote(text) +
                                                          " has no host");
  }
  return endpoint;
}


util::Result<deploy::TargetSpec> ResolveTarget(const DeployConfig& config,
                                               sys::ProcessRunner& runner) {
  deploy::TargetSpec target;
  target.name = config.name;
  target.sni = config.sni;
  target.dir = config.dir;
  target.verify_timeout = std::chrono::seconds(config.verify_timeout);
  if (!config.ca_bundle.empty()) {
    auto pem = sys::RealFs().ReadFile(config.ca_bundle);
    if (!pem) return util::Fail(Invalid(config, "ca_bundle: " + pem.error().message));
    target.trusted_roots_pem = *pem;
  }
  if (!config.owner.empty()) {
    struct passwd* user = ::getpwnam(config.owner.c_str());
    if (user == nullptr) return util::Fail(Invalid(config, "no user " + util::Quote(config.owner)));
    target.owner.uid = user->pw_uid;
  }
  if (!config.group.empty()) {
    struct group* group = ::getgrnam(config.group.c_str());
    if (group == nullptr) {
      return util::Fail(Invalid(config, "no group " + util::Quote(config.group)));
    }
    target.owner.gid = group->gr_gid;
  }
  // Each address of a named endpoint is verified on its own (A and AAAA): an IPv6 listener
  // still serving an old file must not hide behind an IPv4 one that serves the new.
  auto resolve = AddressResolverFor(config.dns_servers);
  if (!resolve) return util::Fail(Invalid(config, "dns_servers: " + resolve.error().message));
  for (const auto& text : config.endpoints) {
    auto endpoint = ParseEndpoint(text);
    if (!endpoint) return util::Fail(Invalid(config, endpoint.error().message));
    for (auto& one : probe::ExpandAddresses(*endpoint, *resolve)) {
      target.endpoints.push_back(std::move(one));
    }
  }
  auto need_dir = [&]() -> util::Result<void> {
    if (config.dir.empty() || config.dir.front() != '/') {
      return util::Fail(Invalid(config, "needs dir = \"/absolute/directory\" for the files"));
    }
    return {};
  };
  std::vector<std::vector<std::string>> prepare, reload;
  if (config.type == "postfix") {
    MC_RETURN_IF_ERROR(need_dir());
    target.type = deploy::TargetType::kPostfix;
    std::vector<std::string> c;
    if (!config.postfix_config_dir.empty()) c = {"-c", config.postfix_config_dir};
    // postmap -F embeds the files' contents in the map (postmap(1)): rebuilt after every change.
    if (config.sni) {
      std::vector<std::string> postmap = {"postmap"};
      postmap.insert(postmap.end(), c.begin(), c.end());
      postmap.push_back("-F");
      postmap.push_back("hash:" + deploy::PostfixSniMapPath(config.dir));
      prepare.push_back(postmap);
    }
    std::vector<std::string> postfix = {"postfix"};
    postfix.insert(postfix.end(), c.begin(), c.end());
    postfix.push_back("reload");
    reload.push_back(postfix);
  } else if (config.type == "dovecot") {
    MC_RETURN_IF_ERROR(need_dir());
    target.type = deploy::TargetType::kDovecot;
    if (config.dovecot_version == "2.4") {
      target.dovecot_syntax = deploy::DovecotSyntax::k24;
    } else if (config.dovecot_version == "2.3") {
      target.dovecot_syntax = deploy::DovecotSyntax::k23;
    } else if (config.dovecot_version.empty()) {
      target.dovecot_syntax = DetectDovecot(runner);
    } else {
      return util::Fail(Invalid(config, "dovecot_version must be \"2.3\" or \"2.4\""));
    }
    std::vector<std::string> doveadm = {"doveadm"};
    if (!config.dovecot_config.empty()) {
      doveadm.push_back("-c");
      doveadm.push_back(config.dovecot_config);
    }
    doveadm.push_back("reload");
    reload.push_back(doveadm);
  } else if (config.type == "nginx") {
    MC_RETURN_IF_ERROR(need_dir());
    target.type = deploy::TargetType::kNginx;
    std::vector<std::string> nginx = {"nginx"};
    if (!config.nginx_config.empty()) {
      nginx.push_back("-c");
      nginx.push_back(config.nginx_config);
    }
    // nginx -s reload keeps the old configuration on error and says so only in error.log:
    // test first, and a failing test aborts the deploy (ca-and-mail-tls-landscape §4).
    std::vector<std::string> test = nginx;
    test.push_back("-t");
    prepare.push_back(test);
    nginx.push_back("-s");
    nginx.push_back("reload");
    reload.push_back(nginx);
  } else if (config.type == "mailcow") {
    if (config.mailcow_dir.empty()) {
      return util::Fail(Invalid(config, "needs mailcow_dir = \"/opt/mailcow-dockerized\""));
    }
    target.type = deploy::TargetType::kMailcow;
    target.mailcow_ssl_dir = config.mailcow_dir + "/data/assets/ssl";
    // What mailcow itself does after a renewal (reload-configurations.sh): restart Postfix and
    // Dovecot (their entrypoints rebuild the SNI maps), reload nginx.
    const std::string compose = "docker compose --project-directory " + config.mailcow_dir;
    reload.push_back({"/bin/sh", "-c", compose + " restart postfix-mailcow dovecot-mailcow"});
    reload.push_back({"/bin/sh", "-c", compose + " exec -T nginx-mailcow nginx -s reload"});
  } else if (config.type == "files") {
    target.type = deploy::TargetType::kFiles;
    target.files.cert = config.cert_path;
    target.files.key = config.key_path;
    target.files.chain = config.chain_path;
    target.files.fullchain = config.fullchain_path;
    target.files.combined = config.combined_path;
    for (const auto& path : {config.cert_path, config.key_path, config.chain_path,
                             config.fullchain_path, config.combined_path}) {
      if (!path.empty() && path.front() != '/') {
        return util::Fail(Invalid(config, util::Quote(path) + " must be an absolute path"));
      }
    }
    if (config.fullchain_path.empty() && config.cert_path.empty() && config.combined_path.empty()) {
      return util::Fail(Invalid(config, "needs at least one of cert_path, fullchain_path and "
                                        "combined_path"));
    }
    auto mode = [&](const std::string& text, mode_t fallback) -> util::Result<mode_t> {
      if (text.empty()) return fallback;
      if (text.find_first_not_of("01234567") != std::string::npos || text.size() > 4) {
        return util::Fail(Invalid(config, "mode " + util::Quote(text) + " is not octal (\"0640\")"));
      }
      return static_cast<mode_t>(std::stoul(text, nullptr, 8));
    };
    MC_ASSIGN_OR_RETURN(target.files.cert_mode, mode(config.cert_mode, 0644));
    MC_ASSIGN_OR_RETURN(target.files.key_mode, mode(config.key_mode, 0600));
    if ((target.files.key_mode & 0007) != 0) {
      return util::Fail(Invalid(config, "key_mode " + config.key_mode +
                                            " lets every user read the private key; use 0600 "
                                            "or 0640 with a group"));
    }
  } else if (config.type == "docker-mailserver") {
    target.type = deploy::TargetType::kDockerMailserver;
    if (config.dms_mode == "letsencrypt") {
      target.dms_letsencrypt = true;
      target.dms_letsencrypt_dir = config.letsencrypt_dir.empty() ? "/etc/letsencrypt"
                                                                  : config.letsencrypt_dir;
      target.dms_fqdn = config.fqdn;
      if (config.fqdn.empty()) {
        return util::Fail(Invalid(config, "mode = \"letsencrypt\" needs fqdn = the name DMS "
                                          "looks for under live/ (SSL_DOMAIN or its hostname)"));
      }
    } else if (config.dms_mode == "manual") {
      if (config.cert_path.empty() || config.key_path.empty()) {
        return util::Fail(Invalid(config, "mode = \"manual\" needs cert_path and key_path "
                                          "(DMS's SSL_CERT_PATH and SSL_KEY_PATH)"));
      }
      target.dms_manual = {config.cert_path, config.key_path, config.alt_cert_path,
                           config.alt_key_path};
    } else {
      return util::Fail(Invalid(config, "mode must be \"manual\" or \"letsencrypt\""));
    }
    // docker-mailserver notices changed files itself (check-for-changes.sh, every 2 s) and
    // reloads Postfix and Dovecot: no reload by default.
  }
  // DANE for SMTP (RFC 7672) is what remote MTAs check, on port 25 whatever the endpoints'
  // ports are; other ports only when the configuration names them.
  const bool serves_smtp = target.type == deploy::TargetType::kPostfix ||
                           target.type == deploy::TargetType::kMailcow ||
                           target.type == deploy::TargetType::kDockerMailserver;
  target.dane_ports = config.dane_ports ? *config.dane_ports
                      : serves_smtp     ? std::vector<int>{25}
                                        : std::vector<int>{};
  target.prepare = Commands(config.prepare ? *config.prepare : prepare);
  target.reload = Commands(config.reload ? *config.reload : reload);
  return target;
}

util::Result<probe::AddressResolver> AddressResolverFor(
    const std::vector<std::string>& dns_servers) {
  if (dns_servers.empty()) return probe::AddressResolver(net::ResolveHostAddresses);
  MC_ASSIGN_OR_RETURN(std::shared_ptr<dns::Resolver> resolver, MakeDnsResolver(dns_servers));
  return probe::AddressResolver(
      [resolver](const std::string& host) -> util::Result<std::vector<std::string>> {
        std::vector<std::string> addresses;
        for (dns::RrType type : {dns::RrType::kA, dns::RrType::kAaaa}) {
          auto response = resolver->Query(host, type);
          if (!response) return util::Fail(util::Error(response.error()));
          for (const auto& a : response->Answers<dns::ARecord>()) addresses.push_back(a.address);
          for (const auto& aaaa : response->Answers<dns::AaaaRecord>()) {
            addresses.push_back(aaaa.address);
          }
        }
        return addresses;
      });
}

util::Result<deploy::TlsaLookup> TlsaLookupFor(const std::vector<std::string>& dns_servers) {
  MC_ASSIGN_OR_RETURN(std::shared_ptr<dns::Resolver> resolver, MakeDnsResolver(dns_servers));
  return deploy::StopAfterTimeout(
      [resolver](const std::string& owner)
          -> util::Result<std::vector<crypto::TlsaAssociation>> {
        auto response = resolver->Query(owner, dns::RrType::kTlsa);
        if (!response) return util::Fail(util::Error(response.error()));
        std::vector<crypto::TlsaAssociation> records;
        if (response->rcode == dns::Rcode::kNxDomain) return records;
        for (const auto& tlsa : response->Answers<dns::TlsaRecord>()) {
          records.push_back({tlsa.usage, tlsa.selector, tlsa.matching_type, tlsa.data});
        }
        return records;
      });
}

util::Result<std::vector<deploy::Material>> MaterialsFor(const DeployConfig& config,
                                                         store::Store& store) {
  std::vector<std::string> lineages = config.certificates;
  if (lineages.empty()) {
    MC_ASSIGN_OR_RETURN(lineages, store.ListLineages());
  }
  std::vector<deploy::Material> materials;
  for (const auto& lineage : lineages) {
    MC_ASSIGN_OR_RETURN(auto current, store.CurrentVersion(lineage));
    if (!current) {
      return util::Fail(util::ErrorCode::kNotFound,
                        config.origin + ": [[deploy]] " + config.name + ": certificate " +
                            lineage + " has no version yet: issue it first");
    }
    deploy::Material material;
    material.lineage = lineage;
    material.names = current->meta.names;
    material.key_type = current->meta.key_type;
    MC_ASSIGN_OR_RETURN(material.files, store.ReadVersionFiles(*current));
    material.store_dir = current->dir;
    material.server = config.server.empty() ? materials.empty() : config.server == lineage;
    materials.push_back(std::move(material));
  }
  // Lineages with the same names and different key types form one certificate (RSA + ECDSA).
  auto name_set = [](const deploy::Material& material) {
    std::vector<std::string> names;
    for (const auto& name : material.names) names.push_back(util::ToLower(name));
    std::sort(names.begin(), names.end());
    return names;
  };
  for (size_t i = 0; i < materials.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (name_set(materials[j]) == name_set(materials[i]) &&
          materials[j].key_type != materials[i].key_type) {
        materials[i].group = deploy::GroupOf(materials[j]);
        materials[i].server = materials[i].server || materials[j].server;
        materials[j].server = materials[i].server;
        break;
      }
    }
  }
  return materials;
}

void Alert(const FileConfig& config, const std::string& event, const std::string& subject,
           const std::string& error) {
  if (!config.alert_command) return;
  sys::ProcessRequest request;
  request.argv = *config.alert_command;
  request.extra_env = {{"MAILCERT_EVENT", event},
                       {"MAILCERT_SUBJECT", subject},
                       {"MAILCERT_ERROR", error}};
  request.timeout = std::chrono::seconds(60);
  auto outcome = sys::RealProcessRunner().Run(request);
  if (!outcome || outcome->exit_code != 0) {
    std::fprintf(stderr, "mailcert: warning: alert_command failed for %s %s: %s\n", event.c_str(),
                 subject.c_str(),
                 outcome ? ("exit " + std::to_string(outcome->exit_code)).c_str()
                         : outcome.error().message.c_str());
  }
}

namespace {

// Longer than a deploy takes (reload plus verification with retries, bounded by verify_timeout).
constexpr std::chrono::minutes kDeployLockWait{5};


// Notes in each lineage's state.json what the target now holds of it, so `certificates` can say
// that a renewed version is not live yet, and why. A lineage with no version has nothing to note.
void RecordDeploy(const DeployConfig& config, const deploy::DeployOutcome& outcome,
                  store::Store& store, util::TimePoint now) {
  std::vector<std::string> lineages = config.certificates;
  if (lineages.empty()) lineages = store.ListLineages().value_or(std::vector<std::string>{});
  for (const auto& lineage : lineages) {
    auto current = store.CurrentVersion(lineage);
    if (!current || !*current) continue;
    auto written = [&]() -> util::Result<void> {
      // state.json is rewritten whole: not while a renewal of this lineage writes it too.
      MC_ASSIGN_OR_RETURN(sys::FileLock lock,
                          store.LockLineage(lineage, std::chrono::seconds(30)));
      MC_ASSIGN_OR_RETURN(store::LineageState state, store.ReadState(lineage));
      store::DeployRecord& record = state.deploys[config.name];
      record.at = now;
      record.version = (*current)->meta.number;
      record.fingerprint_sha256_hex = (*current)->meta.fingerprint_sha256_hex;
      record.status = deploy::DeployStatusName(outcome.status);
      record.error = outcome.error;
      return store.WriteState(lineage, state);
    }();
    if (!written) {
      std::fprintf(stderr, "mailcert: warning: cannot note the deploy to %s in %s's state: %s\n",
                   config.name.c_str(), lineage.c_str(), written.error().message.c_str());
    }
  }
}

}  // namespace

std::vector<deploy::DeployOutcome> DeployAll(const FileConfig& config, store::Store& store,
                                             const std::string& only_target) {
  std::vector<deploy::DeployOutcome> outcomes;
  deploy::Deployer deployer(sys::RealFs(), sys::RealProcessRunner(), sys::RealClock(),
                            [](const probe::Endpoint& endpoint,
                               net::TlsKeyRestriction restriction) {
                              probe::ProbeOptions options;
                              options.key_restriction = restriction;
                              return probe::Probe(endpoint, options);
                            });
  for (const auto& target_config : config.deploy) {
    if (!only_target.empty() && target_config.name != only_target) continue;
    deploy::DeployOutcome outcome;
    outcome.target = target_config.name;
    // One deploy per target at a time across runs (a timer's renew and an admin's deploy): the
    // second waits, since verification takes seconds, and gives up with nothing written.
    auto lock = store.LockDeployTarget(target_config.name, kDeployLockWait, [&] {
      std::fprintf(stderr, "mailcert: waiting for another mailcert run deploying to %s\n",
                   target_config.name.c_str());
    });
    if (!lock) {
      outcome.status = deploy::DeployStatus::kRefused;
      outcome.error = lock.error().message;
      Alert(config, "deploy-failed", outcome.target, outcome.error);
      outcomes.push_back(std::move(outcome));
      continue;
    }
    auto target = ResolveTarget(target_config, sys::RealProcessRunner());
    auto materials = target ? MaterialsFor(target_config, store)
                            : util::Result<std::vector<deploy::Material>>(
                                  util::Fail(target.error()));
    auto tlsa = target && !target->dane_ports.empty()
                    ? TlsaLookupFor(target_config.dns_servers)
                    : util::Result<deploy::TlsaLookup>(deploy::TlsaLookup{});
    if (!materials || !tlsa) {
      outcome.status = deploy::DeployStatus::kRefused;
      outcome.error = !materials ? materials.error().message : tlsa.error().message;
    } else {
      deployer.SetTlsaLookup(std::move(*tlsa));
      outcome = deployer.Deploy(*target, *materials);
    }
    if (!outcome.ok()) Alert(config, "deploy-failed", outcome.target, outcome.error);
    RecordDeploy(target_config, outcome, store, sys::RealClock().Now());
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

}  // namespace mailcert::cli
