// Google Cloud DNS, API v1 (cloud.google.com/dns/docs/reference/rest/v1). Authentication is a
// service account's key: a JWT signed RS256 with its private key (iss = client_email, scope
// https://www.googleapis.com/auth/ndev.clouddns.readwrite, aud = the token URI, at most one
// hour) exchanged at the key's token_uri with grant_type
// urn:ietf:params:oauth:grant-type:jwt-bearer (Google's "Using OAuth 2.0 for Server to Server
// Applications", RFC 7523). Then: managedZones.list?dnsName=, resourceRecordSets.list?name=
// &type=TXT, and changes.create, whose deletions must repeat the existing set exactly — so a
// change fails instead of losing a value written by someone else in between.
// Errors: {"error":{"code":n,"message":s,"status":s}}; the token endpoint's
// {"error":"invalid_grant","error_description":"Invalid JWT Signature."}.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/json_api.h"
#include "challenge/providers/providers.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "sys/fs.h"
#include "util/base64.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr int kTtl = 60;
constexpr char kScope[] = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";
constexpr char kDefaultTokenUri[] = "https://oauth2.googleapis.com/token";

struct ServiceAccount {
  std::string client_email;
  std::string private_key_id;
  std::string project_id;
  std::string token_uri;
  std::unique_ptr<crypto::JwsSigner> signer;
};

std::string GoogleMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "gcloud");
  if (!json || !json->is_object()) return api::BodySnippet(response.body);
  if (json->contains("error") && (*json)["error"].is_object()) {
    const util::Json& error = (*json)["error"];
    std::string status = util::OptionalString(error, "status").value_or("");
    std::string message = util::OptionalString(error, "message").value_or("");
    return status.empty() ? message : status + ": " + message;
  }
  std::string error = util::OptionalString(*json, "error").value_or("");
  std::string description = util::OptionalString(*json, "error_description").value_or("");
  return error.empty() ? description : error + ": " + description;
}

class GcloudProvider final : public DnsProvider {
 public:
  GcloudProvider(api::ApiClient api, std::string base, std::string project, ServiceAccount account)
      : api_(std::move(api)),
        base_(std::move(base)),
        project_(std::move(project)),
        account_(std::move(account)) {}

  std::string Describe() const override {
    return "gcloud (" + api::HostOf(base_) + ", project " + project_ + ", " +
           account_.client_email + ")";
  }

  // A change replaces the whole record set; its deletion must repeat the set as read, so a
  // concurrent change makes it fail rather than lose a value — the lock spares that failure.
  std::string RewriteLockName() const override { return "gcloud"; }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    MC_ASSIGN_OR_RETURN(std::string managed_zone, FindZone(zone));
    MC_ASSIGN_OR_RETURN(util::Json existing, ReadSet(managed_zone, fqdn));
    std::vector<std::string> values = Values(existing);
    for (const std::string& present : values) {
      if (present == value) return {};
    }
    values.push_back(value);
    return ChangeSet(managed_zone, fqdn, existing, values, "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    MC_ASSIGN_OR_RETURN(std::string managed_zone, FindZone(zone));
    MC_ASSIGN_OR_RETURN(util::Json existing, ReadSet(managed_zone, fqdn));
    std::vector<std::string> values = Values(existing);
    size_t before = values.size();
    std::erase(values, value);
    if (values.size() == before) return {};
    return ChangeSet(managed_zone, fqdn, existing, values, "remove TXT " + fqdn);
  }

 private:
  static std::vector<std::string> Values(const util::Json& set) {
    std::vector<std::string> values;
    for (const std::string& data : util::StringArray(set, "rrdatas")) {
      values.push_back(api::UnquoteTxt(data));
    }
    return values;
  }

  // A signed JWT assertion exchanged for an access token (RFC 7523 §2.1).
  util::Result<std::string> Token() {
    return token_.Get(
        api_, "get a token for " + account_.client_email, [&]() -> util::Result<net::HttpRequest> {
          MC_ASSIGN_OR_RETURN(std::string assertion, Assertion());
          return api::TokenRequest(account_.token_uri,
                                   {{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                                    {"assertion", assertion}});
        });
  }

  // The JWT, signed RS256 with the key, valid for an hour from now.
  util::Result<std::string> Assertion() const {
    int64_t issued = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    util::Json header = {{"alg", "RS256"}, {"typ", "JWT"}};
    if (!account_.private_key_id.empty()) header["kid"] = account_.private_key_id;
    util::Json claims = {{"iss", account_.client_email},
                         {"scope", kScope},
                         {"aud", account_.token_uri},
                         {"iat", issued},
                         {"exp", issued + 3600}};
    std::string input = util::Base64UrlEncode(util::DumpJson(header)) + "." +
                        util::Base64UrlEncode(util::DumpJson(claims));
    MC_ASSIGN_OR_RETURN(std::string signature, account_.signer->Sign(input));
    return input + "." + util::Base64UrlEncode(signature);
  }

  util::Result<util::Json> Call(const std::string& method, const std::string& path,
                                const std::string& what, const util::Json* body) {
    MC_ASSIGN_OR_RETURN(std::string token, Token());
    std::string url = base_ + "/projects/" + api::UrlEncode(project_) + path;
    MC_ASSIGN_OR_RETURN(
        net::HttpResponse response,
        api_.Send(api::JsonRequest(method, url, {{"Authorization", "Bearer " + token}}, body)));
    MC_RETURN_IF_ERROR(api_.Expect(response, what));
    return api_.ParseJson(what, response);
  }

  util::Result<std::string> FindZone(const std::string& zone) {
    if (auto cached = zones_.Find(zone)) return *cached;
    std::string name = api::CanonicalName(zone);
    MC_ASSIGN_OR_RETURN(util::Json json,
                        Call("GET", "/managedZones?dnsName=" + api::UrlEncode(name + "."),
                             "look up zone " + zone, nullptr));
    for (const util::Json& item : api::ArrayOf(json, "managedZones")) {
      // A private zone of the same name is invisible to the CA.
      if (util::OptionalString(item, "visibility").value_or("public") == "private") continue;
      if (!api::SameName(util::OptionalString(item, "dnsName").value_or(""), name)) continue;
      std::string managed = util::OptionalString(item, "name").value_or("");
      if (!managed.empty()) return zones_.Remember(zone, managed);
    }
    return util::Fail(api_.Make(util::ErrorCode::kNotFound,
                                "no public managed zone for " + zone + " in project " + project_));
  }

  // The TXT set at `fqdn` as the API returned it, or null when there is none.
  util::Result<util::Json> ReadSet(const std::string& managed_zone, const std::string& fqdn) {
    std::string name = api::CanonicalName(fqdn) + ".";
    MC_ASSIGN_OR_RETURN(util::Json json, Call("GET",
                                              "/managedZones/" + api::UrlEncode(managed_zone) +
                                                  "/rrsets?type=TXT&name=" + api::UrlEncode(name),
                                              "list TXT " + fqdn, nullptr));
    for (const util::Json& set : api::ArrayOf(json, "rrsets")) {
      if (api::SameName(util::OptionalString(set, "name").value_or(""), name) &&
          util::OptionalString(set, "type").value_or("") == "TXT") {
        return set;
      }
    }
    return util::Json();
  }

  // One change: the existing set out (exactly as read), the new one (if any values) in.
  util::Result<void> ChangeSet(const std::string& managed_zone, const std::string& fqdn,
                               const util::Json& existing, const std::vector<std::string>& values,
                               const std::string& what) {
    util::Json change = util::Json::object();
    if (!existing.is_null()) change["deletions"] = util::Json::array({existing});
    if (!values.empty()) {
      util::Json rrdatas = util::Json::array();
      for (const std::string& value : values) rrdatas.push_back(api::QuoteTxt(value));
      change["additions"] = util::Json::array({{{"name", api::CanonicalName(fqdn) + "."},
                                                {"type", "TXT"},
                                                {"ttl", kTtl},
                                                {"rrdatas", rrdatas}}});
    }
    MC_ASSIGN_OR_RETURN(
        util::Json created,
        Call("POST", "/managedZones/" + api::UrlEncode(managed_zone) + "/changes", what, &change));
    (void)created;
    return {};
  }

  api::ApiClient api_;
  const std::string base_;
  const std::string project_;
  const ServiceAccount account_;
  std::mutex mu_;  // guards the token and each read-modify-write
  api::AccessToken token_;
  api::ZoneCache zones_;
};

// The service-account key: from the file GCE_SERVICE_ACCOUNT_FILE (lego's name) or
// GOOGLE_APPLICATION_CREDENTIALS (Google's), or inline in GCE_SERVICE_ACCOUNT.
util::Result<std::string> ReadKeyJson(api::Settings& settings) {
  if (settings.Has("GCE_SERVICE_ACCOUNT")) return settings.Secret("GCE_SERVICE_ACCOUNT");
  std::string variable =
      settings.Has("GOOGLE_APPLICATION_CREDENTIALS") && !settings.Has("GCE_SERVICE_ACCOUNT_FILE")
          ? "GOOGLE_APPLICATION_CREDENTIALS"
          : "GCE_SERVICE_ACCOUNT_FILE";
  std::string hint = "the path of a service account's JSON key with the DNS Administrator role";
  if (settings.Has("CLOUDSDK_ACTIVE_CONFIG_NAME")) {
    // acme.sh's dns_gcloud drives the gcloud command and its configuration; mailcert calls the
    // API itself and needs the key.
    hint +=
        "; CLOUDSDK_ACTIVE_CONFIG_NAME names a gcloud CLI configuration, which mailcert "
        "does not use";
  }
  MC_ASSIGN_OR_RETURN(std::string path, settings.Required(variable, hint));
  sys::Fs& fs = sys::RealFs();
  auto stat = fs.Stat(path);
  if (!stat) return util::Fail(stat.error().WithContext("gcloud: " + variable));
  // A key readable by others is refused, as credential files are (issue #5).
  if (!stat->is_symlink && (stat->mode & 0044) != 0) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "gcloud: " + variable + " " + path +
                          " is readable by group or others; run: chmod 600 " + path);
  }
  auto text = fs.ReadFile(path);
  if (!text) return util::Fail(text.error().WithContext("gcloud: " + variable));
  settings.AddSecret(*text);
  return *text;
}

}  // namespace

DnsProviderResult MakeGcloudProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("gcloud", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("GCE_API_BASE", "https://dns.googleapis.com/dns/v1"));
  MC_ASSIGN_OR_RETURN(std::string key_json, ReadKeyJson(settings));
  auto json = util::ParseJson(key_json, "the service account key", util::ErrorCode::kInvalidInput);
  if (!json || !json->is_object()) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "gcloud: the service account key is not a JSON object (download it with "
                      "\"gcloud iam service-accounts keys create\")");
  }
  ServiceAccount account;
  account.client_email = util::OptionalString(*json, "client_email").value_or("");
  account.private_key_id = util::OptionalString(*json, "private_key_id").value_or("");
  account.project_id = util::OptionalString(*json, "project_id").value_or("");
  account.token_uri = util::OptionalString(*json, "token_uri").value_or(kDefaultTokenUri);
  std::string pem = util::OptionalString(*json, "private_key").value_or("");
  if (account.client_email.empty() || pem.empty()) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "gcloud: the service account key has no client_email or private_key");
  }
  if (!account.token_uri.starts_with("https://") && !account.token_uri.starts_with("http://")) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "gcloud: the service account key's token_uri is not a URL");
  }
  auto key = crypto::PrivateKey::FromPem(pem);
  if (!key) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "gcloud: the service account key's private_key is not a usable key");
  }
  auto signer = crypto::MakeKeySigner(*key);
  if (!signer || (*signer)->Algorithm() != "RS256") {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "gcloud: the service account key's private_key is not an RSA key");
  }
  account.signer = std::move(*signer);
  std::string project = settings.Optional("GCE_PROJECT", account.project_id);
  if (project.empty()) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "gcloud: GCE_PROJECT is not set and the key names no project_id");
  }
  api::ApiClient api("gcloud", http, settings.secrets(), GoogleMessage);
  return std::make_unique<GcloudProvider>(std::move(api), base, project, std::move(account));
}

}  // namespace mailcert::challenge
