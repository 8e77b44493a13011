// Amazon Route 53 through its REST API, version 2013-04-01 (Amazon Route 53 API Reference):
// ListHostedZonesByName (GET /2013-04-01/hostedzonesbyname?dnsname=), ListResourceRecordSets
// (GET /2013-04-01/hostedzone/{Id}/rrset?name=&type=&maxitems=) and ChangeResourceRecordSets
// (POST /2013-04-01/hostedzone/{Id}/rrset with a ChangeResourceRecordSetsRequest document).
// Requests are signed with Signature Version 4 for region us-east-1, service route53.
//
// A TXT record set holds all values of a name, so adding is an UPSERT of the whole set with the
// value appended; removing is an UPSERT of the rest, or — for the last value — a DELETE that
// repeats the set exactly, as the API requires ("To delete a resource record set, you must
// specify all the same values that you specified when you created it").

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/aws_sigv4.h"
#include "challenge/providers/providers.h"
#include "challenge/providers/xml.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr int kTtl = 60;
constexpr char kApiVersion[] = "/2013-04-01";
constexpr char kNamespace[] = "https://route53.amazonaws.com/doc/2013-04-01/";

struct RecordSet {
  bool exists = false;
  int ttl = kTtl;
  std::vector<std::string> values;  // unquoted
};

// "SignatureDoesNotMatch: The request signature we calculated does not match…" from an
// ErrorResponse, or the Messages of an InvalidChangeBatch answer.
std::string Route53Message(const std::string& body, std::string* code) {
  auto root = api::ParseXml(body);
  if (!root) return api::BodySnippet(body);
  if (const api::XmlElement* error = root->Find("Error")) {
    if (code != nullptr) *code = error->ChildText("Code");
    return error->ChildText("Code") + ": " + error->ChildText("Message");
  }
  std::vector<std::string> messages;
  if (const api::XmlElement* list = root->Find("Messages")) {
    for (const api::XmlElement* message : list->Children("Message")) {
      messages.push_back(message->text);
    }
  }
  if (messages.empty()) return api::BodySnippet(body);
  if (code != nullptr) *code = root->name;
  return root->name + ": " + util::Join(messages, "; ");
}

class Route53Provider final : public DnsProvider {
 public:
  Route53Provider(api::ApiClient api, std::string base, api::SigV4Credentials credentials)
      : api_(std::move(api)), base_(std::move(base)), credentials_(std::move(credentials)) {}

  std::string Describe() const override {
    return "route53 (" + api::HostOf(base_) + ", access key " + credentials_.access_key_id + ")";
  }

  // An UPSERT replaces the whole record set.
  std::string RewriteLockName() const override { return "route53"; }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(RecordSet set, ReadSet(zone_id, fqdn));
    for (const std::string& existing : set.values) {
      if (existing == value) return {};
    }
    set.values.push_back(value);
    return Change(zone_id, "UPSERT", fqdn, set, "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    MC_ASSIGN_OR_RETURN(RecordSet set, ReadSet(zone_id, fqdn));
    RecordSet kept = set;
    std::erase(kept.values, value);
    if (kept.values.size() == set.values.size()) return {};  // not there
    if (kept.values.empty()) return Change(zone_id, "DELETE", fqdn, set, "remove TXT " + fqdn);
    return Change(zone_id, "UPSERT", fqdn, kept, "remove TXT " + fqdn);
  }

 private:
  util::Result<net::HttpResponse> Send(const std::string& method, const std::string& path,
                                       const std::string& body) {
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + kApiVersion + path;
    if (!body.empty()) {
      request.headers.emplace_back("Content-Type", "text/xml");
      request.body = body;
    }
    MC_RETURN_IF_ERROR(api::SignSigV4(request, credentials_, {"us-east-1", "route53"},
                                      std::chrono::system_clock::now()));
    return api_.Send(request);
  }

  util::Error Failure(const std::string& what, const net::HttpResponse& response) {
    std::string code;
    std::string message = Route53Message(response.body, &code);
    util::Error error = api_.Failure(what, response, message);
    // Route 53 throttles with 400 Throttling or PriorRequestNotComplete: a retry later helps.
    if (code == "Throttling" || code == "PriorRequestNotComplete") {
      error.code = util::ErrorCode::kRateLimited;
    }
    return error;
  }

  util::Result<std::string> FindZone(const std::string& zone) {
    if (auto cached = zones_.Find(zone)) return *cached;
    std::string name = api::CanonicalName(zone);
    std::string what = "look up hosted zone " + zone;
    MC_ASSIGN_OR_RETURN(
        net::HttpResponse response,
        Send("GET", "/hostedzonesbyname?dnsname=" + api::UrlEncode(name) + "&maxitems=10", ""));
    if (!api::IsSuccess(response)) return util::Fail(Failure(what, response));
    auto root = api::ParseXml(response.body);
    if (!root)
      return util::Fail(api_.Make(util::ErrorCode::kProtocol, what + ": " + root.error().message));
    // The list starts at the name asked for; a private zone of the same name is no use to a CA.
    std::string id;
    if (const api::XmlElement* zones = root->Find("HostedZones")) {
      for (const api::XmlElement* hosted : zones->Children("HostedZone")) {
        if (!api::SameName(hosted->ChildText("Name"), name)) continue;
        const api::XmlElement* config = hosted->Child("Config");
        if (config != nullptr && config->ChildText("PrivateZone") == "true") continue;
        id = hosted->ChildText("Id");
        break;
      }
    }
    if (id.starts_with("/hostedzone/")) id.erase(0, std::string("/hostedzone/").size());
    if (id.empty()) {
      return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                  "no public hosted zone " + zone +
                                      " in this AWS account (or the key may not list it: "
                                      "it needs route53:ListHostedZonesByName)"));
    }
    return zones_.Remember(zone, id);
  }

  util::Result<RecordSet> ReadSet(const std::string& zone_id, const std::string& fqdn) {
    std::string name = api::CanonicalName(fqdn) + ".";
    std::string what = "list TXT " + fqdn;
    MC_ASSIGN_OR_RETURN(net::HttpResponse response,
                        Send("GET",
                             "/hostedzone/" + zone_id + "/rrset?name=" + api::UrlEncode(name) +
                                 "&type=TXT&maxitems=1",
                             ""));
    if (!api::IsSuccess(response)) return util::Fail(Failure(what, response));
    auto root = api::ParseXml(response.body);
    if (!root)
      return util::Fail(api_.Make(util::ErrorCode::kProtocol, what + ": " + root.error().message));
    RecordSet set;
    const api::XmlElement* sets = root->Find("ResourceRecordSets");
    if (sets == nullptr) return set;
    // The listing starts at the name; the first set may belong to a later name.
    for (const api::XmlElement* rrset : sets->Children("ResourceRecordSet")) {
      if (!api::SameName(rrset->ChildText("Name"), name) || rrset->ChildText("Type") != "TXT") {
        continue;
      }
      set.exists = true;
      try {
        set.ttl = std::stoi(rrset->ChildText("TTL"));
      } catch (...) {
        set.ttl = kTtl;
      }
      if (const api::XmlElement* records = rrset->Child("ResourceRecords")) {
        for (const api::XmlElement* record : records->Children("ResourceRecord")) {
          set.values.push_back(api::UnquoteTxt(record->ChildText("Value")));
        }
      }
    }
    return set;
  }

  util::Result<void> Change(const std::string& zone_id, const std::string& action,
                            const std::string& fqdn, const RecordSet& set,
                            const std::string& what) {
    std::string records;
    for (const std::string& value : set.values) {
      records += "<ResourceRecord><Value>" + api::XmlEscape(api::QuoteTxt(value)) +
                 "</Value></ResourceRecord>";
    }
    std::string body = std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") +
                       "<ChangeResourceRecordSetsRequest xmlns=\"" + kNamespace + "\">" +
                       "<ChangeBatch><Comment>mailcert dns-01</Comment><Changes><Change>" +
                       "<Action>" + action + "</Action><ResourceRecordSet>" + "<Name>" +
                       api::XmlEscape(api::CanonicalName(fqdn) + ".") + "</Name>" +
                       "<Type>TXT</Type><TTL>" + std::to_string(set.ttl) + "</TTL>" +
                       "<ResourceRecords>" + records + "</ResourceRecords>" +
                       "</ResourceRecordSet></Change></Changes></ChangeBatch>" +
                       "</ChangeResourceRecordSetsRequest>";
    MC_ASSIGN_OR_RETURN(net::HttpResponse response,
                        Send("POST", "/hostedzone/" + zone_id + "/rrset", body));
    if (!api::IsSuccess(response)) return util::Fail(Failure(what, response));
    return {};
  }

  api::ApiClient api_;
  const std::string base_;
  const api::SigV4Credentials credentials_;
  std::mutex mu_;  // read-modify-write of whole record sets
  api::ZoneCache zones_;
};

}  // namespace

DnsProviderResult MakeRoute53Provider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("route53", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("AWS_ROUTE53_API_BASE", "https://route53.amazonaws.com"));
  api::SigV4Credentials credentials;
  MC_ASSIGN_OR_RETURN(credentials.access_key_id,
                      settings.Required("AWS_ACCESS_KEY_ID",
                                        "an IAM user's access key with "
                                        "route53:ChangeResourceRecordSets"));
  MC_ASSIGN_OR_RETURN(credentials.secret_access_key, settings.Secret("AWS_SECRET_ACCESS_KEY"));
  credentials.session_token = settings.Optional("AWS_SESSION_TOKEN");
  if (!credentials.session_token.empty()) settings.AddSecret(credentials.session_token);
  api::ApiClient api("route53", http, settings.secrets());
  return std::make_unique<Route53Provider>(std::move(api), base, std::move(credentials));
}

}  // namespace mailcert::challenge
