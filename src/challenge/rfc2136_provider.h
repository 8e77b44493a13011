#pragma once
// The rfc2136 provider: dynamic updates (RFC 2136) signed with TSIG (RFC 8945) sent to the
// zone's primary server — BIND, Knot, PowerDNS, Windows DNS all accept them.
//
// Settings (mailcert's name, then the acme.sh dns_nsupdate and lego rfc2136 names accepted):
//   server        NSUPDATE_SERVER, RFC2136_NAMESERVER   "IP", "IP:PORT", "[IPv6]:PORT" or a host
//                 name; default: the zone's primary (SOA MNAME, RFC 2136 §4), looked up
//   port          NSUPDATE_SERVER_PORT                  default 53
//   key_file      NSUPDATE_KEY                          a BIND key file (tsig-keygen's output)
//   key_name      RFC2136_TSIG_KEY                      the key in key_file, or with key_secret
//   key_algorithm RFC2136_TSIG_ALGORITHM                hmac-sha256 (default) or hmac-sha512
//   key_secret    RFC2136_TSIG_SECRET                   base64, when there is no key_file
//   ttl                                                 of the TXT record; default 60

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "challenge/dns_provider.h"
#include "challenge/dns_provider_factory.h"
#include "dns/tsig_key.h"
#include "dns/update.h"

namespace mailcert::challenge {

class Rfc2136Provider final : public DnsProvider {
 public:
  // Errors: kInvalidInput for a missing key, a bad server, port or ttl; key file errors.
  static DnsProviderResult Make(const ProviderSettings& settings, const ProviderDeps& deps);

  std::string Describe() const override;
  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override;
  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override;

 private:
  Rfc2136Provider(dns::TsigKey key, std::string server, uint16_t port, uint32_t ttl,
                  dns::Resolver* resolver);
  // The address to send `zone`'s updates to: `server_` (resolved when a host name) or the
  // zone's SOA MNAME. Remembered per zone.
  util::Result<dns::ServerAddress> ServerFor(const std::string& zone);
  util::Result<dns::ServerAddress> Resolve(const std::string& host, const std::string& why);
  util::Error UpdateFailed(const dns::QueryError& error, const std::string& action) const;

  dns::TsigKey key_;
  std::string server_;  // as configured; empty: each zone's primary
  uint16_t port_;
  uint32_t ttl_;
  dns::Resolver* resolver_;
  std::mutex mutex_;
  std::map<std::string, dns::ServerAddress> servers_;  // zone → where its updates go
};

}  // namespace mailcert::challenge
