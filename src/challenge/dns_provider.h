#pragma once
// DNS-01 (RFC 8555 §8.4) providers: something that can put a TXT record into a zone and take it
// out again. The dns-01 solver (dns01.h) finds the zone, follows _acme-challenge CNAMEs, picks
// the provider configured for that zone, and checks propagation on every authoritative server;
// a provider only writes and deletes.
//
// Credentials are secrets: a provider never puts one into an error message, a log line or
// Describe(); errors name the provider, the zone and what the API answered.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "util/result.h"

namespace mailcert::challenge {

// One dns-01 TXT record and the challenge it answers. Nothing here is secret.
struct TxtRecordRequest {
  std::string zone;   // "example.org"
  std::string fqdn;   // "_acme-challenge.example.org", or where its CNAME points
  std::string value;  // base64url(SHA-256(key authorization)) (RFC 8555 §8.4)
  std::string identifier;                    // "example.org" or "*.example.org"
  std::string token;                         // the challenge token; empty after a crash
  std::vector<std::string> all_identifiers;  // every name of the order, when known
};

class DnsProvider {
 public:
  virtual ~DnsProvider() = default;

  // "rfc2136 at 192.0.2.53:53 (key acme)", "cloudflare (token …)" — for messages; no secret.
  virtual std::string Describe() const = 0;

  // Adds one TXT record `value` at `fqdn` ("_acme-challenge.example.org", no trailing dot) in
  // `zone` ("example.org"), keeping any other values there (a wildcard and its apex share the
  // name). Errors: kInvalidInput (bad credentials), kAcmeProblem never; kNetwork, kProtocol
  // (the API's error body, summarized), kNotFound (zone unknown to the provider).
  virtual util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                                    const std::string& value) = 0;

  // Removes exactly that value (other values at the name stay). Removing one that is not there
  // is success: cleanup runs whatever happened before.
  virtual util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                                       const std::string& value) = 0;

  // Providers whose API replaces a whole record set (or, Namecheap, a domain's whole host list)
  // read it, change it and write it back: two mailcert runs doing that in one zone at once (a
  // timer's renew and an admin's issue) would lose one run's value. Those return their name
  // ("namecheap"), and the dns-01 solver holds the zone's lock, shared with other runs
  // (zone_lock.h), around each of their changes. The default, "", is for providers whose API
  // adds and removes single values.
  virtual std::string RewriteLockName() const { return ""; }

  // The same with what the solver knows about the challenge the record answers. Providers that
  // pass it on (hook programs get certbot's CERTBOT_* variables) override these; the others keep
  // the defaults, which call AddTxt/RemoveTxt.
  virtual util::Result<void> AddTxtRecord(const TxtRecordRequest& request) {
    return AddTxt(request.zone, request.fqdn, request.value);
  }
  virtual util::Result<void> RemoveTxtRecord(const TxtRecordRequest& request) {
    return RemoveTxt(request.zone, request.fqdn, request.value);
  }
};

// Settings of one provider as read from the config or a credential file: KEY=VALUE pairs, with
// mailcow's dns-01.conf variable names accepted (e.g. CF_Token for Cloudflare).
using ProviderSettings = std::map<std::string, std::string>;

// What a provider's factory returns: the provider, or why its settings cannot make one.
using DnsProviderResult = util::Result<std::unique_ptr<DnsProvider>>;

}  // namespace mailcert::challenge
