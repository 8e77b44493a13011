// GoDaddy Domains API v1 (developer.godaddy.com/doc/endpoint/domains): header "Authorization:
// sso-key {key}:{secret}"; "get" (GET /v1/domains/{domain}), "recordGet" (GET /v1/domains/
// {domain}/records/TXT/{name} → [{"data","name","ttl","type"}]), "recordReplaceTypeName" (PUT of
// the same path with [{"data","ttl"}…], replacing every TXT record of that name) and
// "recordDeleteTypeName" (DELETE of the same path). TTL is at least 600. Errors are
// {"code":s,"message":s,"fields":[{"path","message"}]}. GoDaddy limits API access to some
// account kinds; such accounts get 403 ACCESS_DENIED, shown as it comes.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/json_api.h"
#include "challenge/providers/providers.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr int kTtl = 600;  // the API's minimum

std::string GoDaddyMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "godaddy");
  if (!json || !json->is_object()) return api::BodySnippet(response.body);
  std::string code = util::OptionalString(*json, "code").value_or("");
  std::string message = util::OptionalString(*json, "message").value_or("");
  std::string text = code.empty() ? message : code + ": " + message;
  if (json->contains("fields") && (*json)["fields"].is_array()) {
    for (const util::Json& field : (*json)["fields"]) {
      std::string detail = util::OptionalString(field, "message").value_or("");
      if (auto path = util::OptionalString(field, "path")) detail = *path + ": " + detail;
      if (!detail.empty()) text += "; " + detail;
    }
  }
  return text;
}

class GoDaddyProvider final : public DnsProvider {
 public:
  explicit GoDaddyProvider(api::JsonApi api) : api_(std::move(api)) {}

  std::string Describe() const override {
    return "godaddy (" + api::HostOf(api_.base()) + ", API key)";
  }

  // A PUT replaces every TXT record of the name.
  std::string RewriteLockName() const override { return "godaddy"; }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);  // read-modify-write of all values of the name
    MC_RETURN_IF_ERROR(CheckDomain(zone));
    MC_ASSIGN_OR_RETURN(std::vector<std::string> values, ListTxt(zone, fqdn));
    for (const std::string& existing : values) {
      if (existing == value) return {};
    }
    values.push_back(value);
    return Replace(zone, fqdn, values, "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    MC_RETURN_IF_ERROR(CheckDomain(zone));
    MC_ASSIGN_OR_RETURN(std::vector<std::string> values, ListTxt(zone, fqdn));
    size_t before = values.size();
    std::erase(values, value);
    if (values.size() == before) return {};
    if (!values.empty()) return Replace(zone, fqdn, values, "remove TXT " + fqdn);
    return api_.Delete(RecordPath(zone, fqdn), "remove TXT " + fqdn);
  }

 private:
  std::string DomainPath(const std::string& zone) const {
    return "/v1/domains/" + api::UrlEncode(api::CanonicalName(zone));
  }
  std::string RecordPath(const std::string& zone, const std::string& fqdn) const {
    return DomainPath(zone) + "/records/TXT/" + api::UrlEncode(api::RelativeName(fqdn, zone));
  }

  util::Result<void> CheckDomain(const std::string& zone) {
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, api_.Call("GET", DomainPath(zone)));
    if (response.status == 404) {
      return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                  "domain " + zone + " is not in this GoDaddy account"));
    }
    return api_.Expect(response, "look up domain " + zone);
  }

  util::Result<std::vector<std::string>> ListTxt(const std::string& zone, const std::string& fqdn) {
    MC_ASSIGN_OR_RETURN(util::Json json, api_.GetJson(RecordPath(zone, fqdn), "list TXT " + fqdn));
    std::vector<std::string> values;
    if (!json.is_array()) return values;
    for (const util::Json& item : json) {
      values.push_back(api::UnquoteTxt(util::OptionalString(item, "data").value_or("")));
    }
    return values;
  }

  util::Result<void> Replace(const std::string& zone, const std::string& fqdn,
                             const std::vector<std::string>& values, const std::string& what) {
    util::Json records = util::Json::array();
    for (const std::string& value : values) records.push_back({{"data", value}, {"ttl", kTtl}});
    return api_.Expect(api_.Call("PUT", RecordPath(zone, fqdn), &records), what);
  }

  const api::JsonApi api_;
  std::mutex mu_;
};

}  // namespace

DnsProviderResult MakeGoDaddyProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("godaddy", values);
  MC_ASSIGN_OR_RETURN(std::string base, settings.BaseUrl("GD_API_BASE", "https://api.godaddy.com"));
  MC_ASSIGN_OR_RETURN(std::string key, settings.Secret("GD_Key",
                                                       "a production API key from "
                                                       "developer.godaddy.com/keys"));
  MC_ASSIGN_OR_RETURN(std::string secret, settings.Secret("GD_Secret", "the API key's secret"));
  std::string authorization = "sso-key " + key + ":" + secret;
  settings.AddSecret(authorization);
  return std::make_unique<GoDaddyProvider>(
      api::JsonApi(settings, http, base, {{"Authorization", authorization}}, GoDaddyMessage));
}

}  // namespace mailcert::challenge
