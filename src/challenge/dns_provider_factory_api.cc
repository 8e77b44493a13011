// MakeDnsProvider: the providers built here, else the HTTP-API providers (api_providers.h).
#include "challenge/api_providers.h"
#include "challenge/dns_provider_factory.h"

namespace mailcert::challenge {

DnsProviderResult MakeDnsProvider(const std::string& name, const ProviderSettings& settings,
                                  const ProviderDeps& deps) {
  if (CoreProviderName(name)) return MakeCoreDnsProvider(name, settings, deps);
  if (deps.http == nullptr) {
    return util::Fail(util::ErrorCode::kInternal, "DNS provider " + name + ": no HTTP client");
  }
  auto made = MakeApiProvider(name, settings, *deps.http);
  if (!made && made.error().code == util::ErrorCode::kNotFound) {
    return util::Fail(util::ErrorCode::kNotFound,
                      made.error().message + "; or rfc2136, powerdns, hook");
  }
  return made;
}

}  // namespace mailcert::challenge
