// DigitalOcean DNS through API v2 (docs.digitalocean.com/reference/api/api-reference/):
// "Retrieve an Existing Domain" (GET /v2/domains/{domain}), "List All Domain Records" (GET
// /v2/domains/{domain}/records?type=TXT&name={fully qualified name}), "Create a New Domain
// Record" (POST, {"type","name","data","ttl"} with name relative to the domain, ttl at least
// 30) and "Delete a Domain Record" (DELETE …/records/{id}, 204). Bearer token authentication;
// errors are {"id":"unauthorized","message":"Unable to authenticate you."}.

#include <memory>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/providers.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr int kTtl = 30;  // the API's minimum

std::string DigitalOceanMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "digitalocean");
  if (!json || !json->is_object()) return api::BodySnippet(response.body);
  std::string id = util::OptionalString(*json, "id").value_or("");
  std::string message = util::OptionalString(*json, "message").value_or("");
  return id.empty() ? message : id + ": " + message;
}

class DigitalOceanProvider final : public DnsProvider {
 public:
  DigitalOceanProvider(api::ApiClient api, std::string base, std::string token)
      : api_(std::move(api)), base_(std::move(base)), token_(std::move(token)) {}

  std::string Describe() const override {
    return "digitalocean (" + api::HostOf(base_) + ", API token)";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_RETURN_IF_ERROR(CheckZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone, fqdn));
    for (const Record& record : records) {
      if (record.data == value) return {};
    }
    util::Json body = {
        {"type", "TXT"}, {"name", api::RelativeName(fqdn, zone)}, {"data", value}, {"ttl", kTtl}};
    return Expect(Call("POST", DomainPath(zone) + "/records", &body), "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_RETURN_IF_ERROR(CheckZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone, fqdn));
    for (const Record& record : records) {
      if (record.data != value) continue;
      auto response = Call("DELETE", DomainPath(zone) + "/records/" + record.id, nullptr);
      if (response && response->status == 404) continue;  // gone meanwhile
      MC_RETURN_IF_ERROR(Expect(std::move(response), "remove TXT " + fqdn));
    }
    return {};
  }

 private:
  struct Record {
    std::string id;
    std::string data;
  };

  std::string DomainPath(const std::string& zone) const {
    return "/domains/" + api::UrlEncode(api::CanonicalName(zone));
  }

  util::Result<net::HttpResponse> Call(const std::string& method, const std::string& path,
                                       const util::Json* body) {
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.headers = {{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}};
    if (body != nullptr) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = util::DumpJson(*body);
    }
    return api_.Send(request);
  }

  util::Result<void> Expect(util::Result<net::HttpResponse> response, const std::string& what) {
    if (!response) return util::Fail(response.error());
    if (!api::IsSuccess(*response)) {
      return util::Fail(api_.Failure(what, *response, DigitalOceanMessage(*response)));
    }
    return {};
  }

  util::Result<void> CheckZone(const std::string& zone) {
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, Call("GET", DomainPath(zone), nullptr));
    if (response.status == 404) {
      return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                  "domain " + zone + " is not in this DigitalOcean account"));
    }
    return Expect(response, "look up domain " + zone);
  }

  util::Result<std::vector<Record>> ListTxt(const std::string& zone, const std::string& fqdn) {
    std::string what = "list TXT " + fqdn;
    MC_ASSIGN_OR_RETURN(net::HttpResponse response,
                        Call("GET",
                             DomainPath(zone) + "/records?type=TXT&per_page=200&name=" +
                                 api::UrlEncode(api::CanonicalName(fqdn)),
                             nullptr));
    MC_RETURN_IF_ERROR(Expect(response, what));
    MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
    std::vector<Record> records;
    if (!json.contains("domain_records") || !json["domain_records"].is_array()) return records;
    std::string name = api::RelativeName(fqdn, zone);
    for (const util::Json& item : json["domain_records"]) {
      if (util::OptionalString(item, "type").value_or("") != "TXT") continue;
      if (!api::SameName(util::OptionalString(item, "name").value_or(""), name)) continue;
      std::string id = item.contains("id") ? item["id"].dump() : "";
      if (item.contains("id") && item["id"].is_string()) id = item["id"].get<std::string>();
      records.push_back({id, api::UnquoteTxt(util::OptionalString(item, "data").value_or(""))});
    }
    return records;
  }

  api::ApiClient api_;
  const std::string base_;
  const std::string token_;
};

}  // namespace

ApiProviderResult MakeDigitalOceanProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("digitalocean", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("DO_API_BASE", "https://api.digitalocean.com/v2"));
  MC_ASSIGN_OR_RETURN(std::string token,
                      settings.Secret("DO_API_KEY", "a personal access token with write scope"));
  api::ApiClient api("digitalocean", http, settings.secrets());
  return std::make_unique<DigitalOceanProvider>(std::move(api), base, token);
}

}  // namespace mailcert::challenge
