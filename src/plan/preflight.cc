#include "plan/preflight.h"

#include <algorithm>
#include <mutex>

#include "crypto/hash.h"
#include "dns/caa_lookup.h"
#include "net/http_server.h"
#include "net/local_addresses.h"
#include "util/base64.h"
#include "util/strings.h"

namespace mailcert::plan {
namespace {

constexpr const char* kChallengePath = "/.well-known/acme-challenge/";

struct Family {
  const char* label;  // "IPv4"
  std::vector<std::string> records;
  const std::vector<std::string>* own;
  bool skip_compare;
};

NameCheck Fail(const std::string& reason, const std::string& hint) {
  return NameCheck{false, reason, hint};
}

// Fetches http://NAME:port/path through `address`, following redirects like an ACME CA: at most
// 10, only http/https on ports 80 and 443, each new host resolved in the same family.
util::Result<std::string> FetchLikeTheCa(const std::string& name, const std::string& address,
                                         bool ipv6, int port, const std::string& path,
                                         dns::Resolver& resolver, net::HttpClient& http) {
  std::string url = "http://" + name + ":" + std::to_string(port) + path;
  std::string connect_to = address;
  for (int hop = 0; hop <= 10; ++hop) {
    net::HttpRequest request;
    request.url = url;
    request.connect_to_address = connect_to;
    request.verify_tls = false;  // the CA does not validate certificates after a redirect
    request.timeout = std::chrono::seconds(10);
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, http.Send(request));
    if (response.status < 300 || response.status >= 400) {
      if (response.status != 200) {
        return util::Fail(util::ErrorCode::kProtocol,
                          url + " answered HTTP " + std::to_string(response.status));
      }
      return response.body;
    }
    auto location = response.Header("location");
    if (!location) {
      return util::Fail(util::ErrorCode::kProtocol, url + " redirects without a Location");
    }
    std::string next = *location;
    if (next.rfind("http://", 0) != 0 && next.rfind("https://", 0) != 0) {
      if (next.rfind("/", 0) == 0) {
        next = url.substr(0, url.find('/', url.find("://") + 3)) + next;
      } else {
        return util::Fail(util::ErrorCode::kProtocol,
                          url + " redirects to " + util::Quote(next) + ", which a CA will not follow");
      }
    }
    const bool https = next.rfind("https://", 0) == 0;
    std::string authority = next.substr(next.find("://") + 3);
    authority = authority.substr(0, authority.find('/'));
    std::string host = authority;
    int next_port = https ? 443 : 80;
    if (size_t colon = authority.rfind(':');
        colon != std::string::npos && authority.find(']') == std::string::npos) {
      host = authority.substr(0, colon);
      next_port = std::atoi(authority.substr(colon + 1).c_str());
    }
    // Only ports 80 and 443 (what Let's Encrypt follows); the configured test port stands in for
    // 80 when the check runs against a test CA.
    if (next_port != 80 && next_port != 443 && next_port != port) {
      return util::Fail(util::ErrorCode::kProtocol,
                        url + " redirects to port " + std::to_string(next_port) +
                            "; a CA follows redirects only to ports 80 and 443");
    }
    if (host != name) {
      auto answer = resolver.Query(host, ipv6 ? dns::RrType::kAaaa : dns::RrType::kA);
      if (!answer) return util::Fail(answer.error());
      std::vector<std::string> addresses;
      if (ipv6) {
        for (const auto& record : answer->Answers<dns::AaaaRecord>()) addresses.push_back(record.address);
      } else {
        for (const auto& record : answer->Answers<dns::ARecord>()) addresses.push_back(record.address);
      }
      if (addresses.empty()) {
        return util::Fail(util::ErrorCode::kProtocol,
                          url + " redirects to " + host + ", which has no " +
                              (ipv6 ? "AAAA" : "A") + " record");
      }
      connect_to = addresses.front();
    }
    url = next;
  }
  return util::Fail(util::ErrorCode::kProtocol, "more than 10 redirects from http://" + name);
}

NameCheck CheckName(const std::string& name, const PreflightOptions& options,
                    const net::LocalAddresses& own, dns::Resolver& resolver,
                    net::HttpClient& http, const std::string& token, const std::string& value) {
  dns::CaaRequest caa_request;
  caa_request.identifier = name;
  caa_request.issuer_domains = options.caa_issuer_domains;
  caa_request.account_uri = options.account_uri;
  caa_request.validation_method = options.challenge;
  dns::CaaDecision caa = dns::CheckCaa(resolver, caa_request);
  if (caa.verdict == dns::CaaVerdict::kRefused || caa.verdict == dns::CaaVerdict::kLookupFailed) {
    return Fail("CAA: " + caa.reason, caa.hint);
  }
  std::vector<std::string> notes = {"CAA ok"};
  if (options.challenge == "dns-01") {
    NameCheck check;
    check.reason = util::Join(notes, "; ");
    return check;
  }

  // A and AAAA, each family on its own.
  Family families[2] = {{"IPv4", {}, &own.ipv4, options.skip_ipv4_compare},
                        {"IPv6", {}, &own.ipv6, options.skip_ipv6_compare}};
  for (int i = 0; i < 2; ++i) {
    auto answer = resolver.Query(name, i == 0 ? dns::RrType::kA : dns::RrType::kAaaa);
    if (!answer) {
      return Fail(std::string(i == 0 ? "A" : "AAAA") + " lookup failed: " + answer.error().message,
                  "the CA looks the name up too: fix the DNS servers of the zone");
    }
    if (i == 0) {
      for (const auto& record : answer->Answers<dns::ARecord>()) families[0].records.push_back(record.address);
    } else {
      for (const auto& record : answer->Answers<dns::AaaaRecord>()) families[1].records.push_back(record.address);
    }
  }
  if (families[0].records.empty() && families[1].records.empty()) {
    return Fail("no A or AAAA record", "point the name at this host (A and/or AAAA)");
  }
  std::vector<Family*> usable;
  std::vector<std::string> mismatches;
  for (auto& family : families) {
    if (family.records.empty()) continue;
    if (options.skip_ip_check || family.skip_compare) {
      usable.push_back(&family);
      continue;
    }
    bool ours = std::any_of(family.records.begin(), family.records.end(), [&](const std::string& a) {
      return std::find(family.own->begin(), family.own->end(), a) != family.own->end();
    });
    if (ours) {
      usable.push_back(&family);
    } else {
      mismatches.push_back(std::string(family.label) + " " + util::Join(family.records, ", ") +
                           " is not this host (" +
                           (family.own->empty() ? std::string("it has no ") + family.label
                                                : util::Join(*family.own, ", ")) +
                           ")");
    }
  }
  if (usable.empty()) {
    return Fail(util::Join(mismatches, "; "),
                "fix the record, or set own_addresses / skip_ip_check when NAT or a proxy sits "
                "in front of this host");
  }
  for (const auto& mismatch : mismatches) notes.push_back("note: " + mismatch);

  if (!options.skip_http_check) {
    std::vector<std::string> reached;
    for (Family* family : usable) {
      const bool ipv6 = family == &families[1];
      auto body = FetchLikeTheCa(name, family->records.front(), ipv6, options.http_port,
                                 kChallengePath + token, resolver, http);
      if (!body) {
        return Fail(std::string("HTTP-01 over ") + family->label + ": " + body.error().message,
                    "make http://" + name + "/.well-known/acme-challenge/ reach mailcert (firewall, "
                    "NAT, proxy forwarding)");
      }
      if (util::Trim(*body) != value) {
        return Fail(std::string("HTTP-01 over ") + family->label + ": http://" + name +
                        kChallengePath + "… answered something else (another web server or a "
                        "proxy serves that path)",
                    "forward /.well-known/acme-challenge/ to mailcert, or use --webroot");
      }
      reached.push_back(family->label);
    }
    notes.push_back("HTTP-01 reachable over " + util::Join(reached, " and "));
  }
  NameCheck check;
  check.reason = util::Join(notes, "; ");
  return check;
}

}  // namespace

std::map<std::string, NameCheck> RunPreflight(const std::vector<std::string>& names,
                                              const PreflightOptions& options,
                                              dns::Resolver& resolver, net::HttpClient& http) {
  std::map<std::string, NameCheck> checks;
  net::LocalAddresses own;
  own.ipv4 = options.own_ipv4;
  own.ipv6 = options.own_ipv6;
  if (own.ipv4.empty() && own.ipv6.empty()) own = net::ListLocalAddresses(false);

  // A random token served only for this check (never an ACME token).
  const std::string token =
      "mailcert-check-" + util::Base64UrlEncode(crypto::RandomBytes(12).value_or("fixed"));
  const std::string value = token + ".self-check";
  std::unique_ptr<net::HttpServer> server;
  std::string server_error;
  if (options.challenge == "http-01" && !options.skip_http_check) {
    auto started = net::HttpServer::Start(options.http_listen, [&](const net::ServerRequest& r) {
      net::ServerResponse response;
      if (r.target == kChallengePath + token) {
        response.status = 200;
        response.body = value;
      }
      return response;
    });
    if (started) {
      server = std::move(*started);
    } else {
      server_error = started.error().message;
    }
  }
  for (const auto& name : names) {
    if (name.rfind("*.", 0) == 0 && options.challenge != "dns-01") {
      checks[name] = Fail("a wildcard needs DNS-01", "set challenge = \"dns-01\"");
      continue;
    }
    if (!server_error.empty()) {
      checks[name] = Fail("the reachability check could not listen: " + server_error,
                          "free the port or set skip_http_check");
      continue;
    }
    checks[name] = CheckName(name, options, own, resolver, http, token, value);
  }
  return checks;
}

}  // namespace mailcert::plan
