// mailcert: keeps the TLS certificates of a mail server valid, deployed and verified.
#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "util/log.h"
#include "util/version.h"

namespace mailcert::cli {
namespace {

// Binds an optional string flag: unset unless given on the command line.
class OptionalBinder {
 public:
  void Add(CLI::App* app, const std::string& name, std::optional<std::string>& target,
           const std::string& help) {
    auto value = std::make_shared<std::string>();
    CLI::Option* option = app->add_option(name, *value, help);
    bindings_.push_back([option, value, &target] {
      if (option->count() > 0) target = *value;
    });
  }
  void Apply() {
    for (auto& binding : bindings_) binding();
  }

 private:
  std::vector<std::function<void()>> bindings_;
};

void AddCommon(CLI::App* app, Flags& flags, OptionalBinder& binder) {
  app->add_option("--config", flags.config_path, "TOML configuration file (flags win over it)");
  binder.Add(app, "--state-dir", flags.state_dir, "Where certificates, keys and accounts live");
  app->add_flag("--json", flags.json, "Machine-readable output on stdout");
  app->add_flag("-v,--verbose", flags.verbosity, "More detail on stderr (repeat for debug)");
}

void AddCa(CLI::App* app, Flags& flags, OptionalBinder& binder) {
  binder.Add(app, "--server", flags.server, "ACME directory URL (default: Let's Encrypt)");
  app->add_flag("--staging", flags.staging, "Use Let's Encrypt's staging CA");
  binder.Add(app, "--ca-bundle", flags.ca_bundle,
             "Extra PEM CA trusted for the ACME server's HTTPS (the system store stays trusted)");
  binder.Add(app, "--email", flags.email, "Contact address for the ACME account");
  binder.Add(app, "--eab-kid", flags.eab_kid, "External Account Binding key id");
  binder.Add(app, "--eab-hmac-key", flags.eab_hmac_key,
             "External Account Binding MAC key (base64url; also MAILCERT_EAB_HMAC_KEY)");
}

void AddObtain(CLI::App* app, Flags& flags, OptionalBinder& binder) {
  binder.Add(app, "--key-type", flags.key_type, "ec256 (default), ec384, rsa2048, rsa3072, rsa4096");
  app->add_flag("--new-key", flags.new_key, "Generate a new certificate key instead of reusing it");
  binder.Add(app, "--http-listen", flags.http_listen,
             "Answer HTTP-01 on ADDR:PORT[,ADDR:PORT] (default :80, IPv4 and IPv6)");
  binder.Add(app, "--webroot", flags.webroot,
             "Answer HTTP-01 by writing into DIR/.well-known/acme-challenge/");
  binder.Add(app, "--dns", flags.dns,
             "Answer DNS-01 through PROVIDER (rfc2136, powerdns, hook, cloudflare, dns_cf, …)");
  binder.Add(app, "--dns-credentials", flags.dns_credentials,
             "KEY=VALUE file with the DNS provider's settings and secrets (mode 0600)");
  binder.Add(app, "--preferred-chain", flags.preferred_chain,
             "Issuer common name of the chain to prefer when the CA offers several");
  app->add_option("--concurrency", flags.concurrency, "Certificates obtained at once (default 16)")
      ->check(CLI::Range(1, 1000));
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"mailcert: TLS certificates for mail servers — obtained, stored, deployed, "
               "verified"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("mailcert ") + util::kVersion);
  Flags flags;
  OptionalBinder binder;

  CLI::App* issue = app.add_subcommand("issue", "Obtain a certificate (or every one in --config)");
  issue->add_option("-d,--domain", flags.domains, "A name for the certificate (repeat)");
  binder.Add(issue, "--cert-name", flags.cert_name, "Lineage name (default: the first name)");
  issue->add_flag("--force", flags.force, "Obtain even when the current one is not due");
  AddCommon(issue, flags, binder);
  AddCa(issue, flags, binder);
  AddObtain(issue, flags, binder);

  SetupSource setup_source;
  CLI::App* renew = app.add_subcommand("renew", "Renew every certificate that is due");
  renew->add_option("--mailcow", setup_source.mailcow_dir,
                    "Plan the certificates from a mailcow-dockerized directory");
  renew->add_option("--dms", setup_source.dms_env, "Plan from docker-mailserver's mailserver.env");
  renew->add_option("--hostname", setup_source.dms_hostname, "The mail server's hostname (DMS)");
  renew->add_flag("--no-checks", flags.no_checks, "Skip the pre-flight checks of the mail plan");
  binder.Add(renew, "--cert-name", flags.cert_name, "Only this lineage");
  renew->add_flag("--force", flags.force, "Renew even when not due");
  AddCommon(renew, flags, binder);
  AddCa(renew, flags, binder);
  AddObtain(renew, flags, binder);

  CLI::App* certificates = app.add_subcommand("certificates", "List stored certificates");
  binder.Add(certificates, "--cert-name", flags.cert_name, "Only this lineage");
  AddCommon(certificates, flags, binder);

  std::string account_action;
  CLI::App* account = app.add_subcommand("account", "Manage the ACME account");
  account->add_option("action", account_action, "register | show | rollover | deactivate")
      ->required()
      ->check(CLI::IsMember({"register", "show", "rollover", "deactivate"}));
  account->add_flag("--yes", flags.yes, "Confirm an irreversible action (deactivate)");
  AddCommon(account, flags, binder);
  AddCa(account, flags, binder);

  std::string deploy_target;
  CLI::App* deploy = app.add_subcommand(
      "deploy", "Install the current certificates into every [[deploy]] target and verify them");
  deploy->add_option("--target", deploy_target, "Only the [[deploy]] with this name");
  AddCommon(deploy, flags, binder);

  CheckTarget check_target;
  CLI::App* check = app.add_subcommand(
      "check", "What every endpoint serves now (monitoring-plugins exit codes 0/1/2/3)");
  check->add_option("--host", check_target.host, "Check this host instead of [[deploy]] endpoints");
  check->add_option("--port", check_target.port, "Port (default from the protocol)");
  check->add_option("--starttls", check_target.starttls, "smtp, imap, pop3 or sieve");
  check->add_option("--name", check_target.name, "Name to send as SNI and expect in the certificate");
  check->add_option("--ca-bundle", check_target.ca_bundle, "Extra trusted roots (PEM)");
  check->add_option("--key-type", check_target.key_type,
                    "rsa or ecdsa: be a client that accepts only that certificate kind")
      ->check(CLI::IsMember({"rsa", "ecdsa"}));
  check->add_option("--dns-server", check_target.dns_servers,
                    "Resolver for HOST's addresses and its TLSA records, ADDR[:PORT] (repeat)");
  check->add_option("--warning", flags.warning_days, "WARNING below this many days left");
  check->add_option("--critical", flags.critical_days, "CRITICAL below this many days left");
  AddCommon(check, flags, binder);

  CLI::App* plan = app.add_subcommand("plan", "Show the certificates a mail setup needs");
  plan->add_option("--mailcow", setup_source.mailcow_dir,
                   "Read a mailcow-dockerized directory's mailcow.conf");
  plan->add_option("--dms", setup_source.dms_env, "Read docker-mailserver's mailserver.env");
  plan->add_flag("--no-checks", flags.no_checks, "Plan without the pre-flight checks");
  plan->add_option("--hostname", setup_source.dms_hostname,
                   "The mail server's hostname (docker-mailserver: the container's hostname)");
  AddCommon(plan, flags, binder);

  CLI::App* revoke = app.add_subcommand("revoke", "Revoke a lineage's current certificate");
  binder.Add(revoke, "--cert-name", flags.cert_name, "The lineage to revoke");
  binder.Add(revoke, "--reason", flags.reason,
             "unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation");
  AddCommon(revoke, flags, binder);
  AddCa(revoke, flags, binder);

  TlsaRequest tlsa_request;
  CLI::App* tlsa = app.add_subcommand(
      "tlsa", "DANE TLSA records to publish: each certificate's key and its next key");
  binder.Add(tlsa, "--cert-name", flags.cert_name, "Only this lineage");
  tlsa->add_option("--port", tlsa_request.port, "The port in _PORT._tcp (default 25)")
      ->check(CLI::Range(1, 65535));
  tlsa->add_option("--name", tlsa_request.names,
                   "Owner host name (repeat; default: the certificate's first name)");
  AddCommon(tlsa, flags, binder);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    // A monitoring system reads check's exit code: a usage error is UNKNOWN (3), not WARNING.
    if (code != 0 && argc > 1 && std::string(argv[1]) == "check") return 3;
    return code == 0 ? 0 : kExitError;
  }
  binder.Apply();
  if (!flags.eab_hmac_key) {
    // The MAC key is a secret: an environment variable keeps it out of `ps` output.
    if (const char* key = std::getenv("MAILCERT_EAB_HMAC_KEY"); key && *key) {
      flags.eab_hmac_key = key;
    }
  }
  util::SetLogLevel(flags.verbosity >= 2   ? util::LogLevel::kDebug
                    : flags.verbosity == 1 ? util::LogLevel::kInfo
                                           : util::LogLevel::kWarning);

  if (issue->parsed()) return RunIssue(flags);
  if (renew->parsed()) return RunRenew(flags, setup_source);
  if (certificates->parsed()) return RunCertificates(flags);
  if (account->parsed()) return RunAccount(account_action, flags);
  if (revoke->parsed()) return RunRevoke(flags);
  if (plan->parsed()) return RunPlan(flags, setup_source);
  if (deploy->parsed()) return RunDeploy(flags, deploy_target);
  if (check->parsed()) return RunCheck(flags, check_target);
  if (tlsa->parsed()) return RunTlsa(flags, tlsa_request);
  return kExitError;
}

}  // namespace mailcert::cli

int main(int argc, char** argv) { return mailcert::cli::Main(argc, argv); }
