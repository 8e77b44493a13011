// Hetzner Cloud API v1, DNS part (docs.hetzner.cloud/reference/cloud: Zones, Zone RRSets, Zone
// RRSet Actions, Actions), the API acme.sh's dns_hetznercloud speaks with HETZNER_TOKEN,
// HETZNER_TTL and HETZNER_API. Hetzner moves DNS there from the DNS Console (dns.hetzner.com,
// our `hetzner` provider); the two APIs take different tokens.
//
// From Hetzner's documentation:
// - base https://api.hetzner.cloud/v1, header "Authorization: Bearer <project API token>";
// - GET /zones/{id_or_name} → {"zone":{"id":n,"name":s,"mode":"primary"|"secondary",…}};
//   records change only in primary zones (422 incorrect_zone_mode otherwise);
// - GET /zones/{id_or_name}/rrsets/{rr_name}/{rr_type} → {"rrset":{"name","type","ttl",
//   "records":[{"value","comment"}]}}; rr_name is lower case and relative to the zone, "@" for
//   the apex; a TXT value is one or more quoted strings;
// - POST …/rrsets/{rr_name}/TXT/actions/add_records {"ttl":n,"records":[{"value":s}]} creates
//   the RRSet when missing and appends otherwise; "ttl", when sent, must equal the TTL an
//   existing RRSet has, so it is sent only when the RRSet is new;
// - POST …/actions/remove_records {"records":[{"value":s}]} deletes the RRSet once empty;
// - both answer with {"action":{"id","command","status":"running"|"success"|"error",
//   "error":{"code","message"}|null}}, and GET /actions/{id} → {"action":…} tells how it ended;
// - errors are {"error":{"code":s,"message":s,"details":…}}, codes such as forbidden,
//   token_readonly ("only allowed to perform GET requests"), not_found, rate_limit_exceeded;
// - rate limit: 429 when exceeded; the allowance grows back by one request per second.
//
// Assumed (not in the documentation we could read): the 401 body's code ("unauthorized"); that
// an unknown zone and a missing RRSet answer 404; that a 429 may carry Retry-After (honoured
// once, at most a minute; one second without it); that actions finish within seconds (polled
// every 250 ms growing to 2 s, for at most HETZNER_MAX_ATTEMPTS seconds, default 60 — acme.sh
// reads that setting as a number of one-second polls). What add_records does with a value the
// RRSet already has, and remove_records with one it lacks, is not documented either: the RRSet
// is read first and nothing is sent then; a 404 from remove_records counts as already gone.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/json_api.h"
#include "challenge/providers/providers.h"
#include "util/log.h"
#include "util/strings.h"
#include "util/time.h"

namespace mailcert::challenge {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kDefaultTtl = 120;  // acme.sh's default for HETZNER_TTL
constexpr int kDefaultWaitSeconds = 60;
constexpr milliseconds kFirstPoll{250};
constexpr milliseconds kLongestPoll{2000};
constexpr seconds kLongestRetryAfter{60};

// {"error":{"code":"forbidden","message":"…"}} → "… (forbidden)".
std::string HetznerCloudMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "hetznercloud");
  if (!json || !json->is_object() || !json->contains("error") || !(*json)["error"].is_object()) {
    return api::BodySnippet(response.body);
  }
  const util::Json& error = (*json)["error"];
  std::string message = util::OptionalString(error, "message").value_or("");
  std::string code = util::OptionalString(error, "code").value_or("");
  if (code.empty()) return message;
  return message.empty() ? code : message + " (" + code + ")";
}

std::string ErrorCodeOf(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "hetznercloud");
  if (!json || !json->is_object() || !json->contains("error")) return "";
  return util::OptionalString((*json)["error"], "code").value_or("");
}

// A whole number of seconds from `min` to `max`. Errors: kInvalidInput naming the setting.
util::Result<int> WholeSeconds(const api::Settings& settings, const std::string& name, int fallback,
                               int min, int max) {
  std::string text = settings.Optional(name);
  if (text.empty()) return fallback;
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "hetznercloud: " + name + " must be a whole number of seconds from " +
                          std::to_string(min) + " to " + std::to_string(max) + ", not " +
                          util::Quote(text));
  }
  return value;
}

// The TXT RRSet at one name: its values as the API holds them (quoted) and unquoted.
struct RrSet {
  std::vector<std::string> stored;  // "\"abc\""
  std::vector<std::string> values;  // "abc"

  std::optional<std::string> Stored(const std::string& value) const {
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] == value) return stored[i];
    }
    return std::nullopt;
  }
};

class HetznerCloudProvider final : public DnsProvider {
 public:
  HetznerCloudProvider(api::JsonApi api, int ttl, seconds action_wait)
      : api_(std::move(api)), ttl_(ttl), action_wait_(action_wait) {}

  std::string Describe() const override {
    return "hetznercloud (" + api::HostOf(api_.base()) + ", API token)";
  }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    const std::string what = "add TXT " + fqdn;
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    const std::string path = RrSetPath(zone_id, zone, fqdn);
    MC_ASSIGN_OR_RETURN(std::optional<RrSet> rrset, ReadRrSet(path, fqdn));
    if (rrset && rrset->Stored(value)) return {};
    util::Json body = {{"records", util::Json::array({{{"value", api::QuoteTxt(value)}}})}};
    if (!rrset) body["ttl"] = ttl_;  // an existing RRSet keeps its TTL (the API insists)
    MC_ASSIGN_OR_RETURN(net::HttpResponse response,
                        Call("POST", path + "/actions/add_records", &body));
    if (!api::IsSuccess(response)) return util::Fail(Failure(what, response));
    return AwaitAction(response, what);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    const std::string what = "remove TXT " + fqdn;
    MC_ASSIGN_OR_RETURN(std::string zone_id, FindZone(zone));
    const std::string path = RrSetPath(zone_id, zone, fqdn);
    MC_ASSIGN_OR_RETURN(std::optional<RrSet> rrset, ReadRrSet(path, fqdn));
    std::optional<std::string> stored = rrset ? rrset->Stored(value) : std::nullopt;
    if (!stored) return {};  // not there: nothing to remove
    util::Json body = {{"records", util::Json::array({{{"value", *stored}}})}};
    MC_ASSIGN_OR_RETURN(net::HttpResponse response,
                        Call("POST", path + "/actions/remove_records", &body));
    if (response.status == 404) return {};  // the RRSet went meanwhile
    if (!api::IsSuccess(response)) return util::Fail(Failure(what, response));
    return AwaitAction(response, what);
  }

 private:
  // One request; a 429 is retried once after its Retry-After. Errors: those of JsonApi::Call.
  util::Result<net::HttpResponse> Call(const std::string& method, const std::string& path,
                                       const util::Json* body = nullptr) const {
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, api_.Call(method, path, body));
    if (response.status != 429) return response;
    seconds wait{1};
    if (auto header = response.Header("retry-after")) {
      wait = util::ParseRetryAfter(*header, std::chrono::system_clock::now()).value_or(wait);
    }
    wait = std::min(wait, kLongestRetryAfter);
    util::LogInfo("hetznercloud: rate limited by the API; trying again in " +
                  util::HumanDuration(wait));
    std::this_thread::sleep_for(wait);
    return api_.Call(method, path, body);
  }

  // The error for a refused request; 401 and 403 say what is wrong with the token.
  util::Error Failure(const std::string& what, const net::HttpResponse& response) const {
    if (response.status != 401 && response.status != 403) return api_.Failure(what, response);
    std::string hint;
    if (response.status == 401) {
      hint =
          "HETZNER_TOKEN was not accepted: it must be an API token of the Hetzner Cloud "
          "project holding the zone (console.hetzner.cloud → Security → API tokens), not a "
          "DNS Console token";
    } else if (ErrorCodeOf(response) == "token_readonly") {
      hint = "HETZNER_TOKEN is read-only: create a token with Read & Write permission";
    } else {
      hint =
          "HETZNER_TOKEN may not change DNS records of this zone: it needs Read & Write "
          "permission in the project holding the zone";
    }
    std::string message = what + ": HTTP " + std::to_string(response.status);
    std::string said = HetznerCloudMessage(response);
    if (!said.empty()) message += ": " + said;
    return api_.Make(util::ErrorCode::kInvalidInput, message + " — " + hint);
  }

  // GET path, answered 2xx with JSON. Errors: those of Call and Failure; kProtocol (not JSON).
  util::Result<util::Json> GetJson(const std::string& path, const std::string& what) const {
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, Call("GET", path));
    if (!api::IsSuccess(response)) return util::Fail(Failure(what, response));
    return api_.ParseJson(what, response);
  }

  // The zone's id, looked up once by the name mailcert found through the zone's SOA.
  // Errors: kNotFound when the token's project does not hold the zone; kInvalidInput for a
  // secondary zone, whose records change at its primary.
  util::Result<std::string> FindZone(const std::string& zone) {
    if (auto cached = zones_.Find(zone)) return *cached;
    const std::string name = api::CanonicalName(zone);
    const std::string what = "look up zone " + zone;
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, Call("GET", "/zones/" + api::UrlEncode(name)));
    if (response.status == 404) {
      return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                  "zone " + zone +
                                      " is not in the Hetzner Cloud project of this token "
                                      "(a zone still in the DNS Console at dns.hetzner.com "
                                      "needs provider hetzner)"));
    }
    if (!api::IsSuccess(response)) return util::Fail(Failure(what, response));
    MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
    const util::Json& found = json.is_object() && json.contains("zone") ? json["zone"] : json;
    if (util::OptionalString(found, "mode").value_or("primary") == "secondary") {
      return util::Fail(
          api_.Make(util::ErrorCode::kInvalidInput, "zone " + zone +
                                                        " is a secondary zone at Hetzner; its "
                                                        "records change at its primary server"));
    }
    std::string id = api::IdOf(found);
    return zones_.Remember(zone, id.empty() ? name : id);
  }

  static std::string RrSetPath(const std::string& zone_id, const std::string& zone,
                               const std::string& fqdn) {
    std::string name = api::RelativeName(fqdn, zone);  // lower case, "@" for the apex
    return "/zones/" + api::UrlEncode(zone_id) + "/rrsets/" +
           (name == "@" ? name : api::UrlEncode(name)) + "/TXT";
  }

  // The TXT RRSet at `path`, or nullopt when there is none.
  util::Result<std::optional<RrSet>> ReadRrSet(const std::string& path, const std::string& fqdn) {
    const std::string what = "read TXT " + fqdn;
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, Call("GET", path));
    if (response.status == 404) return std::optional<RrSet>();
    if (!api::IsSuccess(response)) return util::Fail(Failure(what, response));
    MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
    RrSet rrset;
    const util::Json& found = json.is_object() && json.contains("rrset") ? json["rrset"] : json;
    for (const util::Json& record : api::ArrayOf(found, "records")) {
      std::string stored = util::OptionalString(record, "value").value_or("");
      rrset.values.push_back(api::UnquoteTxt(stored));
      rrset.stored.push_back(std::move(stored));
    }
    return std::optional<RrSet>(std::move(rrset));
  }

  // Waits until the action a change answered with has finished.
  // Errors: kProtocol when it ended in error (its code and message) or the answer has no
  // action; kTimeout when it still runs after action_wait_; those of GetJson.
  util::Result<void> AwaitAction(const net::HttpResponse& response, const std::string& what) {
    MC_ASSIGN_OR_RETURN(util::Json json, api_.ParseJson(what, response));
    util::Json action =
        json.is_object() && json.contains("action") ? json["action"] : util::Json(nullptr);
    if (!action.is_object()) {
      return util::Fail(
          api_.Make(util::ErrorCode::kProtocol,
                    what + ": HTTP " + std::to_string(response.status) +
                        ": no action in the answer: " + api::BodySnippet(response.body)));
    }
    const std::string id = api::IdOf(action);
    const std::string command = util::OptionalString(action, "command").value_or("change");
    const std::string name = "action " + id + " (" + command + ")";
    const auto deadline = std::chrono::steady_clock::now() + action_wait_;
    milliseconds interval = kFirstPoll;
    for (;;) {
      std::string status = util::OptionalString(action, "status").value_or("");
      if (status == "success") return {};
      if (status == "error") {
        const util::Json& error = action.contains("error") ? action["error"] : util::Json();
        std::string code = util::OptionalString(error, "code").value_or("");
        std::string message = util::OptionalString(error, "message").value_or("");
        std::string reason = code.empty() ? message : code + ": " + message;
        return util::Fail(
            api_.Make(util::ErrorCode::kProtocol,
                      what + ": " + name + " failed" + (reason.empty() ? "" : ": " + reason)));
      }
      auto now = std::chrono::steady_clock::now();
      if (id.empty() || now >= deadline) {
        return util::Fail(api_.Make(
            util::ErrorCode::kTimeout,
            what + ": " + name + " still " + (status.empty() ? "unfinished" : status) + " after " +
                util::HumanDuration(action_wait_) +
                "; Hetzner may still apply it (HETZNER_MAX_ATTEMPTS sets the seconds to wait)"));
      }
      std::this_thread::sleep_for(std::min<milliseconds>(
          interval, std::chrono::duration_cast<milliseconds>(deadline - now)));
      interval = std::min(interval * 2, kLongestPoll);
      MC_ASSIGN_OR_RETURN(util::Json polled,
                          GetJson("/actions/" + api::UrlEncode(id), "follow " + name));
      action =
          polled.is_object() && polled.contains("action") ? polled["action"] : util::Json(nullptr);
    }
  }

  const api::JsonApi api_;
  const int ttl_;
  const seconds action_wait_;
  api::ZoneCache zones_;
};

}  // namespace

DnsProviderResult MakeHetznerCloudProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("hetznercloud", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("HETZNER_API", "https://api.hetzner.cloud/v1"));
  std::string hint =
      "an API token with Read & Write permission of the Hetzner Cloud project holding the zone, "
      "from console.hetzner.cloud → Security → API tokens";
  if (settings.Has("HETZNER_Token")) {
    hint += "; HETZNER_Token is the DNS Console's token, for provider hetzner (dns_hetzner)";
  }
  MC_ASSIGN_OR_RETURN(std::string token, settings.Secret("HETZNER_TOKEN", hint));
  MC_ASSIGN_OR_RETURN(int ttl, WholeSeconds(settings, "HETZNER_TTL", kDefaultTtl, 1, 2147483647));
  MC_ASSIGN_OR_RETURN(int wait,
                      WholeSeconds(settings, "HETZNER_MAX_ATTEMPTS", kDefaultWaitSeconds, 1, 3600));
  return std::make_unique<HetznerCloudProvider>(
      api::JsonApi(settings, http, base, {{"Authorization", "Bearer " + token}},
                   HetznerCloudMessage),
      ttl, seconds(wait));
}

}  // namespace mailcert::challenge
