#pragma once
// Pre-flight checks per name (issue #4), run before any order so a name that cannot validate
// costs no CA request and no rate-limit slot — and is reported, never silently dropped.
//
// - CAA (RFC 8659, RFC 8657) for every name: climb the tree, follow CNAMEs, issue vs issuewild,
//   accounturi and validationmethods, critical flag; a lookup failure (SERVFAIL) fails the name
//   because the CA refuses on it.
// - With HTTP-01 only: A and AAAA against this host's own addresses, each family on its own (a
//   non-matching AAAA does not hide a matching A; a host without IPv6 does not fail names that
//   only have A), and a reachability check that serves a random token and fetches
//   http://NAME/.well-known/acme-challenge/TOKEN over each family the name has, following
//   redirects as the CA does (at most 10, only to ports 80 and 443).

#include <map>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "net/http_client.h"
#include "plan/planner.h"

namespace mailcert::plan {

struct PreflightOptions {
  std::string challenge = "http-01";
  std::vector<std::string> caa_issuer_domains = {"letsencrypt.org"};  // directory caaIdentities
  std::string account_uri;
  std::vector<std::string> own_ipv4, own_ipv6;  // empty: taken from the interfaces
  bool skip_ip_check = false;
  bool skip_ipv4_compare = false;
  bool skip_ipv6_compare = false;
  bool skip_http_check = false;
  // Where the CA fetches HTTP-01 (80; tests use a high port) and where the token server listens.
  int http_port = 80;
  std::vector<std::string> http_listen = {":80"};
};

// One check result per name. Names that pass have passed = true and a summary in `reason`.
std::map<std::string, NameCheck> RunPreflight(const std::vector<std::string>& names,
                                              const PreflightOptions& options,
                                              dns::Resolver& resolver, net::HttpClient& http);

}  // namespace mailcert::plan
