// Azure DNS through Azure Resource Manager. The token comes from the Microsoft identity
// platform's client-credentials grant (POST https://login.microsoftonline.com/{tenant}/oauth2/
// v2.0/token, grant_type=client_credentials, scope=https://management.azure.com/.default);
// then the DNS REST API, api-version 2018-05-01: "Zones - List" (GET /subscriptions/{id}/
// providers/Microsoft.Network/dnszones, paged by nextLink) and "Record Sets - Get /
// Create Or Update / Delete" on {zone id}/TXT/{relative name}. A TXT record set carries every
// value of the name ({"properties":{"TTL":n,"TXTRecords":[{"value":["…"]}]}}), so adding and
// removing rewrite the set; removing the last value deletes it.
// Errors come as {"error":{"code":…,"message":…}}; the token endpoint answers
// {"error":"invalid_client","error_description":"AADSTS7000215: …"}.

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

constexpr int kTtl = 60;
constexpr char kApiVersion[] = "api-version=2018-05-01";

std::string AzureMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "azure");
  if (!json || !json->is_object()) return api::BodySnippet(response.body);
  if (json->contains("error") && (*json)["error"].is_object()) {
    const util::Json& error = (*json)["error"];
    std::string code = util::OptionalString(error, "code").value_or("");
    std::string message = util::OptionalString(error, "message").value_or("");
    return code.empty() ? message : code + ": " + message;
  }
  // The token endpoint (RFC 6749 §5.2).
  std::string error = util::OptionalString(*json, "error").value_or("");
  std::string description = util::OptionalString(*json, "error_description").value_or("");
  // AAD descriptions carry trace and correlation ids on further lines.
  description = description.substr(0, description.find_first_of("\r\n"));
  return error.empty() ? description : error + ": " + description;
}

class AzureProvider final : public DnsProvider {
 public:
  AzureProvider(api::ApiClient api, std::string management, std::string login,
                std::string subscription, std::string tenant, std::string app_id,
                std::string secret)
      : api_(std::move(api)),
        management_(std::move(management)),
        login_(std::move(login)),
        subscription_(std::move(subscription)),
        tenant_(std::move(tenant)),
        app_id_(std::move(app_id)),
        secret_(std::move(secret)) {}

  std::string Describe() const override {
    return "azure (" + api::HostOf(management_) + ", subscription " + subscription_ + ", app " +
           app_id_ + ")";
  }

  // A PUT replaces the whole record set.
  std::string RewriteLockName() const override { return "azure"; }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    MC_ASSIGN_OR_RETURN(std::string url, RecordSetUrl(zone, fqdn));
    MC_ASSIGN_OR_RETURN(std::vector<std::string> values, ReadValues(url, fqdn));
    for (const std::string& existing : values) {
      if (existing == value) return {};
    }
    values.push_back(value);
    return Put(url, values, "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    MC_ASSIGN_OR_RETURN(std::string url, RecordSetUrl(zone, fqdn));
    MC_ASSIGN_OR_RETURN(std::vector<std::string> values, ReadValues(url, fqdn));
    size_t before = values.size();
    std::erase(values, value);
    if (values.size() == before) return {};
    if (!values.empty()) return Put(url, values, "remove TXT " + fqdn);
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, Send("DELETE", url, nullptr));
    if (response.status == 404) return {};
    return api_.Expect(response, "remove TXT " + fqdn);
  }

 private:
  // Client-credentials grant (RFC 6749 §4.4).
  util::Result<std::string> Token() {
    return token_.Get(api_, "get a token for app " + app_id_ + " in tenant " + tenant_,
                      [&]() -> util::Result<net::HttpRequest> {
                        return api::TokenRequest(
                            login_ + "/" + api::UrlEncode(tenant_) + "/oauth2/v2.0/token",
                            {{"grant_type", "client_credentials"},
                             {"client_id", app_id_},
                             {"client_secret", secret_},
                             {"scope", management_scope_}});
                      });
  }

  util::Result<net::HttpResponse> Send(const std::string& method, const std::string& url,
                                       const util::Json* body) {
    MC_ASSIGN_OR_RETURN(std::string token, Token());
    return api_.Send(api::JsonRequest(method, url, {{"Authorization", "Bearer " + token}}, body));
  }

  // {zone resource id}/TXT/{relative name}?api-version=…
  util::Result<std::string> RecordSetUrl(const std::string& zone, const std::string& fqdn) {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    return management_ + zone_id + "/TXT/" + api::UrlEncode(api::RelativeName(fqdn, zone)) + "?" +
           kApiVersion;
  }

  util::Result<std::string> FindZone(const std::string& zone) {
    if (auto cached = zones_.Find(zone)) return *cached;
    std::string what = "look up zone " + zone;
    std::string url = management_ + "/subscriptions/" + api::UrlEncode(subscription_) +
                      "/providers/Microsoft.Network/dnszones?" + kApiVersion;
    for (int page = 0; page < 50 && !url.empty(); ++page) {
      MC_ASSIGN_OR_RETURN(net::HttpResponse response, Send("GET", url, nullptr));
      MC_RETURN_IF_ERROR(api_.Expect(response, what));
      MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
      for (const util::Json& item : api::ArrayOf(json, "value")) {
        if (api::SameName(util::OptionalString(item, "name").value_or(""), zone)) {
          std::string id = util::OptionalString(item, "id").value_or("");
          if (!id.empty()) return zones_.Remember(zone, id);
        }
      }
      url = util::OptionalString(json, "nextLink").value_or("");
    }
    return util::Fail(
        api_.Make(util::ErrorCode::kNotFound, "zone " + zone + " is not in subscription " +
                                                  subscription_ + " (or app " + app_id_ +
                                                  " lacks the DNS Zone Contributor role on it)"));
  }

  util::Result<std::vector<std::string>> ReadValues(const std::string& url,
                                                    const std::string& fqdn) {
    std::string what = "read TXT " + fqdn;
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, Send("GET", url, nullptr));
    std::vector<std::string> values;
    if (response.status == 404) return values;  // no record set yet
    MC_RETURN_IF_ERROR(api_.Expect(response, what));
    MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
    if (!json.contains("properties") || !json["properties"].is_object()) return values;
    const util::Json& properties = json["properties"];
    if (!properties.contains("TXTRecords") || !properties["TXTRecords"].is_array()) return values;
    for (const util::Json& record : properties["TXTRecords"]) {
      std::string value;
      // One TXT record may be split into several strings (RFC 1035 §3.3.14): one value.
      if (record.is_object() && record.contains("value") && record["value"].is_array()) {
        for (const util::Json& part : record["value"]) {
          if (part.is_string()) value += part.get<std::string>();
        }
      }
      values.push_back(value);
    }
    return values;
  }

  util::Result<void> Put(const std::string& url, const std::vector<std::string>& values,
                         const std::string& what) {
    util::Json records = util::Json::array();
    for (const std::string& value : values) records.push_back({{"value", {value}}});
    util::Json body = {{"properties", {{"TTL", kTtl}, {"TXTRecords", records}}}};
    return api_.Expect(Send("PUT", url, &body), what);
  }

  api::ApiClient api_;
  const std::string management_;
  const std::string management_scope_ = "https://management.azure.com/.default";
  const std::string login_;
  const std::string subscription_;
  const std::string tenant_;
  const std::string app_id_;
  const std::string secret_;
  std::mutex mu_;  // guards the token, and each read-modify-write of a record set
  api::AccessToken token_;
  api::ZoneCache zones_;
};

}  // namespace

DnsProviderResult MakeAzureProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("azure", values);
  MC_ASSIGN_OR_RETURN(std::string management,
                      settings.BaseUrl("AZUREDNS_API_BASE", "https://management.azure.com"));
  MC_ASSIGN_OR_RETURN(std::string login,
                      settings.BaseUrl("AZUREDNS_LOGIN_BASE", "https://login.microsoftonline.com"));
  MC_ASSIGN_OR_RETURN(std::string subscription,
                      settings.Required("AZUREDNS_SUBSCRIPTIONID", "the subscription's id"));
  MC_ASSIGN_OR_RETURN(std::string tenant,
                      settings.Required("AZUREDNS_TENANTID", "the Entra ID tenant's id"));
  MC_ASSIGN_OR_RETURN(std::string app_id,
                      settings.Required("AZUREDNS_APPID", "the app registration's client id"));
  MC_ASSIGN_OR_RETURN(std::string secret, settings.Secret("AZUREDNS_CLIENTSECRET"));
  api::ApiClient api("azure", http, settings.secrets(), AzureMessage);
  return std::make_unique<AzureProvider>(std::move(api), management, login, subscription, tenant,
                                         app_id, secret);
}

}  // namespace mailcert::challenge
