#include "plan/mailcow.h"

#include <set>

#include "util/strings.h"

namespace mailcert::plan {
namespace {

constexpr const char* kLetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory";
constexpr const char* kLetsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory";

// Every key mailcert reads; the rest of mailcow.conf (ports, database, timezone…) is listed as
// ignored so nothing is dropped without a word.
const std::set<std::string>& KnownKeys() {
  static const std::set<std::string> keys = {
      "MAILCOW_HOSTNAME", "ADDITIONAL_SAN",        "AUTODISCOVER_SAN",   "ONLY_MAILCOW_HOSTNAME",
      "ENABLE_SSL_SNI",   "SKIP_LETS_ENCRYPT",     "SKIP_IP_CHECK",      "SKIP_HTTP_VERIFICATION",
      "SNAT_TO_SOURCE",   "SNAT6_TO_SOURCE",       "LE_STAGING",         "DIRECTORY_URL",
      "ACME_DNS_CHALLENGE", "ACME_DNS_PROVIDER",   "ACME_ACCOUNT_EMAIL", "ACME_DNS_CONFIG_FILE"};
  return keys;
}

}  // namespace

bool MailcowTrue(const std::string& value) {
  if (value.empty()) return false;
  size_t i = 0;
  while (i < value.size()) {
    if (value.size() - i >= 3 && util::EqualsIgnoreCase(value.substr(i, 3), "yes")) {
      i += 3;
    } else if (value[i] == 'y' || value[i] == 'Y') {
      i += 1;
    } else {
      return false;
    }
  }
  return true;
}

MailcowSettings ReadMailcow(const util::EnvFile& conf) {
  MailcowSettings settings;
  settings.warnings = conf.warnings;
  for (const auto& [key, entry] : conf.entries) {
    if (!KnownKeys().count(key)) {
      settings.ignored.push_back(conf.path + ":" + std::to_string(entry.line) + ": " + key);
    }
  }
  MailSetup& setup = settings.setup;
  setup.hostname = util::ToLower(conf.Get("MAILCOW_HOSTNAME"));
  if (setup.hostname.empty()) {
    settings.warnings.push_back(conf.path + ": MAILCOW_HOSTNAME is not set; mailcow needs it");
  }
  // AUTODISCOVER_SAN defaults to y; mta-sts is added per domain only where MTA-STS is active.
  const bool autodiscover = !conf.Has("AUTODISCOVER_SAN") || MailcowTrue(conf.Get("AUTODISCOVER_SAN"));
  if (!autodiscover) setup.labels.clear();
  for (const auto& item : util::Split(conf.Get("ADDITIONAL_SAN"), ',')) {
    std::string name(util::Trim(item));
    if (name.empty()) continue;
    if (name.find(' ') != std::string::npos) {
      settings.warnings.push_back(conf.Where("ADDITIONAL_SAN") + ": " + util::Quote(name) +
                                  " contains a space; mailcow expects a comma list without "
                                  "spaces");
      continue;
    }
    setup.additional_names.push_back(util::ToLower(name));
  }
  setup.only_hostname = MailcowTrue(conf.Get("ONLY_MAILCOW_HOSTNAME"));
  setup.sni = MailcowTrue(conf.Get("ENABLE_SSL_SNI"));
  // mailcow's own key is RSA 4096 and never rotated (PR #2509); a new mailcert key changes any
  // DANE TLSA record, so say so rather than let it surprise other servers' queues.
  settings.warnings.push_back(conf.path + ": mailcow's certificate key (data/assets/ssl/key.pem, "
                              "RSA 4096) is not reused; if you publish TLSA records, update them "
                              "after the first mailcert certificate is deployed");
  settings.acme_disabled = MailcowTrue(conf.Get("SKIP_LETS_ENCRYPT"));
  settings.skip_ip_check = MailcowTrue(conf.Get("SKIP_IP_CHECK"));
  settings.skip_http_check = MailcowTrue(conf.Get("SKIP_HTTP_VERIFICATION"));
  // "if set to anything else than n, the compare is bypassed" (mailcow acme.sh).
  settings.ipv4_snat = conf.Has("SNAT_TO_SOURCE") && conf.Get("SNAT_TO_SOURCE") != "n" &&
                       !conf.Get("SNAT_TO_SOURCE").empty();
  settings.ipv6_snat = conf.Has("SNAT6_TO_SOURCE") && conf.Get("SNAT6_TO_SOURCE") != "n" &&
                       !conf.Get("SNAT6_TO_SOURCE").empty();
  if (MailcowTrue(conf.Get("LE_STAGING"))) {
    settings.directory_url = kLetsEncryptStaging;
    if (!conf.Get("DIRECTORY_URL").empty()) {
      settings.warnings.push_back(conf.Where("DIRECTORY_URL") +
                                  ": ignored because LE_STAGING is on (as in mailcow)");
    }
  } else {
    settings.directory_url = conf.Get("DIRECTORY_URL", "");
    if (settings.directory_url.empty()) settings.directory_url = kLetsEncrypt;
  }
  if (MailcowTrue(conf.Get("ACME_DNS_CHALLENGE"))) {
    setup.challenge = "dns-01";
    settings.dns_provider = conf.Get("ACME_DNS_PROVIDER");
    if (settings.dns_provider.empty() || settings.dns_provider == "dns_xxx") {
      settings.warnings.push_back(conf.Where("ACME_DNS_PROVIDER") +
                                  ": ACME_DNS_CHALLENGE is on but no DNS provider is set");
      settings.dns_provider.clear();  // the template's placeholder names none
    }
  }
  settings.account_email = conf.Get("ACME_ACCOUNT_EMAIL");
  if (settings.account_email == "me@example.com") settings.account_email.clear();  // template
  return settings;
}

}  // namespace mailcert::plan
