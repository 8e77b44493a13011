#include "plan/dms.h"

#include <algorithm>

#include "util/strings.h"

namespace mailcert::plan {

DmsSettings ReadDms(const util::EnvFile& env, const std::string& system_hostname) {
  DmsSettings settings;
  settings.warnings = env.warnings;
  settings.ssl_type = env.Get("SSL_TYPE");
  // HOSTNAME: OVERRIDE_HOSTNAME, else the container's `hostname -f`.
  std::string hostname = util::ToLower(env.Get("OVERRIDE_HOSTNAME"));
  if (hostname.empty()) hostname = util::ToLower(system_hostname);
  // DOMAINNAME: the host name minus its first label when it has more than two labels.
  std::string domainname;
  if (std::count(hostname.begin(), hostname.end(), '.') >= 2) {
    domainname = hostname.substr(hostname.find('.') + 1);
  }
  std::string ssl_domain = util::ToLower(env.Get("SSL_DOMAIN"));
  const bool wildcard = ssl_domain.rfind("*.", 0) == 0;
  if (wildcard) ssl_domain = ssl_domain.substr(2);

  MailSetup& setup = settings.setup;
  setup.hostname = hostname;
  setup.labels.clear();  // DMS serves one certificate for the host, no per-domain names
  if (wildcard) {
    // SSL_DOMAIN=*.example.org: DMS expects live/example.org holding a wildcard certificate.
    setup.additional_names = {"*." + ssl_domain};
    setup.challenge = "dns-01";
  } else if (!ssl_domain.empty() && ssl_domain != hostname) {
    setup.additional_names = {ssl_domain};
  }
  // DMS's FQDN search order for live/<name>/: SSL_DOMAIN, HOSTNAME, DOMAINNAME.
  settings.live_name = !ssl_domain.empty() ? ssl_domain : hostname;
  if (settings.live_name.empty()) settings.live_name = domainname;

  if (hostname.empty()) {
    settings.warnings.push_back(env.path + ": no host name: set OVERRIDE_HOSTNAME or give the "
                                "container's hostname (DMS panics with \"Cannot find a valid "
                                "DOMAIN\" otherwise)");
  }
  if (settings.ssl_type.empty()) {
    settings.warnings.push_back(env.Where("SSL_TYPE") + ": SSL_TYPE is empty, so docker-mailserver "
                                "runs without TLS; set SSL_TYPE=letsencrypt or manual to use "
                                "mailcert's certificate");
  } else if (settings.ssl_type == "manual") {
    // manual mode takes a second key type as SSL_ALT_*: ECDSA first, RSA as the fallback.
    setup.key_types = {"ec256", "rsa2048"};
  } else if (settings.ssl_type != "letsencrypt") {
    settings.warnings.push_back(env.Where("SSL_TYPE") + ": SSL_TYPE=" + settings.ssl_type +
                                " reads files mailcert does not write; use letsencrypt or manual");
  }
  return settings;
}

}  // namespace mailcert::plan
