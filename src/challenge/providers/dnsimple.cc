// DNSimple API v2 (developer.dnsimple.com/v2): "whoami" (GET /v2/whoami) gives the account of
// an account token, "Retrieve a zone" (GET /v2/{account}/zones/{zone}), "List zone records"
// (GET …/zones/{zone}/records?name=&type=TXT, paged by pagination.total_pages), "Create a zone
// record" (POST {"name","type","content","ttl"}, name relative, "" for the apex) and "Delete a
// zone record" (DELETE …/records/{id}, 204). Bearer authentication with an OAuth or API token;
// errors are {"message":s} with validation details in "errors".

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

std::string IdOf(const util::Json& item, const char* key = "id") {
  if (!item.is_object() || !item.contains(key) || item[key].is_null()) return "";
  return item[key].is_string() ? item[key].get<std::string>() : item[key].dump();
}

class DnsimpleProvider final : public DnsProvider {
 public:
  DnsimpleProvider(api::ApiClient api, std::string base, std::string token, std::string account)
      : api_(std::move(api)),
        base_(std::move(base)),
        token_(std::move(token)),
        account_(std::move(account)) {}

  std::string Describe() const override {
    return "dnsimple (" + api::HostOf(base_) + ", token" +
           (account_.empty() ? "" : ", account " + account_) + ")";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_path, ZonePath(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone_path, zone, fqdn));
    for (const Record& record : records) {
      if (record.content == value) return {};
    }
    util::Json body = {
        {"name", RecordName(fqdn, zone)}, {"type", "TXT"}, {"content", value}, {"ttl", kTtl}};
    return Expect(Call("POST", zone_path + "/records", &body), "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_path, ZonePath(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone_path, zone, fqdn));
    for (const Record& record : records) {
      if (record.content != value) continue;
      auto response = Call("DELETE", zone_path + "/records/" + record.id, nullptr);
      if (response && response->status == 404) continue;
      MC_RETURN_IF_ERROR(Expect(std::move(response), "remove TXT " + fqdn));
    }
    return {};
  }

 private:
  struct Record {
    std::string id;
    std::string content;
  };

  static std::string RecordName(const std::string& fqdn, const std::string& zone) {
    std::string name = api::RelativeName(fqdn, zone);
    return name == "@" ? "" : name;
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
      return util::Fail(api_.Failure(what, *response, DnsimpleMessage(*response)));
    }
    return {};
  }

  // The account comes from DNSimple_ACCOUNT_ID or, for an account token, from whoami.
  util::Result<std::string> Account() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!account_.empty()) return account_;
    std::string what = "find the account of the token (whoami)";
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, Call("GET", "/whoami", nullptr));
    MC_RETURN_IF_ERROR(Expect(response, what));
    MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
    std::string id;
    if (json.contains("data") && json["data"].is_object() && json["data"].contains("account")) {
      id = IdOf(json["data"]["account"]);
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
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, Call("GET", path, nullptr));
    if (response.status == 404) {
      return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                  "zone " + zone + " is not in DNSimple account " + account));
    }
    MC_RETURN_IF_ERROR(Expect(response, "look up zone " + zone));
    return path;
  }

  util::Result<std::vector<Record>> ListTxt(const std::string& zone_path, const std::string& zone,
                                            const std::string& fqdn) {
    std::string what = "list TXT " + fqdn;
    std::string name = RecordName(fqdn, zone);
    std::vector<Record> records;
    for (int page = 1; page <= kMaxPages; ++page) {
      MC_ASSIGN_OR_RETURN(net::HttpResponse response,
                          Call("GET",
                               zone_path + "/records?type=TXT&per_page=100&page=" +
                                   std::to_string(page) + "&name=" + api::UrlEncode(name),
                               nullptr));
      MC_RETURN_IF_ERROR(Expect(response, what));
      MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
      if (json.contains("data") && json["data"].is_array()) {
        for (const util::Json& item : json["data"]) {
          if (util::OptionalString(item, "type").value_or("") != "TXT") continue;
          if (util::ToLower(util::OptionalString(item, "name").value_or("")) != name) continue;
          records.push_back(
              {IdOf(item), api::UnquoteTxt(util::OptionalString(item, "content").value_or(""))});
        }
      }
      int64_t pages = 1;
      if (json.contains("pagination") && json["pagination"].is_object()) {
        pages = util::OptionalInt(json["pagination"], "total_pages").value_or(1);
      }
      if (page >= pages) break;
    }
    return records;
  }

  api::ApiClient api_;
  const std::string base_;
  const std::string token_;
  std::mutex mu_;
  std::string account_;  // guarded by mu_
};

}  // namespace

ApiProviderResult MakeDnsimpleProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("dnsimple", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("DNSimple_API_BASE", "https://api.dnsimple.com/v2"));
  MC_ASSIGN_OR_RETURN(std::string token, settings.Secret("DNSimple_OAUTH_TOKEN",
                                                         "an account API token from "
                                                         "dnsimple.com"));
  api::ApiClient api("dnsimple", http, settings.secrets());
  return std::make_unique<DnsimpleProvider>(std::move(api), base, token,
                                            settings.Optional("DNSimple_ACCOUNT_ID"));
}

}  // namespace mailcert::challenge
