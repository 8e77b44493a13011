#include "challenge/dns_provider_factory.h"

#include "challenge/hook_provider.h"
#include "challenge/powerdns_provider.h"
#include "challenge/rfc2136_provider.h"

namespace mailcert::challenge {

DnsProviderResult MakeCoreDnsProvider(const std::string& name, const ProviderSettings& settings,
                                      const ProviderDeps& deps) {
  const std::optional<std::string> core = CoreProviderName(name);
  if (!core) {
    return util::Fail(util::ErrorCode::kNotFound,
                      "unknown DNS provider " + name + "; use rfc2136, powerdns or hook");
  }
  if (*core == "rfc2136") return Rfc2136Provider::Make(settings, deps);
  if (*core == "powerdns") return PowerDnsProvider::Make(settings, deps);
  return HookProvider::Make(settings, deps);
}

}  // namespace mailcert::challenge
