// Hetzner DNS Console API v1 (dns.hetzner.com/api-docs), the API acme.sh's dns_hetzner and its
// HETZNER_Token speak: header Auth-API-Token; "Get All Zones" (GET /zones?name=), "Get All
// Records" (GET /records?zone_id=), "Create Record" (POST /records {"value","ttl","type","name",
// "zone_id"}, name relative to the zone) and "Delete Record" (DELETE /records/{id}).
// Errors are read from {"error":{"message":s,"code":n}} or a bare {"message":s}; the exact 401
// body and whether an unknown zone name answers 404 or an empty list were not confirmed from the
// documentation, so both are handled. Hetzner moves DNS into its Cloud API (api.hetzner.cloud,
// acme.sh's dns_hetznercloud with HETZNER_TOKEN); zones already moved need that API, which
// provider hetznercloud (hetznercloud.cc) speaks.

#include <memory>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/json_api.h"
#include "challenge/providers/providers.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr int kTtl = 60;

std::string HetznerMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "hetzner");
  if (!json || !json->is_object()) return api::BodySnippet(response.body);
  if (json->contains("error") && (*json)["error"].is_object()) {
    std::string message = util::OptionalString((*json)["error"], "message").value_or("");
    if (!message.empty()) return message;
  }
  return util::OptionalString(*json, "message").value_or("");
}

class HetznerProvider final : public DnsProvider {
 public:
  explicit HetznerProvider(api::JsonApi api) : api_(std::move(api)) {}

  std::string Describe() const override {
    return "hetzner (" + api::HostOf(api_.base()) + ", API token)";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(zone_id, zone, fqdn));
    if (api::HasValue(records, value)) return {};
    util::Json body = {{"value", value},
                       {"ttl", kTtl},
                       {"type", "TXT"},
                       {"name", api::RelativeName(fqdn, zone)},
                       {"zone_id", zone_id}};
    return api_.Expect(api_.Call("POST", "/records", &body), "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(zone_id, zone, fqdn));
    return api::RemoveEach(records, value, [&](const api::TxtRecord& record) {
      return api_.Delete("/records/" + api::UrlEncode(record.id), "remove TXT " + fqdn);
    });
  }

 private:
  util::Result<std::string> FindZone(const std::string& zone) {
    if (auto cached = zones_.Find(zone)) return *cached;
    std::string name = api::CanonicalName(zone);
    std::string what = "look up zone " + zone;
    MC_ASSIGN_OR_RETURN(net::HttpResponse response,
                        api_.Call("GET", "/zones?name=" + api::UrlEncode(name)));
    std::string id;
    if (response.status != 404) {  // the API answers 404 for a name it does not hold
      MC_RETURN_IF_ERROR(api_.Expect(response, what));
      MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
      for (const util::Json& item : api::ArrayOf(json, "zones")) {
        if (api::SameName(util::OptionalString(item, "name").value_or(""), name)) {
          id = util::OptionalString(item, "id").value_or("");
          break;
        }
      }
    }
    if (id.empty()) {
      return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                  "zone " + zone + " is not in this Hetzner DNS Console account"));
    }
    return zones_.Remember(zone, id);
  }

  util::Result<std::vector<api::TxtRecord>> ListTxt(const std::string& zone_id,
                                                    const std::string& zone,
                                                    const std::string& fqdn) {
    MC_ASSIGN_OR_RETURN(util::Json json, api_.GetJson("/records?zone_id=" + api::UrlEncode(zone_id),
                                                      "list TXT " + fqdn));
    return api::TxtRecordsNamed(api::ArrayOf(json, "records"), api::RelativeName(fqdn, zone),
                                "value");
  }

  const api::JsonApi api_;
  api::ZoneCache zones_;
};

}  // namespace

DnsProviderResult MakeHetznerProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("hetzner", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("HETZNER_API_BASE", "https://dns.hetzner.com/api/v1"));
  MC_ASSIGN_OR_RETURN(std::string token, settings.Secret("HETZNER_Token",
                                                         "an API token from "
                                                         "dns.hetzner.com/settings/api-token"));
  return std::make_unique<HetznerProvider>(
      api::JsonApi(settings, http, base, {{"Auth-API-Token", token}}, HetznerMessage));
}

}  // namespace mailcert::challenge
