#include "cli/settings.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <set>

#include "store/store.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

util::Error Invalid(const std::string& message) {
  return util::Error{util::ErrorCode::kInvalidInput, message, {}};
}

template <typename T>
T Pick(const std::optional<T>& flag, const std::optional<T>& file, T fallback) {
  if (flag) return *flag;
  if (file) return *file;
  return fallback;
}

util::Result<crypto::KeyType> KeyTypeFrom(const std::string& name, const std::string& source) {
  auto type = crypto::ParseKeyType(name);
  if (!type) {
    return util::Fail(Invalid(source + ": unknown key type " + util::Quote(name) +
                              " (use ec256, ec384, rsa2048, rsa3072 or rsa4096)"));
  }
  return *type;
}

std::string LineageFromNames(const std::vector<std::string>& names) {
  std::string first = names.front();
  if (first.rfind("*.", 0) == 0) first = first.substr(2);
  return first;
}

util::Result<std::vector<std::string>> NormalizeNames(const std::vector<std::string>& names,
                                                      const std::string& source) {
  std::vector<std::string> normalized;
  std::set<std::string> seen;
  for (const auto& name : names) {
    // certbot accepts "-d a,b"; so do we.
    for (const auto& part : util::Split(name, ',')) {
      if (util::Trim(part).empty()) continue;
      MC_ASSIGN_OR_RETURN(std::string clean, NormalizeName(std::string(util::Trim(part)), source));
      if (seen.insert(clean).second) normalized.push_back(clean);
    }
  }
  if (normalized.empty()) return util::Fail(Invalid(source + ": no domain names given"));
  if (normalized.size() > 100) {
    return util::Fail(Invalid(source + ": " + std::to_string(normalized.size()) +
                              " names, but CAs allow at most 100 per certificate"));
  }
  return normalized;
}

util::Result<void> CheckChallenge(LineageSpec& spec, const std::string& source) {
  if (spec.challenge == "dns-01") {
    spec.webroot.clear();
    spec.http_listen.clear();
    return {};  // wildcards are fine (RFC 8555 §7.1.3 allows them with DNS-01 only)
  }
  if (!spec.webroot.empty() && spec.webroot.front() != '/') {
    return util::Fail(Invalid(source + ": webroot " + util::Quote(spec.webroot) +
                              " must be an absolute path"));
  }
  if (spec.webroot.empty() && spec.http_listen.empty()) spec.http_listen = ":80";
  for (const auto& name : spec.names) {
    if (name.rfind("*.", 0) == 0) {
      return util::Fail(Invalid(source + ": " + name +
                                " is a wildcard, which CAs validate only with DNS-01: give "
                                "--dns PROVIDER, or a [[dns]] table and challenge = \"dns-01\""));
    }
  }
  return {};
}

// The challenge a lineage uses when no flag says: its own `challenge`, else http-01 when it names
// a webroot or listener, else the file's `challenge`, else http-01 when the file names a webroot
// or listener, else dns-01 when the file has [[dns]] tables.
std::string ConfiguredChallenge(const FileConfig& file, const CertificateConfig* certificate) {
  if (certificate != nullptr) {
    if (certificate->challenge) return *certificate->challenge;
    if (certificate->webroot || certificate->http_listen) return "http-01";
  }
  if (file.challenge) return *file.challenge;
  if (file.webroot || file.http_listen) return "http-01";
  return file.dns.empty() ? "http-01" : "dns-01";
}

// --dns, --http-listen and --webroot choose the challenge; more than one is a contradiction.
util::Result<std::optional<std::string>> FlagChallenge(const Flags& flags) {
  if (flags.dns && (flags.webroot || flags.http_listen)) {
    return util::Fail(Invalid("--dns answers DNS-01, --http-listen and --webroot HTTP-01; give "
                              "one way"));
  }
  if (flags.dns_credentials && !flags.dns) {
    return util::Fail(Invalid("--dns-credentials needs --dns PROVIDER"));
  }
  if (flags.dns) return std::optional<std::string>("dns-01");
  if (flags.webroot || flags.http_listen) return std::optional<std::string>("http-01");
  return std::optional<std::string>();
}

void ApplyDnsFlags(const Flags& flags, LineageSpec& spec) {
  if (flags.dns) {
    spec.dns_provider = *flags.dns;
    spec.dns_credentials = flags.dns_credentials.value_or("");
  }
}

}  // namespace

store::IssueRequest LineageSpec::ToRecord() const {
  store::IssueRequest record;
  record.names = names;
  record.key_type = std::string(crypto::KeyTypeName(key_type));
  record.server = server;
  record.ca_bundle = ca_bundle;
  record.http_listen = webroot.empty() ? http_listen : "";
  record.webroot = webroot;
  record.preferred_chain = preferred_chain;
  record.from_mail_plan = from_mail_plan;
  record.profile = profile;
  if (challenge == "dns-01") {
    record.challenge = challenge;
    record.dns_provider = dns_provider;
    record.dns_credentials = dns_credentials;
  }
  return record;
}

std::string DefaultStateDir() {
  if (::geteuid() == 0) return "/var/lib/mailcert";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/mailcert";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.local/state/mailcert";
  }
  return "/var/lib/mailcert";
}

util::Result<std::string> NormalizeName(const std::string& raw, const std::string& source) {
  std::string name = util::ToLower(raw);
  if (!name.empty() && name.back() == '.') name.pop_back();  // FQDN trailing dot
  unsigned char buffer[16];
  if (inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
      inet_pton(AF_INET6, name.c_str(), buffer) == 1) {
    return name;
  }
  auto bad = [&](const std::string& why) {
    return util::Fail(Invalid(source + ": " + util::Quote(raw) + " is not a domain name: " + why));
  };
  if (name.empty()) return bad("it is empty");
  if (name.size() > 253) return bad("longer than 253 characters");
  std::vector<std::string> labels = util::Split(name, '.');
  if (labels.size() < 2) return bad("it needs at least two labels (mail.example.org)");
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i];
    if (label == "*" && i == 0) continue;
    if (label.empty()) return bad("it has an empty label");
    if (label.size() > 63) return bad("a label is longer than 63 characters");
    if (label.front() == '-' || label.back() == '-') return bad("a label starts or ends with '-'");
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return bad(c == '*' ? "'*' is only allowed as the whole first label"
                            : "it contains " + util::Quote(std::string(1, c)));
      }
    }
  }
  return name;
}

util::Result<Settings> ResolveSettings(const Flags& flags) {
  Settings settings;
  if (!flags.config_path.empty()) {
    MC_ASSIGN_OR_RETURN(settings.file, LoadConfigFile(flags.config_path));
  }
  const FileConfig empty;
  const FileConfig& file = settings.file ? *settings.file : empty;
  settings.state_dir = Pick(flags.state_dir, file.state_dir, DefaultStateDir());
  if (settings.state_dir.empty()) return util::Fail(Invalid("--state-dir must not be empty"));
  if (flags.staging && flags.server) {
    return util::Fail(Invalid("--staging and --server name two different CAs; give one"));
  }
  settings.server = flags.staging ? kLetsEncryptStaging : Pick(flags.server, file.server,
                                                               std::string());
  if (settings.server.empty() && file.staging.value_or(false)) {
    settings.server = kLetsEncryptStaging;
  }
  if (!settings.server.empty() && settings.server.rfind("https://", 0) != 0) {
    return util::Fail(Invalid("server " + util::Quote(settings.server) +
                              " must be an https:// ACME directory URL (RFC 8555 §6.1)"));
  }
  settings.ca_bundle = Pick(flags.ca_bundle, file.ca_bundle, std::string());
  settings.email = Pick(flags.email, file.email, std::string());
  if (!settings.email.empty() && (settings.email.find('@') == std::string::npos ||
                                  settings.email.find_first_of(" ,;<>\"") != std::string::npos)) {
    return util::Fail(Invalid("--email " + util::Quote(settings.email) +
                              " is not a plain e-mail address"));
  }
  settings.eab_kid = Pick(flags.eab_kid, file.eab_kid, std::string());
  settings.eab_hmac_key = Pick(flags.eab_hmac_key, file.eab_hmac_key, std::string());
  if (settings.eab_hmac_key.empty() && file.eab_hmac_key_file) {
    auto key = sys::RealFs().ReadFile(*file.eab_hmac_key_file);
    if (!key) {
      return util::Fail(Invalid(file.path + ": eab_hmac_key_file: " + key.error().message));
    }
    settings.eab_hmac_key = std::string(util::Trim(*key));
  }
  if (settings.eab_kid.empty() != settings.eab_hmac_key.empty()) {
    return util::Fail(Invalid("External Account Binding needs both --eab-kid and --eab-hmac-key"));
  }
  settings.concurrency = Pick(flags.concurrency, file.concurrency, 16);
  if (settings.concurrency < 1 || settings.concurrency > 1000) {
    return util::Fail(Invalid("--concurrency must be from 1 to 1000"));
  }
  return settings;
}

util::Result<std::vector<LineageSpec>> SpecsToIssue(const Flags& flags, const Settings& settings) {
  const FileConfig empty;
  const FileConfig& file = settings.file ? *settings.file : empty;
  std::vector<LineageSpec> specs;
  auto base = [&](LineageSpec& spec) -> util::Result<void> {
    spec.server = settings.server.empty() ? kLetsEncryptProduction : settings.server;
    spec.ca_bundle = settings.ca_bundle;
    return {};
  };
  if (!flags.domains.empty()) {
    LineageSpec spec;
    MC_RETURN_IF_ERROR(base(spec));
    MC_ASSIGN_OR_RETURN(spec.names, NormalizeNames(flags.domains, "-d"));
    spec.lineage = flags.cert_name.value_or(LineageFromNames(spec.names));
    MC_RETURN_IF_ERROR(store::Store::ValidateLineageName(spec.lineage));
    MC_ASSIGN_OR_RETURN(spec.key_type,
                        KeyTypeFrom(Pick(flags.key_type, file.key_type, std::string("ec256")),
                                    "--key-type"));
    spec.preferred_chain = Pick(flags.preferred_chain, file.preferred_chain, std::string());
    spec.webroot = Pick(flags.webroot, file.webroot, std::string());
    spec.http_listen = Pick(flags.http_listen, file.http_listen, std::string());
    if (flags.webroot && flags.http_listen) {
      return util::Fail(Invalid("--http-listen and --webroot are two ways to answer HTTP-01; "
                                "give one"));
    }
    if (flags.webroot) spec.http_listen.clear();
    if (flags.http_listen) spec.webroot.clear();
    MC_ASSIGN_OR_RETURN(auto flag_challenge, FlagChallenge(flags));
    spec.challenge = flag_challenge.value_or(ConfiguredChallenge(file, nullptr));
    ApplyDnsFlags(flags, spec);
    MC_RETURN_IF_ERROR(CheckChallenge(spec, "-d"));
    specs.push_back(std::move(spec));
    return specs;
  }
  if (file.certificates.empty()) {
    return util::Fail(Invalid(
        "nothing to issue: give names with -d NAME, or [[certificate]] tables in --config"));
  }
  std::set<std::string> lineages;
  for (const CertificateConfig& certificate : file.certificates) {
    LineageSpec spec;
    MC_RETURN_IF_ERROR(base(spec));
    MC_ASSIGN_OR_RETURN(spec.names, NormalizeNames(certificate.domains, certificate.origin));
    spec.lineage = certificate.name.empty() ? LineageFromNames(spec.names) : certificate.name;
    if (auto valid = store::Store::ValidateLineageName(spec.lineage); !valid) {
      return util::Fail(valid.error().WithContext(certificate.origin));
    }
    if (!lineages.insert(spec.lineage).second) {
      return util::Fail(Invalid(certificate.origin + ": a second certificate named " +
                                util::Quote(spec.lineage) + "; give each a unique name"));
    }
    if (flags.cert_name && *flags.cert_name != spec.lineage) continue;
    std::optional<std::string> key_type = flags.key_type ? flags.key_type : certificate.key_type;
    MC_ASSIGN_OR_RETURN(spec.key_type, KeyTypeFrom(key_type ? *key_type
                                                            : file.key_type.value_or("ec256"),
                                                   certificate.origin));
    spec.preferred_chain = flags.preferred_chain.value_or(
        certificate.preferred_chain.value_or(file.preferred_chain.value_or("")));
    if (flags.webroot || flags.http_listen) {
      spec.webroot = flags.webroot.value_or("");
      spec.http_listen = flags.http_listen.value_or("");
    } else if (certificate.webroot || certificate.http_listen) {
      spec.webroot = certificate.webroot.value_or("");
      spec.http_listen = certificate.http_listen.value_or("");
    } else {
      spec.webroot = file.webroot.value_or("");
      spec.http_listen = file.http_listen.value_or("");
    }
    MC_ASSIGN_OR_RETURN(auto flag_challenge, FlagChallenge(flags));
    spec.challenge = flag_challenge.value_or(ConfiguredChallenge(file, &certificate));
    ApplyDnsFlags(flags, spec);
    MC_RETURN_IF_ERROR(CheckChallenge(spec, certificate.origin));
    specs.push_back(std::move(spec));
  }
  if (specs.empty()) {
    return util::Fail(Invalid("no certificate named " + util::Quote(*flags.cert_name) + " in " +
                              file.path));
  }
  return specs;
}

util::Result<LineageSpec> SpecToRenew(const std::string& lineage,
                                      const store::IssueRequest& recorded, const Flags& flags,
                                      const Settings& settings) {
  if (settings.file) {
    for (const CertificateConfig& certificate : settings.file->certificates) {
      std::string name = certificate.name;
      if (name.empty() && !certificate.domains.empty()) {
        auto names = NormalizeNames(certificate.domains, certificate.origin);
        if (names) name = LineageFromNames(*names);
      }
      if (name != lineage) continue;
      Flags narrowed = flags;
      narrowed.domains.clear();
      narrowed.cert_name = lineage;
      MC_ASSIGN_OR_RETURN(auto specs, SpecsToIssue(narrowed, settings));
      return specs.front();
    }
  }
  if (recorded.names.empty()) {
    return util::Fail(Invalid("certificate " + lineage +
                              " has no recorded request (state.json) and no [[certificate]] in "
                              "the config; issue it again with `mailcert issue`"));
  }
  LineageSpec spec;
  spec.lineage = lineage;
  spec.names = recorded.names;
  MC_ASSIGN_OR_RETURN(spec.key_type,
                      KeyTypeFrom(flags.key_type.value_or(recorded.key_type), "--key-type"));
  spec.server = !settings.server.empty() ? settings.server
                : !recorded.server.empty() ? recorded.server
                                           : kLetsEncryptProduction;
  spec.ca_bundle = flags.ca_bundle.value_or(recorded.ca_bundle);
  if (spec.ca_bundle.empty()) spec.ca_bundle = settings.ca_bundle;
  spec.preferred_chain = flags.preferred_chain.value_or(recorded.preferred_chain);
  spec.profile = recorded.profile;
  if (flags.webroot || flags.http_listen) {
    spec.webroot = flags.webroot.value_or("");
    spec.http_listen = flags.http_listen.value_or("");
  } else {
    spec.webroot = recorded.webroot;
    spec.http_listen = recorded.http_listen;
  }
  MC_ASSIGN_OR_RETURN(auto flag_challenge, FlagChallenge(flags));
  spec.challenge = flag_challenge.value_or(recorded.challenge.empty() ? "http-01"
                                                                      : recorded.challenge);
  spec.dns_provider = recorded.dns_provider;
  spec.dns_credentials = recorded.dns_credentials;
  ApplyDnsFlags(flags, spec);
  MC_RETURN_IF_ERROR(CheckChallenge(spec, "certificate " + lineage));
  return spec;
}

}  // namespace mailcert::cli
