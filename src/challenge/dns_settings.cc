#include "challenge/dns_settings.h"

#include <algorithm>
#include <charconv>

#include "util/env_file.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

struct CoreProvider {
  const char* name;
  std::vector<const char*> aliases;   // acme.sh dnsapi and lego names
  std::vector<const char*> settings;  // every setting name, aliases included
};

const std::vector<CoreProvider>& CoreProviders() {
  static const std::vector<CoreProvider> providers = {
      {"rfc2136",
       {"dns_nsupdate", "nsupdate"},
       {"server", "port", "key_file", "key_name", "key_algorithm", "key_secret", "ttl",
        "NSUPDATE_SERVER", "NSUPDATE_SERVER_PORT", "NSUPDATE_KEY", "NSUPDATE_ZONE",
        "RFC2136_NAMESERVER", "RFC2136_TSIG_KEY", "RFC2136_TSIG_ALGORITHM",
        "RFC2136_TSIG_SECRET"}},
      {"powerdns",
       {"dns_pdns", "pdns"},
       {"api_url", "api_key", "server_id", "ttl", "PDNS_Url", "PDNS_API_URL", "PDNS_Token",
        "PDNS_API_KEY", "PDNS_ServerId", "PDNS_SERVER_NAME", "PDNS_Ttl"}},
      {"hook", {"exec"}, {"program", "timeout", "EXEC_PATH", "EXEC_TIMEOUT", "EXEC_MODE"}},
  };
  return providers;
}

const CoreProvider* FindCore(const std::string& name) {
  for (const CoreProvider& provider : CoreProviders()) {
    if (name == provider.name) return &provider;
    for (const char* alias : provider.aliases) {
      if (name == alias) return &provider;
    }
  }
  return nullptr;
}

// "dns-01.conf:7: not KEY=VALUE, ignored: "…"" → "dns-01.conf:7: not KEY=VALUE, ignored": a
// malformed line of a credentials file may hold a secret, so its text is never repeated.
std::string WithoutContent(const std::string& warning, const std::string& path) {
  size_t line_end = warning.find(':', path.size() + 1);
  std::string where = line_end == std::string::npos ? path : warning.substr(0, line_end);
  return where + ": not a KEY=VALUE line, ignored";
}

}  // namespace

std::optional<std::string> FindSetting(const ProviderSettings& settings,
                                       std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto found = settings.find(name);
    if (found == settings.end()) continue;
    std::string value(util::Trim(found->second));
    if (!value.empty()) return value;
  }
  return std::nullopt;
}

util::Result<uint32_t> NumberSetting(const ProviderSettings& settings,
                                     std::initializer_list<const char*> names, uint32_t fallback,
                                     uint32_t min, uint32_t max, const std::string& provider) {
  auto text = FindSetting(settings, names);
  if (!text) return fallback;
  uint32_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < min || value > max) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      provider + ": " + *names.begin() + " must be a number from " +
                          std::to_string(min) + " to " + std::to_string(max) + ", not " +
                          util::Quote(*text));
  }
  return value;
}

std::optional<std::string> CoreProviderName(const std::string& name) {
  const CoreProvider* provider = FindCore(name);
  if (provider == nullptr) return std::nullopt;
  return std::string(provider->name);
}

std::vector<std::string> CoreProviderSettings(const std::string& name) {
  const CoreProvider* provider = FindCore(name);
  if (provider == nullptr) return {};
  return std::vector<std::string>(provider->settings.begin(), provider->settings.end());
}

bool IsSecretSetting(const std::string& key) {
  // Ours (key_secret, api_key), lego's and acme.sh's (RFC2136_TSIG_SECRET, PDNS_Token, CF_Token,
  // CF_Key, AWS_SECRET_ACCESS_KEY, SERVERCOW_API_Password, DO_API_KEY, …).
  const std::string lower = util::ToLower(key);
  if (lower == "nsupdate_key") return false;  // a key file's path
  for (const char* word : {"token", "secret", "pass", "apikey", "api_key"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return lower.size() > 4 && lower.compare(lower.size() - 4, 4, "_key") == 0;
}

util::Result<ProviderSettings> ReadCredentialsFile(sys::Fs& fs, const std::string& path,
                                                   std::vector<std::string>& warnings) {
  MC_ASSIGN_OR_RETURN(sys::FileStat stat, fs.Stat(path));
  if ((stat.mode & 077) != 0) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "credentials file " + path + " may be read by " +
                          ((stat.mode & 070) != 0 ? "its group" : "other users") +
                          " but holds secrets; restrict it with `chmod 600 " + path + "`");
  }
  MC_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  util::EnvFile file = util::ParseEnvFile(text, path);
  for (const std::string& warning : file.warnings) warnings.push_back(WithoutContent(warning, path));
  ProviderSettings settings;
  for (const auto& [key, entry] : file.entries) settings[key] = entry.value;
  return settings;
}

}  // namespace mailcert::challenge
