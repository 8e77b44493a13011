// The table of HTTP-API DNS providers: mailcert's name, acme.sh's dnsapi name (what mailcow's
// ACME_DNS_PROVIDER holds) and the factory. Each provider lives in providers/<name>.cc.

#include "challenge/api_providers.h"

#include <algorithm>

#include "challenge/providers/providers.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

using Factory = ApiProviderFactory*;

struct Entry {
  const char* name;                  // mailcert's
  std::vector<const char*> aliases;  // acme.sh's dnsapi names
  Factory make;
};

const std::vector<Entry>& Table() {
  static const std::vector<Entry> kTable = {
      {"servercow", {"dns_servercow"}, MakeServercowProvider},
      {"cloudflare", {"dns_cf"}, MakeCloudflareProvider},
      {"route53", {"dns_aws"}, MakeRoute53Provider},
      {"azure", {"dns_azure"}, MakeAzureProvider},
      {"gcloud", {"dns_gcloud"}, MakeGcloudProvider},
      {"digitalocean", {"dns_dgon"}, MakeDigitalOceanProvider},
      {"hetzner", {"dns_hetzner"}, MakeHetznerProvider},  // the DNS Console (dns.hetzner.com)
      {"hetznercloud", {"dns_hetznercloud"}, MakeHetznerCloudProvider},
      {"ovh", {"dns_ovh"}, MakeOvhProvider},
      {"namecheap", {"dns_namecheap"}, MakeNamecheapProvider},
      {"godaddy", {"dns_gd"}, MakeGoDaddyProvider},
      // mailcow's page names dns_linode; acme.sh's dns_linode spoke Linode's retired v3 API, so
      // both names reach the v4 API (and its LINODE_V4_API_KEY).
      {"linode", {"dns_linode_v4", "dns_linode"}, MakeLinodeProvider},
      {"dnsimple", {"dns_dnsimple"}, MakeDnsimpleProvider},
      {"ionos", {"dns_ionos"}, MakeIonosProvider},
  };
  return kTable;
}

}  // namespace

std::vector<std::string> ApiProviderNames() {
  std::vector<std::string> names;
  for (const Entry& entry : Table()) {
    names.emplace_back(entry.name);
    for (const char* alias : entry.aliases) names.emplace_back(alias);
  }
  return names;
}

DnsProviderResult MakeApiProvider(const std::string& name, const ProviderSettings& settings,
                                  net::HttpClient& http) {
  std::string wanted = util::ToLower(util::Trim(name));
  for (const Entry& entry : Table()) {
    bool match = wanted == entry.name;
    for (const char* alias : entry.aliases) match = match || wanted == alias;
    if (match) return entry.make(settings, http);
  }
  std::vector<std::string> known;
  for (const Entry& entry : Table()) known.emplace_back(entry.name);
  return util::Fail(util::ErrorCode::kNotFound,
                    "unknown DNS provider " + util::Quote(name) + "; the HTTP-API providers are " +
                        util::Join(known, ", ") +
                        " (or their acme.sh names such as dns_cf, dns_aws)");
}

}  // namespace mailcert::challenge
