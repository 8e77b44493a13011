// IONOS DNS API v1 of IONOS hosting (developer.hosting.ionos.com/docs/dns), the API acme.sh's
// dns_ionos speaks: header X-API-Key "<public prefix>.<secret>"; "Get zones" (GET /v1/zones →
// [{"name","id","type"}]), "Get a zone" (GET /v1/zones/{zoneId}?recordName=&recordType=TXT →
// {"records":[{"id","name","type","content","ttl"}]}, record names fully qualified), "Create
// records" (POST /v1/zones/{zoneId}/records with an array) and "Delete a record" (DELETE
// /v1/zones/{zoneId}/records/{recordId}). Errors are [{"code":s,"message":s}].
//
// Not confirmed from IONOS's own pages (the OpenAPI document was not reachable): whether TXT
// content comes back quoted — both forms are accepted — and the smallest TTL; 300 is lego's.

#include <memory>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/json_api.h"
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
  IonosProvider(api::JsonApi api, std::string prefix)
      : api_(std::move(api)), prefix_(std::move(prefix)) {}

  std::string Describe() const override {
    return "ionos (" + api::HostOf(api_.base()) + ", API key " + prefix_ + ")";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(zone_id, fqdn));
    if (api::HasValue(records, value)) return {};
    util::Json body = util::Json::array({{{"name", api::CanonicalName(fqdn)},
                                          {"type", "TXT"},
                                          {"content", value},
                                          {"ttl", kTtl},
                                          {"prio", 0},
                                          {"disabled", false}}});
    return api_.Expect(api_.Call("POST", "/zones/" + zone_id + "/records", &body),
                       "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(zone_id, fqdn));
    return api::RemoveEach(records, value, [&](const api::TxtRecord& record) {
      return api_.Delete("/zones/" + zone_id + "/records/" + record.id, "remove TXT " + fqdn);
    });
  }

 private:
  util::Result<std::string> FindZone(const std::string& zone) {
    if (auto cached = zones_.Find(zone)) return *cached;
    MC_ASSIGN_OR_RETURN(util::Json json, api_.GetJson("/zones", "look up zone " + zone));
    if (json.is_array()) {
      for (const util::Json& item : json) {
        if (!api::SameName(util::OptionalString(item, "name").value_or(""), zone)) continue;
        return zones_.Remember(zone, util::OptionalString(item, "id").value_or(""));
      }
    }
    return util::Fail(
        api_.Make(util::ErrorCode::kNotFound, "zone " + zone + " is not in this IONOS account"));
  }

  util::Result<std::vector<api::TxtRecord>> ListTxt(const std::string& zone_id,
                                                    const std::string& fqdn) {
    std::string name = api::CanonicalName(fqdn);
    MC_ASSIGN_OR_RETURN(
        util::Json json,
        api_.GetJson("/zones/" + zone_id + "?recordType=TXT&recordName=" + api::UrlEncode(name),
                     "list TXT " + fqdn));
    return api::TxtRecordsNamed(api::ArrayOf(json, "records"), name, "content");
  }

  const api::JsonApi api_;
  const std::string prefix_;
  api::ZoneCache zones_;
};

}  // namespace

DnsProviderResult MakeIonosProvider(const ProviderSettings& values, net::HttpClient& http) {
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
  return std::make_unique<IonosProvider>(
      api::JsonApi(settings, http, base, {{"X-API-Key", key}}, IonosMessage), prefix);
}

}  // namespace mailcert::challenge
