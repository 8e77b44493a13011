#pragma once
// DNS providers reached over a vendor HTTP API (issue #5): the ones mailcow documents, with the
// same credential variable names as its data/conf/acme/dns-01.conf (acme.sh's dnsapi names), so
// ACME_DNS_PROVIDER=dns_cf with an existing dns-01.conf works unchanged.

#include <memory>
#include <string>
#include <vector>

#include "challenge/dns_provider.h"
#include "net/http_client.h"
#include "util/result.h"

namespace mailcert::challenge {

// Provider names accepted by MakeApiProvider: mailcert's own ("cloudflare") and acme.sh's
// ("dns_cf"), for every provider listed in the README.
std::vector<std::string> ApiProviderNames();

// Builds the provider `name` from `settings` (credential variables; a "<NAME>_BASE_URL" style
// override for tests is documented per provider). `http` outlives the provider.
// Errors: kNotFound (unknown provider name, listing the known ones), kInvalidInput naming the
// missing variable (never its value).
DnsProviderResult MakeApiProvider(const std::string& name, const ProviderSettings& settings,
                                  net::HttpClient& http);

}  // namespace mailcert::challenge
