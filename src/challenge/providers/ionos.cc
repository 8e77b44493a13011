// IONOS DNS API v1 of IONOS hosting (developer.hosting.ionos.com/docs/dns), the API acme.sh's
// dns_ionos speaks: header X-API-Key "<public prefix>.<secret>"; "Get zones" (GET /v1/zones →
// [{"name","id","type"}]), "Get a zone" (GET /v1/zones/{zoneId}?recordName=&recordType=TXT →
// {"records":[{"id","name","type","content","ttl"}]}, record names fully qualified), "Create
// records" (POST /v1/zones/{zoneId}/records with an array) and "Delete a record" (DELETE
// /v1/zones/{zoneId}/records/{recordId}). Errors are [{"code":s,"message":s}].
//
// Not confirmed from IONOS's own pages (the OpenAPI document was not reachable): whether TXT
// content comes back quoted — both forms are accepted — and the smallest TTL; 300 is lego's.

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

constexpr int kTtl = 300;

std::string IonosMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "ionos");
  if (!json) return api::BodySnippet(response.body);
  std::vector<std::string> parts;
  auto add = [&](const util::Json& error) {
    std::string code = util::OptionalString(error, "code").value_or("");
    std::string message = util::OptionalString(error, "message").value_or("");
    if (!code.empty() || !message.empty()) {
      parts.push_back(code.empty() ? message : code + ": " + message);
    }
  };
  if (json->is_array()) {
    for (const util::Json& error : *json) add(error);
  } else if (json->is_object()) {
    add(*json);
  }
  return util::Join(parts, "; ");
}

class IonosProvider final : public DnsProvider {
 public:
  IonosProvider(api::ApiClient api, std::string base, std::string key, std::string prefix)
      : api_(std::move(api)),
        base_(std::move(base)),
        key_(std::move(key)),
        prefix_(std::move(prefix)) {}

  std::string Describe() const override {
    return "ionos (" + api::HostOf(base_) + ", API key " + prefix_ + ")";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone_id, fqdn));
    for (const Record& record : records) {
      if (record.content == value) return {};
    }
    util::Json body = util::Json::array({{{"name", api::CanonicalName(fqdn)},
                                          {"type", "TXT"},
                                          {"content", value},
                                          {"ttl", kTtl},
                                          {"prio", 0},
                                          {"disabled", false}}});
    return Expect(Call("POST", "/zones/" + zone_id + "/records", &body), "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<Record> records, ListTxt(zone_id, fqdn));
    for (const Record& record : records) {
      if (record.content != value) continue;
      auto response = Call("DELETE", "/zones/" + zone_id + "/records/" + record.id, nullptr);
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

  util::Result<net::HttpResponse> Call(const std::string& method, const std::string& path,
                                       const util::Json* body) {
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.headers = {{"X-API-Key", key_}, {"Accept", "application/json"}};
    if (body != nullptr) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = util::DumpJson(*body);
    }
    return api_.Send(request);
  }

  util::Result<void> Expect(util::Result<net::HttpResponse> response, const std::string& what) {
    if (!response) return util::Fail(response.error());
    if (!api::IsSuccess(*response)) {
      return util::Fail(api_.Failure(what, *response, IonosMessage(*response)));
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
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, Call("GET", "/zones", nullptr));
    MC_RETURN_IF_ERROR(Expect(response, what));
    MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
    if (json.is_array()) {
      for (const util::Json& item : json) {
        if (!api::SameName(util::OptionalString(item, "name").value_or(""), name)) continue;
        std::string id = util::OptionalString(item, "id").value_or("");
        std::lock_guard<std::mutex> lock(mu_);
        zones_[name] = id;
        return id;
      }
    }
    return util::Fail(
        api_.Make(util::ErrorCode::kNotFound, "zone " + zone + " is not in this IONOS account"));
  }

  util::Result<std::vector<Record>> ListTxt(const std::string& zone_id, const std::string& fqdn) {
    std::string what = "list TXT " + fqdn;
    std::string name = api::CanonicalName(fqdn);
    MC_ASSIGN_OR_RETURN(
        net::HttpResponse response,
        Call("GET", "/zones/" + zone_id + "?recordType=TXT&recordName=" + api::UrlEncode(name),
             nullptr));
    MC_RETURN_IF_ERROR(Expect(response, what));
    MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
    std::vector<Record> records;
    if (!json.contains("records") || !json["records"].is_array()) return records;
    for (const util::Json& item : json["records"]) {
      if (util::OptionalString(item, "type").value_or("") != "TXT") continue;
      if (!api::SameName(util::OptionalString(item, "name").value_or(""), name)) continue;
      records.push_back({util::OptionalString(item, "id").value_or(""),
                         api::UnquoteTxt(util::OptionalString(item, "content").value_or(""))});
    }
    return records;
  }

  api::ApiClient api_;
  const std::string base_;
  const std::string key_;
  const std::string prefix_;
  std::mutex mu_;
  std::map<std::string, std::string> zones_;  // guarded by mu_
};

}  // namespace

ApiProviderResult MakeIonosProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("ionos", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("IONOS_API_BASE", "https://api.hosting.ionos.com/dns/v1"));
  std::string prefix;
  std::string key;
  if (settings.Has("IONOS_API_KEY") && !settings.Has("IONOS_PREFIX")) {
    // lego's (and mailcow's page's) single variable: "<prefix>.<secret>".
    MC_ASSIGN_OR_RETURN(key, settings.Secret("IONOS_API_KEY"));
    size_t dot = key.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == key.size()) {
      return util::Fail(util::ErrorCode::kInvalidInput,
                        "ionos: IONOS_API_KEY must be \"<public prefix>.<secret>\"");
    }
    prefix = key.substr(0, dot);
  } else {
    MC_ASSIGN_OR_RETURN(prefix, settings.Required("IONOS_PREFIX",
                                                  "the API key's public prefix, "
                                                  "from developer.hosting."
                                                  "ionos.com"));
    MC_ASSIGN_OR_RETURN(std::string secret, settings.Secret("IONOS_SECRET"));
    key = prefix + "." + secret;
    settings.AddSecret(key);
  }
  api::ApiClient api("ionos", http, settings.secrets());
  return std::make_unique<IonosProvider>(std::move(api), base, key, prefix);
}

}  // namespace mailcert::challenge
