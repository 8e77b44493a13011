#pragma once
// The powerdns provider: the PowerDNS Authoritative Server's HTTP API (4.x,
// /api/v1/servers/<server_id>/zones/<zone>.). A TXT RRset is replaced as a whole (PATCH with
// changetype REPLACE), so adding a value reads the RRset first and writes it back with the new
// value: other values at the name stay (a wildcard and its apex share it). The solver serializes
// changes of one name, so two authorizations never read and write it at once.
//
// Settings (mailcert's name, then acme.sh dns_pdns and lego pdns names accepted):
//   api_url    PDNS_Url, PDNS_API_URL            "http://127.0.0.1:8081" (the webserver address)
//   api_key    PDNS_Token, PDNS_API_KEY          the api-key of pdns.conf; sent as X-API-Key
//   server_id  PDNS_ServerId, PDNS_SERVER_NAME   default "localhost"
//   ttl        PDNS_Ttl                          of the TXT record; default 60

#include <cstdint>
#include <string>
#include <vector>

#include "challenge/dns_provider.h"
#include "challenge/dns_provider_factory.h"
#include "net/http_client.h"
#include "util/json.h"

namespace mailcert::challenge {

class PowerDnsProvider final : public DnsProvider {
 public:
  // Errors: kInvalidInput naming a missing api_url or api_key, or a malformed one.
  static DnsProviderResult Make(const ProviderSettings& settings, const ProviderDeps& deps);

  std::string Describe() const override;
  // A PATCH with changetype REPLACE replaces the whole RRset.
  std::string RewriteLockName() const override { return "powerdns"; }
  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override;
  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override;

 private:
  PowerDnsProvider(net::HttpClient& http, std::string api_url, std::string api_key,
                   std::string server_id, uint32_t ttl);

  std::string ZoneUrl(const std::string& zone) const;
  net::HttpRequest Request(const std::string& method, const std::string& url) const;
  util::Result<net::HttpResponse> Send(const net::HttpRequest& request);
  // The TXT values at `fqdn` now (each record's strings joined, RFC 1035 §3.3.14).
  util::Result<std::vector<std::string>> CurrentValues(const std::string& zone,
                                                       const std::string& fqdn);
  // Replaces the RRset with `values`, or deletes it when there are none.
  util::Result<void> Write(const std::string& zone, const std::string& fqdn,
                           const std::vector<std::string>& values);
  util::Error ApiError(const std::string& what, const std::string& zone,
                       const net::HttpResponse& response) const;

  net::HttpClient& http_;
  std::string api_url_;
  std::string api_key_;  // secret
  std::string server_id_;
  uint32_t ttl_;
};

// PowerDNS writes TXT content in zone-file syntax: "\"text\"", several strings for long values,
// with \" and \\ escapes and \DDD for other octets. Returns the strings joined.
std::string PowerDnsTxtText(const std::string& content);
// The zone-file form of `value` for the API: quoted, split into strings of 255 octets.
std::string PowerDnsTxtContent(const std::string& value);

}  // namespace mailcert::challenge
