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
#include "challenge/providers/json_api.h"
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
  explicit DigitalOceanProvider(api::JsonApi api) : api_(std::move(api)) {}

  std::string Describe() const override {
    return "digitalocean (" + api::HostOf(api_.base()) + ", API token)";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_RETURN_IF_ERROR(CheckZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(zone, fqdn));
    if (api::HasValue(records, value)) return {};
    util::Json body = {
        {"type", "TXT"}, {"name", api::RelativeName(fqdn, zone)}, {"data", value}, {"ttl", kTtl}};
    return api_.Expect(api_.Call("POST", DomainPath(zone) + "/records", &body), "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_RETURN_IF_ERROR(CheckZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(zone, fqdn));
    return api::RemoveEach(records, value, [&](const api::TxtRecord& record) {
      return api_.Delete(DomainPath(zone) + "/records/" + record.id, "remove TXT " + fqdn);
    });
  }

 private:
  std::string DomainPath(const std::string& zone) const {
    return "/domains/" + api::UrlEncode(api::CanonicalName(zone));
  }

  util::Result<void> CheckZone(const std::string& zone) {
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, api_.Call("GET", DomainPath(zone)));
    if (response.status == 404) {
      return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                  "domain " + zone + " is not in this DigitalOcean account"));
    }
    return api_.Expect(response, "look up domain " + zone);
  }

  util::Result<std::vector<api::TxtRecord>> ListTxt(const std::string& zone,
                                                    const std::string& fqdn) {
    MC_ASSIGN_OR_RETURN(util::Json json,
                        api_.GetJson(DomainPath(zone) + "/records?type=TXT&per_page=200&name=" +
                                         api::UrlEncode(api::CanonicalName(fqdn)),
                                     "list TXT " + fqdn));
    return api::TxtRecordsNamed(api::ArrayOf(json, "domain_records"), api::RelativeName(fqdn, zone),
                                "data");
  }

  const api::JsonApi api_;
};

}  // namespace

DnsProviderResult MakeDigitalOceanProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("digitalocean", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("DO_API_BASE", "https://api.digitalocean.com/v2"));
  MC_ASSIGN_OR_RETURN(std::string token,
                      settings.Secret("DO_API_KEY", "a personal access token with write scope"));
  return std::make_unique<DigitalOceanProvider>(api::JsonApi(
      settings, http, base, {{"Authorization", "Bearer " + token}}, DigitalOceanMessage));
}

}  // namespace mailcert::challenge
