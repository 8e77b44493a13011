// Linode (Akamai) DNS Manager through API v4 (techdocs.akamai.com/linode-api/reference):
// "List domains" (GET /v4/domains, filtered with the X-Filter header {"domain":…}), "List
// domain records" (GET /v4/domains/{domainId}/records, paged: page, pages), "Create a domain
// record" (POST {"type","name","target","ttl_sec"}, name relative to the domain) and "Delete a
// domain record" (DELETE /v4/domains/{domainId}/records/{recordId}). Bearer token (a personal
// access token with Domains read/write); errors are {"errors":[{"reason":s,"field":s}]}.

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

// Linode rounds ttl_sec to the nearest value it offers; 300 is the smallest offered for
// records in the DNS Manager documentation.
constexpr int kTtl = 300;
constexpr int kMaxPages = 100;

std::string LinodeMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "linode");
  if (!json || !json->is_object()) return api::BodySnippet(response.body);
  std::vector<std::string> reasons;
  if (json->contains("errors") && (*json)["errors"].is_array()) {
    for (const util::Json& error : (*json)["errors"]) {
      std::string reason = util::OptionalString(error, "reason").value_or("");
      if (auto field = util::OptionalString(error, "field")) reason = *field + ": " + reason;
      if (!reason.empty()) reasons.push_back(reason);
    }
  }
  return util::Join(reasons, "; ");
}

class LinodeProvider final : public DnsProvider {
 public:
  LinodeProvider(api::ApiClient api, std::string base, std::string token)
      : api_(std::move(api)), base_(std::move(base)), token_(std::move(token)) {}

  std::string Describe() const override {
    return "linode (" + api::HostOf(base_) + ", personal access token)";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string domain_id, FindDomain(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(domain_id, zone, fqdn));
    for (const Record& record : records) {
      if (record.target == value) return {};
    }
    util::Json body = {
        {"type", "TXT"}, {"name", RecordName(fqdn, zone)}, {"target", value}, {"ttl_sec", kTtl}};
    return Expect(Call("POST", "/domains/" + domain_id + "/records", &body, {}), "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string domain_id, FindDomain(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(domain_id, zone, fqdn));
    for (const Record& record : records) {
      if (record.target != value) continue;
      auto response =
          Call("DELETE", "/domains/" + domain_id + "/records/" + record.id, nullptr, {});
      if (response && response->status == 404) continue;
      MC_RETURN_IF_ERROR(Expect(std::move(response), "remove TXT " + fqdn));
    }
    return {};
  }

 private:
  struct Record {
    std::string id;
    std::string target;
  };

  // Linode names the apex "".
  static std::string RecordName(const std::string& fqdn, const std::string& zone) {
    std::string name = api::RelativeName(fqdn, zone);
    return name == "@" ? "" : name;
  }

  static std::string IdOf(const util::Json& item) {
    if (!item.contains("id")) return "";
    return item["id"].is_string() ? item["id"].get<std::string>() : item["id"].dump();
  }

  util::Result<net::HttpResponse> Call(const std::string& method, const std::string& path,
                                       const util::Json* body, const std::string& filter) {
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.headers = {{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}};
    if (!filter.empty()) request.headers.emplace_back("X-Filter", filter);
    if (body != nullptr) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = util::DumpJson(*body);
    }
    return api_.Send(request);
  }

  util::Result<void> Expect(util::Result<net::HttpResponse> response, const std::string& what) {
    if (!response) return util::Fail(response.error());
    if (!api::IsSuccess(*response)) {
      return util::Fail(api_.Failure(what, *response, LinodeMessage(*response)));
    }
    return {};
  }

  // Every item of a paged list ({"data":[…],"page":n,"pages":m}).
  util::Result<std::vector<util::Json>> ListAll(const std::string& path, const std::string& what,
                                                const std::string& filter) {
    std::vector<util::Json> items;
    for (int page = 1; page <= kMaxPages; ++page) {
      MC_ASSIGN_OR_RETURN(
          net::HttpResponse response,
          Call("GET", path + "?page_size=500&page=" + std::to_string(page), nullptr, filter));
      MC_RETURN_IF_ERROR(Expect(response, what));
      MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
      if (json.contains("data") && json["data"].is_array()) {
        for (const util::Json& item : json["data"]) items.push_back(item);
      }
      if (page >= util::OptionalInt(json, "pages").value_or(1)) break;
    }
    return items;
  }

  util::Result<std::string> FindDomain(const std::string& zone) {
    std::string name = api::CanonicalName(zone);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto cached = domains_.find(name); cached != domains_.end()) return cached->second;
    }
    MC_ASSIGN_OR_RETURN(
        std::vector<util::Json> domains,
        ListAll("/domains", "look up domain " + zone, util::DumpJson({{"domain", name}})));
    for (const util::Json& item : domains) {
      if (api::SameName(util::OptionalString(item, "domain").value_or(""), name)) {
        std::string id = IdOf(item);
        std::lock_guard<std::mutex> lock(mu_);
        domains_[name] = id;
        return id;
      }
    }
    return util::Fail(
        api_.Make(util::ErrorCode::kNotFound, "domain " + zone + " is not in this Linode account"));
  }

  util::Result<std::vector<Record>> ListTxt(const std::string& domain_id, const std::string& zone,
                                            const std::string& fqdn) {
    MC_ASSIGN_OR_RETURN(std::vector<util::Json> items,
                        ListAll("/domains/" + domain_id + "/records", "list TXT " + fqdn, ""));
    std::vector<Record> records;
    std::string name = RecordName(fqdn, zone);
    for (const util::Json& item : items) {
      if (util::OptionalString(item, "type").value_or("") != "TXT") continue;
      if (util::ToLower(util::OptionalString(item, "name").value_or("")) != name) continue;
      records.push_back(
          {IdOf(item), api::UnquoteTxt(util::OptionalString(item, "target").value_or(""))});
    }
    return records;
  }

  api::ApiClient api_;
  const std::string base_;
  const std::string token_;
  std::mutex mu_;
  std::map<std::string, std::string> domains_;  // guarded by mu_
};

}  // namespace

ApiProviderResult MakeLinodeProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("linode", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("LINODE_V4_API_BASE", "https://api.linode.com/v4"));
  std::string hint =
      "a personal access token with Domains read/write, from "
      "cloud.linode.com/profile/tokens";
  if (settings.Has("LINODE_API_KEY") && !settings.Has("LINODE_V4_API_KEY")) {
    hint += "; LINODE_API_KEY was for Linode's retired v3 API and does not work with v4";
  }
  MC_ASSIGN_OR_RETURN(std::string token, settings.Secret("LINODE_V4_API_KEY", hint));
  api::ApiClient api("linode", http, settings.secrets());
  return std::make_unique<LinodeProvider>(std::move(api), base, token);
}

}  // namespace mailcert::challenge
