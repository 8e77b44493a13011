#pragma once
// What every HTTP-API DNS provider shares: reading its settings (mailcow's dns-01.conf names),
// sending requests, and turning an API's answer into an Error a user can act on without ever
// showing a credential. Internal to challenge/providers/.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "challenge/dns_provider.h"
#include "net/http_client.h"
#include "util/json.h"
#include "util/result.h"

namespace mailcert::challenge::api {

// Settings of one provider, with the secret values remembered so that no message can carry one.
class Settings {
 public:
  Settings(std::string provider, const ProviderSettings& values)
      : provider_(std::move(provider)), values_(values) {}

  // The value of `name`, surrounding whitespace removed. Errors: kInvalidInput
  // "<provider>: <name> is not set" followed by `hint` (what the value is, where to get it).
  util::Result<std::string> Required(const std::string& name, std::string_view hint = {});
  // The same for a credential: its value is scrubbed from every later message.
  util::Result<std::string> Secret(const std::string& name, std::string_view hint = {});
  // The value, or `fallback` when absent or empty.
  std::string Optional(const std::string& name, const std::string& fallback = "") const;
  bool Has(const std::string& name) const;
  // Marks a value derived from secrets (a bearer token) as secret too.
  void AddSecret(std::string value);

  // An API base URL: the override setting when present (trailing '/' removed), else `fallback`.
  // Errors: kInvalidInput when the override is not an http:// or https:// URL.
  util::Result<std::string> BaseUrl(const std::string& override_name, const std::string& fallback);

  const std::string& provider() const { return provider_; }
  const std::vector<std::string>& secrets() const { return secrets_; }

 private:
  std::string provider_;
  const ProviderSettings& values_;
  std::vector<std::string> secrets_;
};

// The API's own words in an error answer ("Invalid authentication credentials"), read from the
// vendor's error body; a snippet of the body, or "", when it has none.
using ApiMessage = std::string (*)(const net::HttpResponse& response);

// Sends a provider's requests and words its failures. Holds no secret except to remove it.
class ApiClient {
 public:
  ApiClient(std::string provider, net::HttpClient& http, std::vector<std::string> secrets,
            ApiMessage message = nullptr)
      : provider_(std::move(provider)),
        http_(http),
        secrets_(std::move(secrets)),
        message_(message) {}

  // Sends one request. Any HTTP status is a result. Errors: kNetwork/kTimeout from the client,
  // prefixed "<provider>: ".
  util::Result<net::HttpResponse> Send(net::HttpRequest request) const;

  // Success for a 2xx answer. Errors: the error `response` holds; Failure(what, response) for
  // any other status.
  util::Result<void> Expect(const util::Result<net::HttpResponse>& response,
                            std::string_view what) const;

  // The error for an answer that is not what `what` needed: "<provider>: <what>: HTTP <status>:
  // <api_message>" (or a snippet of the body when the API gave no message). The code follows
  // the status: 401/403 kInvalidInput (credentials or their permissions), 404 kNotFound, 429
  // kRateLimited, anything else kProtocol.
  util::Error Failure(std::string_view what, const net::HttpResponse& response,
                      std::string_view api_message) const;
  // The same with the message the ApiMessage given at construction reads from `response`.
  util::Error Failure(std::string_view what, const net::HttpResponse& response) const;
  // An error with this provider's prefix; its texts scrubbed of secrets.
  util::Error Make(util::ErrorCode code, std::string_view message) const;

  // Parses a JSON body. Errors: kProtocol "<provider>: <what>: HTTP <status>: not valid JSON".
  util::Result<util::Json> ParseJson(std::string_view what,
                                     const net::HttpResponse& response) const;

  // `text` with every secret replaced by "[redacted]".
  std::string Scrub(std::string_view text) const;
  void AddSecret(std::string value) { secrets_.push_back(std::move(value)); }
  const std::string& provider() const { return provider_; }

 private:
  std::string provider_;
  net::HttpClient& http_;
  std::vector<std::string> secrets_;
  ApiMessage message_;
};

// Zone ids by zone name (compared as CanonicalName), kept for the provider's life: a zone's id
// does not change. Thread-safe.
class ZoneCache {
 public:
  std::optional<std::string> Find(std::string_view zone) const;
  // Remembers `id` for `zone`; returns it.
  std::string Remember(std::string_view zone, std::string id);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> ids_;  // guarded by mu_
};

inline bool IsSuccess(const net::HttpResponse& response) {
  return response.status >= 200 && response.status < 300;
}

// Percent-encodes everything but RFC 3986 §2.3 unreserved characters.
std::string UrlEncode(std::string_view text);
// application/x-www-form-urlencoded (WHATWG URL §5.2): pairs joined by '&'.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& pairs);

std::string ToUpper(std::string_view text);

// Lowercase, no trailing dot: the form names are compared in.
std::string CanonicalName(std::string_view name);
bool SameName(std::string_view a, std::string_view b);
// `fqdn` relative to `zone`: "_acme-challenge.www" for "_acme-challenge.www.example.org" in
// "example.org"; "@" for the apex. Names outside the zone are returned whole.
std::string RelativeName(std::string_view fqdn, std::string_view zone);

// TXT content as some APIs return it, quoted ("\"abc\"", or several quoted strings that form one
// value, RFC 1035 §3.3.14): the value itself. Unquoted text is returned unchanged.
std::string UnquoteTxt(std::string_view text);
// The value as a quoted TXT character-string for APIs that want zone-file syntax.
std::string QuoteTxt(std::string_view value);

// "api.cloudflare.com" from "https://api.cloudflare.com/client/v4": for Describe().
std::string HostOf(std::string_view url);

// At most 200 characters of a body on one line, for messages when an API gave no message.
std::string BodySnippet(std::string_view body);

}  // namespace mailcert::challenge::api
