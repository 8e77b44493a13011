// DNSimple API v2 (developer.dnsimple.com/v2): "whoami" (GET /v2/whoami) gives the account of
// an account token, "Retrieve a zone" (GET /v2/{account}/zones/{zone}), "List zone records"
// (GET …/zones/{zone}/records?name=&type=TXT, paged by pagination.total_pages), "Create a zone
// record" (POST {"name","type","content","ttl"}, name relative, "" for the apex) and "Delete a
// zone record" (DELETE …/records/{id}, 204). Bearer authentication with an OAuth or API token;
// errors are {"message":s} with validation details in "errors".

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
constexpr int kMaxPages = 100;

std::string DnsimpleMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "dnsimple");
  if (!json || !json->is_object()) return api::BodySnippet(response.body);
  std::string message = util::OptionalString(*json, "message").value_or("");
  if (json->contains("errors") && (*json)["errors"].is_object()) {
    for (const auto& [field, problems] : (*json)["errors"].items()) {
      if (!problems.is_array()) continue;
      for (const util::Json& problem : problems) {
        if (problem.is_string()) message += "; " + field + ": " + problem.get<std::string>();
      }
    }
  }
  return message;
}

class DnsimpleProvider final : public DnsProvider {
 public:
  DnsimpleProvider(api::JsonApi api, std::string account)
      : api_(std::move(api)), account_(std::move(account)) {}

  std::string Describe() const override {
    return "dnsimple (" + api::HostOf(api_.base()) + ", token" +
           (account_.empty() ? "" : ", account " + account_) + ")";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_path, ZonePath(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(zone_path, zone, fqdn));
    if (api::HasValue(records, value)) return {};
    util::Json body = {
        {"name", RecordName(fqdn, zone)}, {"type", "TXT"}, {"content", value}, {"ttl", kTtl}};
    return api_.Expect(api_.Call("POST", zone_path + "/records", &body), "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_path, ZonePath(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(zone_path, zone, fqdn));
    return api::RemoveEach(records, value, [&](const api::TxtRecord& record) {
      return api_.Delete(zone_path + "/records/" + record.id, "remove TXT " + fqdn);
    });
  }

 private:
  static std::string RecordName(const std::string& fqdn, const std::string& zone) {
    std::string name = api::RelativeName(fqdn, zone);
    return name == "@" ? "" : name;
  }

  // The account comes from DNSimple_ACCOUNT_ID or, for an account token, from whoami.
  util::Result<std::string> Account() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!account_.empty()) return account_;
    MC_ASSIGN_OR_RETURN(util::Json json,
                        api_.GetJson("/whoami", "find the account of the token (whoami)"));
    std::string id;
    if (json.contains("data") && json["data"].is_object() && json["data"].contains("account")) {
      id = api::IdOf(json["data"]["account"]);
    }
    if (id.empty()) {
      return util::Fail(api_.Make(util::ErrorCode::kInvalidInput,
                                  "the token is a user token; set DNSimple_ACCOUNT_ID to the "
                                  "account that holds the zone, or use an account token"));
    }
    account_ = id;
    return account_;
  }

  util::Result<std::string> ZonePath(const std::string& zone) {
    MC_ASSIGN_OR_RETURN(std::string account, Account());
    std::string path =
        "/" + api::UrlEncode(account) + "/zones/" + api::UrlEncode(api::CanonicalName(zone));
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, api_.Call("GET", path));
    if (response.status == 404) {
      return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                  "zone " + zone + " is not in DNSimple account " + account));
    }
    MC_RETURN_IF_ERROR(api_.Expect(response, "look up zone " + zone));
    return path;
  }

  util::Result<std::vector<api::TxtRecord>> ListTxt(const std::string& zone_path,
                                                    const std::string& zone,
                                                    const std::string& fqdn) {
    std::string name = RecordName(fqdn, zone);
    std::vector<api::TxtRecord> records;
    for (int page = 1; page <= kMaxPages; ++page) {
      MC_ASSIGN_OR_RETURN(util::Json json,
                          api_.GetJson(zone_path + "/records?type=TXT&per_page=100&page=" +
                                           std::to_string(page) + "&name=" + api::UrlEncode(name),
                                       "list TXT " + fqdn));
      std::vector<api::TxtRecord> found =
          api::TxtRecordsNamed(api::ArrayOf(json, "data"), name, "content");
      records.insert(records.end(), found.begin(), found.end());
      int64_t pages = 1;
      if (json.contains("pagination") && json["pagination"].is_object()) {
        pages = util::OptionalInt(json["pagination"], "total_pages").value_or(1);
      }
      if (page >= pages) break;
    }
    return records;
  }

  const api::JsonApi api_;
  std::mutex mu_;
  std::string account_;  // guarded by mu_
};

}  // namespace

DnsProviderResult MakeDnsimpleProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("dnsimple", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("DNSimple_API_BASE", "https://api.dnsimple.com/v2"));
  MC_ASSIGN_OR_RETURN(std::string token, settings.Secret("DNSimple_OAUTH_TOKEN",
                                                         "an account API token from "
                                                         "dnsimple.com"));
  return std::make_unique<DnsimpleProvider>(
      api::JsonApi(settings, http, base, {{"Authorization", "Bearer " + token}}, DnsimpleMessage),
      settings.Optional("DNSimple_ACCOUNT_ID"));
}

}  // namespace mailcert::challenge
