// OVHcloud DNS through the OVH API v1 (api.ovh.com/console, /domain): every call carries
// X-Ovh-Application (AK), X-Ovh-Consumer (CK), X-Ovh-Timestamp (the API's clock, from
// GET /auth/time) and X-Ovh-Signature (ovh.h). Calls used: GET /domain/zone/{zone};
// GET /domain/zone/{zone}/record?fieldType=TXT&subDomain= (→ record ids); GET …/record/{id}
// (→ {"id","fieldType","subDomain","target","ttl"}); POST …/record {"fieldType","subDomain",
// "target","ttl"}; DELETE …/record/{id}; and POST /domain/zone/{zone}/refresh, which makes the
// changed zone live. Errors: {"errorCode":s,"httpCode":s,"message":s} or {"class":s,
// "message":s}; the credential codes (INVALID_KEY, INVALID_CREDENTIAL, NOT_CREDENTIAL,
// NOT_GRANTED_CALL) are the ones OVH's own python-ovh client tells apart. Not confirmed from OVH's
// pages: the status and code of a bad signature (taken as 400 INVALID_SIGNATURE) and whether TXT
// targets come back quoted (both forms are read).

#include "challenge/providers/ovh.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/providers.h"
#include "crypto/hash.h"
#include "util/strings.h"

namespace mailcert::challenge {

namespace api {

std::string OvhSignature(std::string_view application_secret, std::string_view consumer_key,
                         std::string_view method, std::string_view url, std::string_view body,
                         std::string_view timestamp) {
  std::string input = std::string(application_secret) + "+" + std::string(consumer_key) + "+" +
                      api::ToUpper(method) + "+" + std::string(url) + "+" + std::string(body) +
                      "+" + std::string(timestamp);
  return "$1$" + util::HexEncode(crypto::Sha1(input));
}

std::optional<std::string> OvhEndpointUrl(std::string_view end_point) {
  static const std::pair<const char*, const char*> kEndpoints[] = {
      {"ovh-eu", "https://eu.api.ovh.com/1.0"},
      {"ovh-ca", "https://ca.api.ovh.com/1.0"},
      {"ovh-us", "https://api.us.ovhcloud.com/1.0"},
      {"kimsufi-eu", "https://eu.api.kimsufi.com/1.0"},
      {"kimsufi-ca", "https://ca.api.kimsufi.com/1.0"},
      {"soyoustart-eu", "https://eu.api.soyoustart.com/1.0"},
      {"soyoustart-ca", "https://ca.api.soyoustart.com/1.0"},
  };
  std::string wanted = util::ToLower(util::Trim(end_point));
  for (const auto& [name, url] : kEndpoints) {
    if (wanted == name) return std::string(url);
  }
  if (wanted.starts_with("https://") || wanted.starts_with("http://")) {
    std::string url(util::Trim(end_point));
    while (url.ends_with('/')) url.pop_back();
    return url;
  }
  return std::nullopt;
}

}  // namespace api

namespace {

constexpr int kTtl = 60;

class OvhProvider final : public DnsProvider {
 public:
  OvhProvider(api::ApiClient api, std::string base, std::string application_key,
              std::string application_secret, std::string consumer_key)
      : api_(std::move(api)),
        base_(std::move(base)),
        application_key_(std::move(application_key)),
        application_secret_(std::move(application_secret)),
        consumer_key_(std::move(consumer_key)) {}

  std::string Describe() const override {
    return "ovh (" + api::HostOf(base_) + ", application key " + application_key_ + ")";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_path, ZonePath(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone_path, zone, fqdn));
    for (const Record& record : records) {
      if (record.target == value) return {};
    }
    util::Json body = {{"fieldType", "TXT"},
                       {"subDomain", SubDomain(fqdn, zone)},
                       {"target", value},
                       {"ttl", kTtl}};
    MC_RETURN_IF_ERROR(
        Expect(Call("POST", zone_path + "/record", util::DumpJson(body)), "add TXT " + fqdn));
    return Refresh(zone_path, zone);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_path, ZonePath(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone_path, zone, fqdn));
    bool removed = false;
    for (const Record& record : records) {
      if (record.target != value) continue;
      auto response = Call("DELETE", zone_path + "/record/" + record.id, "");
      if (response && response->status == 404) continue;
      MC_RETURN_IF_ERROR(Expect(std::move(response), "remove TXT " + fqdn));
      removed = true;
    }
    return removed ? Refresh(zone_path, zone) : util::Result<void>();
  }

 private:
  struct Record {
    std::string id;
    std::string target;
  };

  static std::string SubDomain(const std::string& fqdn, const std::string& zone) {
    std::string name = api::RelativeName(fqdn, zone);
    return name == "@" ? "" : name;
  }

  static std::string Message(const net::HttpResponse& response, std::string* code) {
    auto json = util::ParseJson(response.body, "ovh");
    if (!json || !json->is_object()) return api::BodySnippet(response.body);
    std::string kind = util::OptionalString(*json, "errorCode")
                           .value_or(util::OptionalString(*json, "class").value_or(""));
    if (code != nullptr) *code = kind;
    std::string message = util::OptionalString(*json, "message").value_or("");
    return kind.empty() ? message : kind + ": " + message;
  }

  // Seconds to add to the local clock to get the API's (GET /auth/time), asked once.
  util::Result<int64_t> TimeDelta() {
    std::lock_guard<std::mutex> lock(mu_);
    if (time_delta_) return *time_delta_;
    net::HttpRequest request;
    request.url = base_ + "/auth/time";
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, api_.Send(request));
    int64_t server = 0;
    try {
      server = std::stoll(std::string(util::Trim(response.body)));
    } catch (...) {
      return util::Fail(api_.Failure("read the API's clock (/auth/time)", response, ""));
    }
    if (!api::IsSuccess(response)) {
      return util::Fail(api_.Failure("read the API's clock (/auth/time)", response, ""));
    }
    int64_t local = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    time_delta_ = server - local;
    return *time_delta_;
  }

  util::Result<net::HttpResponse> Call(const std::string& method, const std::string& path,
                                       const std::string& body) {
    MC_ASSIGN_OR_RETURN(int64_t delta, TimeDelta());
    std::string timestamp = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count() +
                                           delta);
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.body = body;
    request.headers = {{"X-Ovh-Application", application_key_},
                       {"X-Ovh-Consumer", consumer_key_},
                       {"X-Ovh-Timestamp", timestamp},
                       {"X-Ovh-Signature", api::OvhSignature(application_secret_, consumer_key_,
                                                             method, request.url, body, timestamp)},
                       {"Accept", "application/json"}};
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    return api_.Send(request);
  }

  util::Result<void> Expect(util::Result<net::HttpResponse> response, const std::string& what) {
    if (!response) return util::Fail(response.error());
    if (api::IsSuccess(*response)) return {};
    std::string code;
    std::string message = Message(*response, &code);
    util::Error error = api_.Failure(what, *response, message);
    // A bad signature is 400 INVALID_SIGNATURE; the credential codes come with 403.
    if (code == "INVALID_SIGNATURE" || code == "INVALID_CREDENTIAL" || code == "INVALID_KEY" ||
        code == "NOT_CREDENTIAL" || code == "NOT_GRANTED_CALL") {
      error.code = util::ErrorCode::kInvalidInput;
    }
    return util::Fail(std::move(error));
  }

  util::Result<std::string> ZonePath(const std::string& zone) {
    std::string path = "/domain/zone/" + api::UrlEncode(api::CanonicalName(zone));
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, Call("GET", path, ""));
    if (response.status == 404) {
      return util::Fail(api_.Make(
          util::ErrorCode::kNotFound,
          "zone " + zone + " is not in this OVH account (" + Message(response, nullptr) + ")"));
    }
    MC_RETURN_IF_ERROR(Expect(response, "look up zone " + zone));
    return path;
  }

  util::Result<std::vector<Record>> ListTxt(const std::string& zone_path, const std::string& zone,
                                            const std::string& fqdn) {
    std::string what = "list TXT " + fqdn;
    MC_ASSIGN_OR_RETURN(
        net::HttpResponse response,
        Call("GET",
             zone_path + "/record?fieldType=TXT&subDomain=" + api::UrlEncode(SubDomain(fqdn, zone)),
             ""));
    MC_RETURN_IF_ERROR(Expect(response, what));
    MC_ASSIGN_OR_RETURN(util::Json ids, api_.ParseJson(what, response));
    std::vector<Record> records;
    if (!ids.is_array()) return records;
    for (const util::Json& id_json : ids) {
      std::string id = id_json.is_string() ? id_json.get<std::string>() : id_json.dump();
      MC_ASSIGN_OR_RETURN(net::HttpResponse record, Call("GET", zone_path + "/record/" + id, ""));
      if (record.status == 404) continue;  // deleted meanwhile
      MC_RETURN_IF_ERROR(Expect(record, what));
      MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, record));
      records.push_back({id, api::UnquoteTxt(util::OptionalString(json, "target").value_or(""))});
    }
    return records;
  }

  util::Result<void> Refresh(const std::string& zone_path, const std::string& zone) {
    return Expect(Call("POST", zone_path + "/refresh", ""), "refresh zone " + zone);
  }

  api::ApiClient api_;
  const std::string base_;
  const std::string application_key_;
  const std::string application_secret_;
  const std::string consumer_key_;
  std::mutex mu_;
  std::optional<int64_t> time_delta_;  // guarded by mu_
};

}  // namespace

DnsProviderResult MakeOvhProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("ovh", values);
  std::string end_point = settings.Optional("OVH_END_POINT", "ovh-eu");
  std::optional<std::string> base = api::OvhEndpointUrl(end_point);
  if (!base) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "ovh: OVH_END_POINT " + util::Quote(end_point) +
                          " is not one of ovh-eu, ovh-ca, ovh-us, kimsufi-eu, kimsufi-ca, "
                          "soyoustart-eu, soyoustart-ca or an https:// URL");
  }
  MC_ASSIGN_OR_RETURN(std::string application_key,
                      settings.Required("OVH_AK",
                                        "the application key, from "
                                        "https://eu.api.ovh.com/createApp/"));
  MC_ASSIGN_OR_RETURN(std::string application_secret,
                      settings.Secret("OVH_AS", "the application secret"));
  MC_ASSIGN_OR_RETURN(std::string consumer_key,
                      settings.Secret("OVH_CK",
                                      "a consumer key allowed GET/POST/DELETE on "
                                      "/domain/zone/*"));
  api::ApiClient api("ovh", http, settings.secrets());
  return std::make_unique<OvhProvider>(std::move(api), *base, application_key, application_secret,
                                       consumer_key);
}

}  // namespace mailcert::challenge
