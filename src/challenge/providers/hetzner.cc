// Hetzner DNS Console API v1 (dns.hetzner.com/api-docs), the API acme.sh's dns_hetzner and its
// HETZNER_Token speak: header Auth-API-Token; "Get All Zones" (GET /zones?name=), "Get All
// Records" (GET /records?zone_id=), "Create Record" (POST /records {"value","ttl","type","name",
// "zone_id"}, name relative to the zone) and "Delete Record" (DELETE /records/{id}).
// Errors are read from {"error":{"message":s,"code":n}} or a bare {"message":s}; the exact 401
// body and whether an unknown zone name answers 404 or an empty list were not confirmed from the
// documentation, so both are handled. Hetzner moves DNS into its Cloud API (api.hetzner.cloud,
// acme.sh's dns_hetznercloud with HETZNER_TOKEN); zones already moved need that API, which this
// provider does not speak yet.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/providers.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr int kTtl = 60;

std::string HetznerMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "hetzner");
  if (!json || !json->is_object()) return api::BodySnippet(response.body);
  if (json->contains("error") && (*json)["error"].is_object()) {
    std::string message = util::OptionalString((*json)["error"], "message").value_or("");
    if (!message.empty()) return message;
  }
  return util::OptionalString(*json, "message").value_or("");
}

class HetznerProvider final : public DnsProvider {
 public:
  HetznerProvider(api::ApiClient api, std::string base, std::string token)
      : api_(std::move(api)), base_(std::move(base)), token_(std::move(token)) {}

  std::string Describe() const override {
    return "hetzner (" + api::HostOf(base_) + ", API token)";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone_id, zone, fqdn));
    for (const Record& record : records) {
      if (record.value == value) return {};
    }
    util::Json body = {{"value", value},
                       {"ttl", kTtl},
                       {"type", "TXT"},
                       {"name", api::RelativeName(fqdn, zone)},
                       {"zone_id", zone_id}};
    return Expect(Call("POST", "/records", &body), "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone_id, zone, fqdn));
    for (const Record& record : records) {
      if (record.value != value) continue;
      auto response = Call("DELETE", "/records/" + api::UrlEncode(record.id), nullptr);
      if (response && response->status == 404) continue;
      MC_RETURN_IF_ERROR(Expect(std::move(response), "remove TXT " + fqdn));
    }
    return {};
  }

 private:
  struct Record {
    std::string id;
    std::string value;
  };

  util::Result<net::HttpResponse> Call(const std::string& method, const std::string& path,
                                       const util::Json* body) {
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.headers = {{"Auth-API-Token", token_}, {"Accept", "application/json"}};
    if (body != nullptr) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = util::DumpJson(*body);
    }
    return api_.Send(request);
  }

  util::Result<void> Expect(util::Result<net::HttpResponse> response, const std::string& what) {
    if (!response) return util::Fail(response.error());
    if (!api::IsSuccess(*response)) {
      return util::Fail(api_.Failure(what, *response, HetznerMessage(*response)));
    }
    return {};
  }

  util::Result<std::string> FindZone(const std::string& zone) {
    std::string name = api::CanonicalName(zone);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto cached = zones_.find(name); cached != zones_.end()) return cached->second;
    }
    std::string what = "look up zone " + zone;
    MC_ASSIGN_OR_RETURN(net::HttpResponse response,
                        Call("GET", "/zones?name=" + api::UrlEncode(name), nullptr));
    std::string id;
    if (response.status != 404) {  // the API answers 404 for a name it does not hold
      MC_RETURN_IF_ERROR(Expect(response, what));
      MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
      if (json.contains("zones") && json["zones"].is_array()) {
        for (const util::Json& item : json["zones"]) {
          if (api::SameName(util::OptionalString(item, "name").value_or(""), name)) {
            id = util::OptionalString(item, "id").value_or("");
            break;
          }
        }
      }
    }
    if (id.empty()) {
      return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                  "zone " + zone + " is not in this Hetzner DNS Console account"));
    }
    std::lock_guard<std::mutex> lock(mu_);
    zones_[name] = id;
    return id;
  }

  util::Result<std::vector<Record>> ListTxt(const std::string& zone_id, const std::string& zone,
                                            const std::string& fqdn) {
    std::string what = "list TXT " + fqdn;
    MC_ASSIGN_OR_RETURN(net::HttpResponse response,
                        Call("GET", "/records?zone_id=" + api::UrlEncode(zone_id), nullptr));
    MC_RETURN_IF_ERROR(Expect(response, what));
    MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
    std::vector<Record> records;
    if (!json.contains("records") || !json["records"].is_array()) return records;
    std::string name = api::RelativeName(fqdn, zone);
    for (const util::Json& item : json["records"]) {
      if (util::OptionalString(item, "type").value_or("") != "TXT") continue;
      if (!api::SameName(util::OptionalString(item, "name").value_or(""), name)) continue;
      records.push_back({util::OptionalString(item, "id").value_or(""),
                         api::UnquoteTxt(util::OptionalString(item, "value").value_or(""))});
    }
    return records;
  }

  api::ApiClient api_;
  const std::string base_;
  const std::string token_;
  std::mutex mu_;
  std::map<std::string, std::string> zones_;  // guarded by mu_
};

}  // namespace

ApiProviderResult MakeHetznerProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("hetzner", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("HETZNER_API_BASE", "https://dns.hetzner.com/api/v1"));
  MC_ASSIGN_OR_RETURN(std::string token, settings.Secret("HETZNER_Token",
                                                         "an API token from "
                                                         "dns.hetzner.com/settings/api-token"));
  api::ApiClient api("hetzner", http, settings.secrets());
  return std::make_unique<HetznerProvider>(std::move(api), base, token);
}

}  // namespace mailcert::challenge
