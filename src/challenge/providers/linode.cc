// Linode (Akamai) DNS Manager through API v4 (techdocs.akamai.com/linode-api/reference):
// "List domains" (GET /v4/domains, filtered with the X-Filter header {"domain":…}), "List
// domain records" (GET /v4/domains/{domainId}/records, paged: page, pages), "Create a domain
// record" (POST {"type","name","target","ttl_sec"}, name relative to the domain) and "Delete a
// domain record" (DELETE /v4/domains/{domainId}/records/{recordId}). Bearer token (a personal
// access token with Domains read/write); errors are {"errors":[{"reason":s,"field":s}]}.

#include <memory>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/json_api.h"
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
  explicit LinodeProvider(api::JsonApi api) : api_(std::move(api)) {}

  std::string Describe() const override {
    return "linode (" + api::HostOf(api_.base()) + ", personal access token)";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string domain_id, FindDomain(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(domain_id, zone, fqdn));
    if (api::HasValue(records, value)) return {};
    util::Json body = {
        {"type", "TXT"}, {"name", RecordName(fqdn, zone)}, {"target", value}, {"ttl_sec", kTtl}};
    return api_.Expect(api_.Call("POST", "/domains/" + domain_id + "/records", &body),
                       "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    MC_ASSIGN_OR_RETURN(std::string domain_id, FindDomain(zone));
    MC_ASSIGN_OR_RETURN(std::vector<api::TxtRecord> records, ListTxt(domain_id, zone, fqdn));
    return api::RemoveEach(records, value, [&](const api::TxtRecord& record) {
      return api_.Delete("/domains/" + domain_id + "/records/" + record.id, "remove TXT " + fqdn);
    });
  }

 private:
  // Linode names the apex "".
  static std::string RecordName(const std::string& fqdn, const std::string& zone) {
    std::string name = api::RelativeName(fqdn, zone);
    return name == "@" ? "" : name;
  }

  // Every item of a paged list ({"data":[…],"page":n,"pages":m}).
  util::Result<util::Json> ListAll(const std::string& path, const std::string& what,
                                   const net::HeaderList& filter) {
    util::Json items = util::Json::array();
    for (int page = 1; page <= kMaxPages; ++page) {
      MC_ASSIGN_OR_RETURN(
          util::Json json,
          api_.GetJson(path + "?page_size=500&page=" + std::to_string(page), what, filter));
      for (const util::Json& item : api::ArrayOf(json, "data")) items.push_back(item);
      if (page >= util::OptionalInt(json, "pages").value_or(1)) break;
    }
    return items;
  }

  util::Result<std::string> FindDomain(const std::string& zone) {
    if (auto cached = domains_.Find(zone)) return *cached;
    std::string name = api::CanonicalName(zone);
    MC_ASSIGN_OR_RETURN(util::Json domains,
                        ListAll("/domains", "look up domain " + zone,
                                {{"X-Filter", util::DumpJson({{"domain", name}})}}));
    for (const util::Json& item : domains) {
      if (api::SameName(util::OptionalString(item, "domain").value_or(""), name)) {
        return domains_.Remember(zone, api::IdOf(item));
      }
    }
    return util::Fail(
        api_.Make(util::ErrorCode::kNotFound, "domain " + zone + " is not in this Linode account"));
  }

  util::Result<std::vector<api::TxtRecord>> ListTxt(const std::string& domain_id,
                                                    const std::string& zone,
                                                    const std::string& fqdn) {
    MC_ASSIGN_OR_RETURN(util::Json items,
                        ListAll("/domains/" + domain_id + "/records", "list TXT " + fqdn, {}));
    return api::TxtRecordsNamed(items, RecordName(fqdn, zone), "target");
  }

  const api::JsonApi api_;
  api::ZoneCache domains_;
};

}  // namespace

DnsProviderResult MakeLinodeProvider(const ProviderSettings& values, net::HttpClient& http) {
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
  return std::make_unique<LinodeProvider>(
      api::JsonApi(settings, http, base, {{"Authorization", "Bearer " + token}}, LinodeMessage));
}

}  // namespace mailcert::challenge
