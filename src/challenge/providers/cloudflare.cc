// Cloudflare DNS through API v4 (https://developers.cloudflare.com/api/): "List Zones"
// (GET /zones?name=), "List DNS Records" (GET /zones/{zone_id}/dns_records?type=&name=), "Create
// DNS Record" (POST), "Delete DNS Record" (DELETE /zones/{zone_id}/dns_records/{id}). Every
// answer is the envelope {"success":bool,"errors":[{"code":n,"message":s}],"result":…}.
// Authentication: an API token as "Authorization: Bearer" (what mailcow documents), or the
// legacy global key as X-Auth-Email + X-Auth-Key. A malformed token answers 400 with error 6003
// and the chained 6111 "Invalid format for Authorization header"; the exact code for a
// well-formed but unknown token was not confirmed (the fake answers 403, code 10000), so any
// 401/403 counts as a credential problem.

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

constexpr int kTtl = 120;  // acme.sh's; Cloudflare's minimum is 60 (1 means "automatic")

// "Authentication error (code 10000)"; nested error_chain messages follow their parent.
std::string CloudflareMessage(const net::HttpResponse& response) {
  auto body = util::ParseJson(response.body, "cloudflare");
  if (!body) return "";
  std::vector<std::string> parts;
  auto add = [&](const util::Json& error) {
    if (!error.is_object()) return;
    std::string text = util::OptionalString(error, "message").value_or("");
    if (auto code = util::OptionalInt(error, "code")) {
      text += " (code " + std::to_string(*code) + ")";
    }
    if (!text.empty()) parts.push_back(text);
  };
  for (const util::Json& error : api::ArrayOf(*body, "errors")) {
    add(error);
    for (const util::Json& inner : api::ArrayOf(error, "error_chain")) add(inner);
  }
  return util::Join(parts, "; ");
}

class CloudflareProvider final : public DnsProvider {
 public:
  CloudflareProvider(api::JsonApi api, std::string auth_kind, std::string account_id,
                     std::string zone_id)
      : api_(std::move(api)),
        auth_kind_(std::move(auth_kind)),
        account_id_(std::move(account_id)),
        zone_id_(std::move(zone_id)) {}

  std::string Describe() const override {
    return "cloudflare (" + api::HostOf(api_.base()) + ", " + auth_kind_ + ")";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(zone_id, fqdn));
    if (api::HasValue(records, value)) return {};  // already there
    util::Json body = {
        {"type", "TXT"}, {"name", api::CanonicalName(fqdn)}, {"content", value}, {"ttl", kTtl}};
    std::string what = "add TXT " + fqdn;
    MC_ASSIGN_OR_RETURN(util::Json created,
                        Call("POST", "/zones/" + zone_id + "/dns_records", what, &body));
    (void)created;
    return {};
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(zone_id, fqdn));
    return api::RemoveEach(records, value, [&](const api::TxtRecord& record) -> util::Result<void> {
      MC_ASSIGN_OR_RETURN(util::Json deleted,
                          Call("DELETE", "/zones/" + zone_id + "/dns_records/" + record.id,
                               "remove TXT " + fqdn, nullptr));
      (void)deleted;
      return {};
    });
  }

 private:
  // Sends one request and returns "result" of a successful envelope.
  util::Result<util::Json> Call(const std::string& method, const std::string& path,
                                const std::string& what, const util::Json* body) {
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, api_.Call(method, path, body));
    MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
    if (!api::IsSuccess(response) || !util::OptionalBool(json, "success").value_or(false)) {
      return util::Fail(api_.Failure(what, response));
    }
    return json.contains("result") ? json["result"] : util::Json();
  }

  util::Result<std::string> FindZone(const std::string& zone) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto cached = zones_.Find(zone)) return *cached;
    std::string what = "look up zone " + zone;
    std::string id;
    if (!zone_id_.empty()) {
      // CF_Zone_ID names one zone; it is used when it is the zone asked for (a CNAME may lead
      // the record into another zone, found by name below).
      MC_ASSIGN_OR_RETURN(util::Json result, Call("GET", "/zones/" + zone_id_, what, nullptr));
      if (api::SameName(util::OptionalString(result, "name").value_or(""), zone)) id = zone_id_;
    }
    if (id.empty()) {
      std::string path = "/zones?name=" + api::UrlEncode(api::CanonicalName(zone));
      if (!account_id_.empty()) path += "&account.id=" + api::UrlEncode(account_id_);
      MC_ASSIGN_OR_RETURN(util::Json result, Call("GET", path, what, nullptr));
      if (result.is_array()) {
        for (const util::Json& candidate : result) {
          if (api::SameName(util::OptionalString(candidate, "name").value_or(""), zone)) {
            id = util::OptionalString(candidate, "id").value_or("");
            break;
          }
        }
      }
    }
    if (id.empty()) {
      return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                  "zone " + zone +
                                      " is not in this Cloudflare account (or the token may "
                                      "not read it: it needs Zone:Read and DNS:Edit)"));
    }
    return zones_.Remember(zone, id);
  }

  util::Result<std::vector<api::TxtRecord>> ListTxt(const std::string& zone_id,
                                                    const std::string& fqdn) {
    std::string path = "/zones/" + zone_id + "/dns_records?type=TXT&per_page=100&name=" +
                       api::UrlEncode(api::CanonicalName(fqdn));
    MC_ASSIGN_OR_RETURN(util::Json result, Call("GET", path, "list TXT " + fqdn, nullptr));
    return api::TxtRecordsNamed(result, fqdn, "content");
  }

  const api::JsonApi api_;
  const std::string auth_kind_;
  const std::string account_id_;
  const std::string zone_id_;
  std::mutex mu_;         // one zone lookup at a time
  api::ZoneCache zones_;  // zone name → id
};

}  // namespace

DnsProviderResult MakeCloudflareProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("cloudflare", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("CF_API_BASE", "https://api.cloudflare.com/client/v4"));
  net::HeaderList auth;
  std::string kind;
  if (settings.Has("CF_Token") || !settings.Has("CF_Key")) {
    MC_ASSIGN_OR_RETURN(std::string token,
                        settings.Secret("CF_Token",
                                        "an API token with Zone:Read and DNS:Edit "
                                        "permission, from "
                                        "dash.cloudflare.com/profile/api-tokens"));
    auth.emplace_back("Authorization", "Bearer " + token);
    kind = "API token";
  } else {
    MC_ASSIGN_OR_RETURN(std::string key, settings.Secret("CF_Key"));
    MC_ASSIGN_OR_RETURN(std::string email,
                        settings.Required("CF_Email", "the account's e-mail, used with CF_Key"));
    auth.emplace_back("X-Auth-Email", email);
    auth.emplace_back("X-Auth-Key", key);
    kind = "global API key of " + email;
  }
  return std::make_unique<CloudflareProvider>(
      api::JsonApi(settings, http, base, std::move(auth), CloudflareMessage), kind,
      settings.Optional("CF_Account_ID"), settings.Optional("CF_Zone_ID"));
}

}  // namespace mailcert::challenge
