// Servercow DNS API v1 (wiki.servercow.de/en/domains/dns_api/api-syntax): one resource per
// domain, https://api.servercow.de/dns/v1/domains/<domain>, authenticated by the headers
// X-Auth-Username and X-Auth-Password. GET lists the records; POST {"type","name","content",
// "ttl"} creates or replaces the record set of that name and type ("content" may be an array
// for TXT, which is how several values share a name).
//
// Not in the part of that page we could read, and taken from what lego's Servercow client sends
// and reads (its tests): DELETE with {"type","name"} removes the set; the listing gives each name
// and type once, "name" relative with "" for the apex, "content" a string or an array; answers are
// {"message":"ok"} or {"error":"…"}. The status for bad credentials is not documented: any 401/403
// counts as a credential problem.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/providers.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr int kTtl = 20;  // the documentation's example for _acme-challenge

std::string ServercowMessage(const net::HttpResponse& response) {
  auto json = util::ParseJson(response.body, "servercow");
  if (!json || !json->is_object()) return api::BodySnippet(response.body);
  if (auto error = util::OptionalString(*json, "error")) return *error;
  return util::OptionalString(*json, "message").value_or("");
}

class ServercowProvider final : public DnsProvider {
 public:
  ServercowProvider(api::ApiClient api, std::string base, std::string username,
                    std::string password)
      : api_(std::move(api)),
        base_(std::move(base)),
        username_(std::move(username)),
        password_(std::move(password)) {}

  std::string Describe() const override {
    return "servercow (" + api::HostOf(base_) + ", API user " + username_ + ")";
  }

  // A POST replaces the whole value list of the name.
  std::string RewriteLockName() const override { return "servercow"; }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);  // read-modify-write of the whole value list
    MC_ASSIGN_OR_RETURN(std::vector<std::string> values, ListTxt(zone, fqdn));
    for (const std::string& existing : values) {
      if (existing == value) return {};
    }
    values.push_back(value);
    return Write("POST", zone, fqdn, &values, "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    MC_ASSIGN_OR_RETURN(std::vector<std::string> values, ListTxt(zone, fqdn));
    std::vector<std::string> kept;
    for (const std::string& existing : values) {
      if (existing != value) kept.push_back(existing);
    }
    if (kept.size() == values.size()) return {};  // not there
    if (kept.empty()) return Write("DELETE", zone, fqdn, nullptr, "remove TXT " + fqdn);
    return Write("POST", zone, fqdn, &kept, "remove TXT " + fqdn);
  }

 private:
  net::HttpRequest Request(const std::string& method, const std::string& zone) const {
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + "/domains/" + api::CanonicalName(zone);
    request.headers = {{"X-Auth-Username", username_},
                       {"X-Auth-Password", password_},
                       {"Content-Type", "application/json"},
                       {"Accept", "application/json"}};
    return request;
  }

  // The TXT values at `fqdn`. A zone the account does not hold answers with an error status.
  util::Result<std::vector<std::string>> ListTxt(const std::string& zone, const std::string& fqdn) {
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, api_.Send(Request("GET", zone)));
    std::string what = "read the records of zone " + zone;
    if (!api::IsSuccess(response)) {
      return util::Fail(api_.Failure(what, response, ServercowMessage(response)));
    }
    MC_ASSIGN_OR_RETURN(util::Json records, api_.ParseJson(what, response));
    if (!records.is_array()) {
      return util::Fail(api_.Failure(what, response, ServercowMessage(response)));
    }
    std::string name = api::RelativeName(fqdn, zone);
    std::vector<std::string> values;
    for (const util::Json& record : records) {
      if (!record.is_object() || util::OptionalString(record, "type").value_or("") != "TXT") {
        continue;
      }
      std::string record_name = util::OptionalString(record, "name").value_or("");
      if (record_name.empty()) record_name = "@";
      if (!api::SameName(record_name, name)) continue;
      const util::Json& content = record.contains("content") ? record["content"] : util::Json();
      if (content.is_string()) {
        values.push_back(api::UnquoteTxt(content.get<std::string>()));
      } else if (content.is_array()) {
        for (const util::Json& item : content) {
          if (item.is_string()) values.push_back(api::UnquoteTxt(item.get<std::string>()));
        }
      }
    }
    return values;
  }

  // POST with `values` replaces the set; DELETE (values == nullptr) removes it.
  util::Result<void> Write(const std::string& method, const std::string& zone,
                           const std::string& fqdn, const std::vector<std::string>* values,
                           const std::string& what) {
    net::HttpRequest request = Request(method, zone);
    util::Json body = {{"type", "TXT"}, {"name", api::RelativeName(fqdn, zone)}};
    if (values != nullptr) {
      body["content"] = *values;
      body["ttl"] = kTtl;
    }
    request.body = util::DumpJson(body);
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, api_.Send(request));
    auto json = util::ParseJson(response.body, "servercow");
    bool ok = api::IsSuccess(response) && json && json->is_object() &&
              util::OptionalString(*json, "message").value_or("") == "ok" &&
              !json->contains("error");
    if (!ok) return util::Fail(api_.Failure(what, response, ServercowMessage(response)));
    return {};
  }

  api::ApiClient api_;
  const std::string base_;
  const std::string username_;
  const std::string password_;
  std::mutex mu_;
};

}  // namespace

DnsProviderResult MakeServercowProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("servercow", values);
  MC_ASSIGN_OR_RETURN(std::string base,
                      settings.BaseUrl("SERVERCOW_API_BASE", "https://api.servercow.de/dns/v1"));
  MC_ASSIGN_OR_RETURN(
      std::string username,
      settings.Required("SERVERCOW_API_Username", "a DNS API user from cp.servercow.de"));
  MC_ASSIGN_OR_RETURN(std::string password, settings.Secret("SERVERCOW_API_Password"));
  api::ApiClient api("servercow", http, settings.secrets());
  return std::make_unique<ServercowProvider>(std::move(api), base, username, password);
}

}  // namespace mailcert::challenge
