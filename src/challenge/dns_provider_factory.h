#pragma once
// Builds the DNS provider a [[dns]] table (or --dns, or mailcow's ACME_DNS_PROVIDER) names:
// rfc2136, powerdns and hook here; every other name goes to MakeApiProvider (api_providers.h).
// Each provider accepts mailcert's own setting names and the ones of the clients people migrate
// from (acme.sh's dnsapi names as mailcow's dns-01.conf has them, lego's), so an existing
// credentials file works unchanged.

#include <memory>
#include <string>

#include "challenge/dns_provider.h"
#include "challenge/dns_settings.h"
#include "dns/resolver.h"
#include "net/http_client.h"
#include "sys/fs.h"
#include "sys/process.h"
#include "util/result.h"

namespace mailcert::challenge {

// What providers may use. All outlive the provider; the resolver is the route's (rfc2136 finds
// a zone's primary server with it).
struct ProviderDeps {
  net::HttpClient* http = nullptr;
  sys::ProcessRunner* runner = nullptr;
  sys::Fs* fs = nullptr;
  dns::Resolver* resolver = nullptr;
};

// Builds provider `name` ("rfc2136", "dns_nsupdate", "powerdns", "dns_pdns", "hook", "exec", or
// any name MakeApiProvider knows) from `settings`.
// Errors: kInvalidInput naming the missing or malformed setting (never a secret's value);
// kNotFound for an unknown provider name, listing the known ones; errors reading a key file.
DnsProviderResult MakeDnsProvider(const std::string& name, const ProviderSettings& settings,
                                  const ProviderDeps& deps);

// The same for rfc2136, powerdns and hook only (kNotFound for any other name). Defined apart
// from MakeDnsProvider so a program may use these without linking the HTTP-API providers.
DnsProviderResult MakeCoreDnsProvider(const std::string& name, const ProviderSettings& settings,
                                      const ProviderDeps& deps);

// What the dns-01 solver builds its providers with (MakeDnsProvider, or MakeCoreDnsProvider).
using DnsProviderFactory = DnsProviderResult (*)(const std::string& name,
                                                 const ProviderSettings& settings,
                                                 const ProviderDeps& deps);

}  // namespace mailcert::challenge
