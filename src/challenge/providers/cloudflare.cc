// Cloudflare DNS through API v4 (https://developers.cloudflare.com/api/): "List Zones"
// (GET /zones?name=), "List DNS Records" (GET /zones/{zone_id}/dns_records?type=&name=), "Create
// DNS Record" (POST), "Delete DNS Record" (DELETE /zones/{zone_id}/dns_records/{id}). Every
// answer is the envelope {"success":bool,"errors":[{"code":n,"message":s}],"result":…}.
// Authentication: an API token as "Authorization: Bearer" (what mailcow documents), or the
// legacy global key as X-Auth-Email + X-Auth-Key. A malformed token answers 400 with error 6003
// and the chained 6111 "Invalid format for Authorization header"; the exact code for a
// well-formed but unknown token was not confirmed (the fake answers 403, code 10000), so any
// 401/403 counts as a credential problem.

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

constexpr int kTtl = 120;  // acme.sh's; Cloudflare's minimum is 60 (1 means "automatic")

// "Authentication error (code 10000)"; nested error_chain messages follow their parent.
std::string CloudflareMessage(const util::Json& body) {
  std::vector<std::string> parts;
  auto add = [&](const util::Json& error) {
    if (!error.is_object()) return;
    std::string text = util::OptionalString(error, "message").value_or("");
    if (auto code = util::OptionalInt(error, "code")) {
      text += " (code " + std::to_string(*code) + ")";
    }
    if (!text.empty()) parts.push_back(text);
  };
  if (body.is_object() && body.contains("errors") && body["errors"].is_array()) {
    for (const util::Json& error : body["errors"]) {
      add(error);
      if (error.is_object() && error.contains("error_chain") && error["error_chain"].is_array()) {
        for (const util::Json& inner : error["error_chain"]) add(inner);
      }
    }
  }
  return util::Join(parts, "; ");
}

class CloudflareProvider final : public DnsProvider {
 public:
  CloudflareProvider(api::ApiClient api, std::string base, net::HeaderList auth,
                     std::string auth_kind, std::string account_id, std::string zone_id)
      : api_(std::move(api)),
        base_(std::move(base)),
        auth_(std::move(auth)),
        auth_kind_(std::move(auth_kind)),
        account_id_(std::move(account_id)),
        zone_id_(std::move(zone_id)) {}

  std::string Describe() const override {
    return "cloudflare (" + api::HostOf(base_) + ", " + auth_kind_ + ")";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone_id, fqdn));
    for (const Record& record : records) {
      if (record.content == value) return {};  // already there
    }
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
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone_id, fqdn));
    for (const Record& record : records) {
      if (record.content != value) continue;
      MC_ASSIGN_OR_RETURN(util::Json deleted,
                          Call("DELETE", "/zones/" + zone_id + "/dns_records/" + record.id,
                               "remove TXT " + fqdn, nullptr));
      (void)deleted;
    }
    return {};
  }

 private:
  struct Record {
    std::string id;
    std::string content;
  };

  // Sends one request and returns "result" of a successful envelope.
  util::Result<util::Json> Call(const std::string& method, const std::string& path,
                                const std::string& what, const util::Json* body) {
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.headers = auth_;
    request.headers.emplace_back("Accept", "application/json");
    if (body != nullptr) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = util::DumpJson(*body);
    }
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, api_.Send(request));
    auto json = api_.ParseJson(what, response);
    if (!json) return util::Fail(json.error());
    if (!api::IsSuccess(response) || !util::OptionalBool(*json, "success").value_or(false)) {
      return util::Fail(api_.Failure(what, response, CloudflareMessage(*json)));
    }
    return json->contains("result") ? (*json)["result"] : util::Json();
  }

  util::Result<std::string> FindZone(const std::string& zone) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto cached = zones_.find(api::CanonicalName(zone)); cached != zones_.end()) {
      return cached->second;
    }
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
    zones_[api::CanonicalName(zone)] = id;
    return id;
  }

  util::Result<std::vector<Record>> ListTxt(const std::string& zone_id, const std::string& fqdn) {
    std::string path = "/zones/" + zone_id + "/dns_records?type=TXT&per_page=100&name=" +
                       api::UrlEncode(api::CanonicalName(fqdn));
    MC_ASSIGN_OR_RETURN(util::Json result, Call("GET", path, "list TXT " + fqdn, nullptr));
    std::vector<Record> records;
    if (!result.is_array()) return records;
    for (const util::Json& item : result) {
      if (!api::SameName(util::OptionalString(item, "name").value_or(""), fqdn)) continue;
      records.push_back({util::OptionalString(item, "id").value_or(""),
                         api::UnquoteTxt(util::OptionalString(item, "content").value_or(""))});
    }
    return records;
  }

  api::ApiClient api_;
  const std::string base_;
  const net::HeaderList auth_;
  const std::string auth_kind_;
  const std::string account_id_;
  const std::string zone_id_;
  std::mutex mu_;
  std::map<std::string, std::string> zones_;  // zone name → id, guarded by mu_
};

}  // namespace

ApiProviderResult MakeCloudflareProvider(const ProviderSettings& values, net::HttpClient& http) {
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
  api::ApiClient api("cloudflare", http, settings.secrets());
  return std::make_unique<CloudflareProvider>(std::move(api), base, std::move(auth), kind,
                                              settings.Optional("CF_Account_ID"),
                                              settings.Optional("CF_Zone_ID"));
}

}  // namespace mailcert::challenge
