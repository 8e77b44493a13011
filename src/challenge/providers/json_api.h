#pragma once
// What the providers of JSON REST APIs share: a request with the vendor's authentication, the
// check of its answer (an Error naming the provider, the status and the API's own message), the
// TXT records of a listing, and an OAuth 2.0 access token kept until it expires. The vendor's
// facts (URLs, headers, body shapes, how it words errors) stay in each provider's file.
// Internal to challenge/providers/.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "challenge/providers/api_common.h"
#include "net/http_client.h"
#include "util/json.h"
#include "util/result.h"

namespace mailcert::challenge::api {

// A request to a JSON API: the `auth` headers, "Accept: application/json", the `extra` headers
// and, with a body, the body serialized with "Content-Type: application/json".
net::HttpRequest JsonRequest(std::string method, std::string url, const net::HeaderList& auth,
                             const util::Json* body, const net::HeaderList& extra = {});

// A vendor's JSON API at one base URL, every request authenticated by the same headers (an API
// token). The headers reach only the API; every message is scrubbed of the settings' secrets.
class JsonApi : public ApiClient {
 public:
  // `settings` once every secret has been read from them; `message` reads the vendor's errors.
  JsonApi(const Settings& settings, net::HttpClient& http, std::string base, net::HeaderList auth,
          ApiMessage message);

  // Sends `method` to base + `path`. Any HTTP status is a result. Errors: those of Send.
  util::Result<net::HttpResponse> Call(const std::string& method, const std::string& path,
                                       const util::Json* body = nullptr,
                                       const net::HeaderList& extra = {}) const;
  // GET base + `path`, answered 2xx with JSON: the document. Errors: those of Call and Expect;
  // kProtocol when the body is not JSON.
  util::Result<util::Json> GetJson(const std::string& path, std::string_view what,
                                   const net::HeaderList& extra = {}) const;
  // DELETE base + `path`; 404 (gone already) is success too. Errors: those of Call and Expect.
  util::Result<void> Delete(const std::string& path, std::string_view what) const;

  const std::string& base() const { return base_; }

 private:
  std::string base_;
  net::HeaderList auth_;
};

// One TXT record of an API that gives each record an id.
struct TxtRecord {
  std::string id;
  std::string value;  // unquoted
};

// An id as the API gives it: a string, or a number written out; "" when absent or null.
std::string IdOf(const util::Json& item, const char* key = "id");
// `object[key]` when that is an array, else an empty array: the list a listing answer holds.
const util::Json& ArrayOf(const util::Json& object, const char* key);

// The TXT records ("type") named `name` ("name", compared by SameName) in `list`, a JSON array of
// the API's record objects (anything else holds none), with the value under `value_key`.
std::vector<TxtRecord> TxtRecordsNamed(const util::Json& list, std::string_view name,
                                       const char* value_key);
bool HasValue(const std::vector<TxtRecord>& records, std::string_view value);
// Calls `remove` for every record whose value is `value`; stops at the first error.
util::Result<void> RemoveEach(const std::vector<TxtRecord>& records, std::string_view value,
                              const std::function<util::Result<void>(const TxtRecord&)>& remove);

// A token request (RFC 6749 §4.4.2, RFC 7523 §2.1): `form` POSTed as
// application/x-www-form-urlencoded, JSON expected back.
net::HttpRequest TokenRequest(std::string url,
                              const std::vector<std::pair<std::string, std::string>>& form);

// An OAuth 2.0 access token (RFC 6749 §5.1), kept until a minute before it expires. Not
// thread-safe: the provider's lock guards it.
class AccessToken {
 public:
  // The token while it is fresh; otherwise sends the request `make_request` builds and keeps the
  // answer's access_token (added to `client`'s secrets) for its expires_in (300 s when absent).
  // Errors: kInvalidInput "<provider>: <what>: HTTP <status>: <message>" when the endpoint
  // refuses (wrong tenant, client id, secret or key); kProtocol for a body that is not JSON or
  // has no access_token; those of `make_request` and of ApiClient::Send.
  util::Result<std::string> Get(
      ApiClient& client, const std::string& what,
      const std::function<util::Result<net::HttpRequest>()>& make_request);

 private:
  std::string token_;
  std::chrono::steady_clock::time_point expires_;
};

}  // namespace mailcert::challenge::api
