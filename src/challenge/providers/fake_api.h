#pragma once
// Test support for the HTTP-API DNS providers. The vendors' services are not reachable from
// the test machines, so each provider is tested against a local fake of its API: a real
// net::HttpServer on loopback that answers the documented requests with the documented
// responses and keeps the zone's records in memory. These fakes are the one place in mailcert's
// tests where a server is imitated rather than run for real (issue #5).

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "challenge/dns_provider.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "util/json.h"

namespace mailcert::challenge::testing {

struct FakeRecord {
  std::string id;
  std::string zone;   // "example.test"
  std::string name;   // fully qualified, lowercase, no trailing dot
  std::string type;   // "TXT", "A", "MX"…
  std::string value;  // TXT: the value itself, unquoted
  int ttl = 0;
  int priority = 0;  // MX
};

// "/zones/1/records?type=TXT&name=a%2Eb" → path and decoded query.
struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};
Target ParseTarget(const std::string& target);
std::string UrlDecode(std::string_view text, bool plus_is_space = true);
// A form body (application/x-www-form-urlencoded) decoded.
std::map<std::string, std::string> ParseForm(std::string_view body);
// Path segments of "/a/b/c" → {"a","b","c"}.
std::vector<std::string> Segments(const std::string& path);

net::ServerResponse JsonResponse(int status, const util::Json& body);
net::ServerResponse TextResponse(int status, std::string content_type, std::string body);

// The base of every fake: the server, the zones and records, and a log of requests. Handle()
// runs on the server thread with mu_ held, so a fake's own state needs no other lock.
class FakeApi {
 public:
  virtual ~FakeApi();

  // Starts listening on 127.0.0.1 (a free port). Aborts the test on failure.
  void Start();
  std::string base_url() const { return base_url_; }

  void AddZone(const std::string& zone, const std::string& id = "");
  std::string ZoneId(const std::string& zone) const;
  std::string AddRecord(FakeRecord record);  // returns the id given to it
  // Records at `name` of `type`, in insertion order.
  std::vector<FakeRecord> Records(const std::string& name, const std::string& type = "TXT") const;
  std::vector<std::string> TxtValues(const std::string& name) const;
  std::vector<FakeRecord> AllRecords() const;
  // "GET /zones?name=example.test", one per request received.
  std::vector<std::string> RequestLog() const;

  // From now on every write request (IsWrite) is answered with the provider's documented error
  // body (ErrorResponse) for `status` and `message`.
  void FailWrites(int status, const std::string& message);

 protected:
  virtual net::ServerResponse Handle(const net::ServerRequest& request) = 0;
  // The API's error body for `status` carrying `message`, as its documentation shows it.
  virtual net::ServerResponse ErrorResponse(int status, const std::string& message) = 0;
  // Requests that change records (not token requests or lookups). Default: not GET.
  virtual bool IsWrite(const net::ServerRequest& request) const;

  // Helpers for Handle() (mu_ held).
  std::string NewId();
  // Adds the record a create request names `relative` to `zone`, where `apex` is how the API
  // names the apex ("@" or ""); returns it, with its new id.
  FakeRecord CreateRecord(const std::string& zone, const std::string& relative,
                          std::string_view apex, std::string type, std::string value, int ttl);
  std::vector<FakeRecord>& records() { return records_; }
  const std::map<std::string, std::string>& zones() const { return zones_; }  // name → id
  std::string ZoneNameById(const std::string& id) const;

  mutable std::mutex mu_;

 private:
  net::ServerResponse Dispatch(const net::ServerRequest& request);

  std::unique_ptr<net::HttpServer> server_;
  std::string base_url_;
  std::map<std::string, std::string> zones_;
  std::vector<FakeRecord> records_;
  std::vector<std::string> log_;
  int fail_status_ = 0;
  std::string fail_message_;
  int next_id_ = 1000;
};

// A started `Fake` holding zone "example.test", with id `zone_id` (or one made up).
template <typename Fake>
std::unique_ptr<FakeApi> StartFake(const std::string& zone_id = "") {
  auto fake = std::make_unique<Fake>();
  fake->Start();
  fake->AddZone("example.test", zone_id);
  return fake;
}

// The real curl client mailcert uses, for talking to the fakes.
std::unique_ptr<net::HttpClient> MakeTestHttpClient();

// What the shared provider tests (provider_conformance_test.cc) need from each provider's test
// file: a started fake holding zone "example.test" (and nothing in "missing.test"), the
// settings that reach it with a valid credential, and how to break that credential.
inline constexpr char kWrongCredential[] = "wrong-credential-4711";

struct ProviderCase {
  std::string name;                   // "cloudflare"
  std::string acme_sh_name;           // "dns_cf"
  std::vector<std::string> required;  // each must be named when missing
  std::string secret_setting;         // replaced by kWrongCredential for the bad-credential test
  // Instead of that replacement, when a credential is not one string (a service-account key).
  std::function<ProviderSettings(const ProviderSettings&)> wrong_credential;
  int ttl = 0;  // the TTL the provider is expected to give the record
  std::function<std::unique_ptr<FakeApi>()> make_fake;
  std::function<ProviderSettings(const FakeApi&)> settings;
  // The credential strings that must never appear in a message or Describe().
  std::vector<std::string> secrets;
  // More of them, computed only when a test runs (keys generated for the case).
  std::function<std::vector<std::string>()> lazy_secrets;
};

// The case of a provider whose one credential is an API token in `token_setting`: the only
// required setting, the one broken for the bad-credential test; `token` is never to be shown.
ProviderCase TokenCase(std::string name, std::string acme_sh_name, std::string token_setting,
                       std::string token, int ttl,
                       std::function<std::unique_ptr<FakeApi>()> make_fake,
                       std::function<ProviderSettings(const FakeApi&)> settings);

// gtest prints the case by name.
inline void PrintTo(const ProviderCase& c, std::ostream* os) { *os << c.name; }

// Each provider's test file defines its case.
ProviderCase ServercowCase();
ProviderCase CloudflareCase();
ProviderCase Route53Case();
ProviderCase AzureCase();
ProviderCase GcloudCase();
ProviderCase DigitalOceanCase();
ProviderCase HetznerCase();
ProviderCase HetznerCloudCase();
ProviderCase OvhCase();
ProviderCase NamecheapCase();
ProviderCase GoDaddyCase();
ProviderCase LinodeCase();
ProviderCase DnsimpleCase();
ProviderCase IonosCase();

}  // namespace mailcert::challenge::testing
