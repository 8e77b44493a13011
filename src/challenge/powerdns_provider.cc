#include "challenge/powerdns_provider.h"

#include <algorithm>
#include <cctype>

#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr size_t kMaxCharacterString = 255;  // RFC 1035 §3.3
constexpr size_t kMaxApiMessage = 200;

util::Error Invalid(const std::string& message) {
  return util::Error{util::ErrorCode::kInvalidInput, "powerdns: " + message, {}};
}

bool IsTxtRrset(const util::Json& rrset, const std::string& owner) {
  return util::OptionalString(rrset, "type").value_or("") == "TXT" &&
         util::EqualsIgnoreCase(util::OptionalString(rrset, "name").value_or(""), owner);
}

}  // namespace

std::string PowerDnsTxtText(const std::string& content) {
  std::string text;
  bool quoted = false;
  for (size_t i = 0; i < content.size(); ++i) {
    char c = content[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '\\' && i + 1 < content.size()) {
      if (i + 3 < content.size() && std::isdigit(static_cast<unsigned char>(content[i + 1])) &&
          std::isdigit(static_cast<unsigned char>(content[i + 2])) &&
          std::isdigit(static_cast<unsigned char>(content[i + 3]))) {
        text += static_cast<char>(std::stoi(content.substr(i + 1, 3)));
        i += 3;
      } else {
        text += content[++i];
      }
    } else if (quoted) {
      text += c;
    }  // whitespace between the strings of one record is not part of the value
  }
  return text;
}

std::string PowerDnsTxtContent(const std::string& value) {
  std::string content;
  for (size_t position = 0; position == 0 || position < value.size();
       position += kMaxCharacterString) {
    if (!content.empty()) content += ' ';
    content += '"';
    for (char c : value.substr(position, kMaxCharacterString)) {
      if (c == '"' || c == '\\') content += '\\';
      content += c;
    }
    content += '"';
  }
  return content;
}

DnsProviderResult PowerDnsProvider::Make(const ProviderSettings& settings,
                                         const ProviderDeps& deps) {
  auto url = FindSetting(settings, {"api_url", "PDNS_Url", "PDNS_API_URL"});
  if (!url) {
    return util::Fail(Invalid("api_url is not set: the address of PowerDNS's webserver, e.g. "
                              "http://127.0.0.1:8081 (webserver-address/-port in pdns.conf)"));
  }
  if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
    return util::Fail(Invalid("api_url " + util::Quote(*url) + " must start with http:// or "
                              "https://"));
  }
  while (!url->empty() && url->back() == '/') url->pop_back();
  // Some write the URL with the API path (acme.sh's examples do not, lego's do not either).
  if (size_t api = url->find("/api/v1"); api != std::string::npos) url->resize(api);
  auto key = FindSetting(settings, {"api_key", "PDNS_Token", "PDNS_API_KEY"});
  if (!key) {
    return util::Fail(Invalid("api_key is not set: the api-key of pdns.conf (acme.sh: "
                              "PDNS_Token) — put it in the credentials_file"));
  }
  std::string server_id =
      FindSetting(settings, {"server_id", "PDNS_ServerId", "PDNS_SERVER_NAME"}).value_or("localhost");
  MC_ASSIGN_OR_RETURN(uint32_t ttl, NumberSetting(settings, {"ttl", "PDNS_Ttl"}, 60, 1, 86400,
                                                  "powerdns"));
  if (deps.http == nullptr) return util::Fail(util::ErrorCode::kInternal, "powerdns: no HTTP");
  return std::unique_ptr<DnsProvider>(
      new PowerDnsProvider(*deps.http, *url, *key, std::move(server_id), ttl));
}

PowerDnsProvider::PowerDnsProvider(net::HttpClient& http, std::string api_url, std::string api_key,
                                   std::string server_id, uint32_t ttl)
    : http_(http), api_url_(std::move(api_url)), api_key_(std::move(api_key)),
      server_id_(std::move(server_id)), ttl_(ttl) {}

std::string PowerDnsProvider::Describe() const {
  return "powerdns at " + api_url_ + " (server " + server_id_ + ")";
}

std::string PowerDnsProvider::ZoneUrl(const std::string& zone) const {
  // Zone ids are the zone's name with its trailing dot.
  return api_url_ + "/api/v1/servers/" + server_id_ + "/zones/" + zone + ".";
}

net::HttpRequest PowerDnsProvider::Request(const std::string& method,
                                           const std::string& url) const {
  net::HttpRequest request;
  request.method = method;
  request.url = url;
  request.headers = {{"X-API-Key", api_key_}, {"Accept", "application/json"}};
  return request;
}

util::Result<net::HttpResponse> PowerDnsProvider::Send(const net::HttpRequest& request) {
  auto response = http_.Send(request);
  if (!response) {
    return util::Fail(response.error().code, "powerdns: " + response.error().message +
                                                 " — check api_url and that PowerDNS's webserver "
                                                 "and API are enabled (webserver=yes, api=yes)");
  }
  return response;
}

util::Error PowerDnsProvider::ApiError(const std::string& what, const std::string& zone,
                                       const net::HttpResponse& response) const {
  std::string api_message;
  if (auto json = util::ParseJson(response.body, "PowerDNS")) {
    api_message = util::OptionalString(*json, "error").value_or("");
  }
  if (api_message.empty()) api_message = std::string(util::Trim(response.body));
  if (api_message.size() > kMaxApiMessage) api_message = api_message.substr(0, kMaxApiMessage) + "…";
  // An API that echoed the key must not make us print it.
  for (size_t at; !api_key_.empty() && (at = api_message.find(api_key_)) != std::string::npos;) {
    api_message.replace(at, api_key_.size(), "[redacted]");
  }
  std::string message = "powerdns at " + api_url_ + ": " + what + ": HTTP " +
                        std::to_string(response.status) +
                        (api_message.empty() ? "" : ": " + util::Quote(api_message));
  util::ErrorCode code = util::ErrorCode::kProtocol;
  if (response.status == 401 || response.status == 403) {
    code = util::ErrorCode::kInvalidInput;
    message += " — the API key was not accepted; check api_key (PDNS_Token) against pdns.conf's "
               "api-key";
  } else if (response.status == 404 || response.status == 422) {
    code = response.status == 404 ? util::ErrorCode::kNotFound : util::ErrorCode::kProtocol;
    if (response.status == 404) {
      message += " — is zone " + zone + " on this server (server_id " + server_id_ + ")?";
    }
  }
  return util::Error{code, message, {}};
}

util::Result<std::vector<std::string>> PowerDnsProvider::CurrentValues(const std::string& zone,
                                                                       const std::string& fqdn) {
  const std::string what = "read zone " + zone;
  MC_ASSIGN_OR_RETURN(net::HttpResponse response, Send(Request("GET", ZoneUrl(zone))));
  if (response.status != 200) return util::Fail(ApiError(what, zone, response));
  MC_ASSIGN_OR_RETURN(util::Json json,
                      util::ParseJson(response.body, "powerdns at " + api_url_ + ": " + what));
  std::vector<std::string> values;
  const util::Json* rrsets = json.contains("rrsets") ? &json["rrsets"] : nullptr;
  if (rrsets == nullptr || !rrsets->is_array()) return values;
  for (const util::Json& rrset : *rrsets) {
    if (!IsTxtRrset(rrset, fqdn + ".") || !rrset.contains("records")) continue;
    for (const util::Json& record : rrset["records"]) {
      if (auto content = util::OptionalString(record, "content")) {
        values.push_back(PowerDnsTxtText(*content));
      }
    }
  }
  return values;
}

util::Result<void> PowerDnsProvider::Write(const std::string& zone, const std::string& fqdn,
                                           const std::vector<std::string>& values) {
  util::Json records = util::Json::array();
  for (const std::string& value : values) {
    records.push_back({{"content", PowerDnsTxtContent(value)}, {"disabled", false}});
  }
  util::Json rrset = {{"name", fqdn + "."}, {"type", "TXT"}};
  if (values.empty()) {
    rrset["changetype"] = "DELETE";
  } else {
    rrset["changetype"] = "REPLACE";
    rrset["ttl"] = ttl_;
    rrset["records"] = records;
  }
  net::HttpRequest request = Request("PATCH", ZoneUrl(zone));
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = util::DumpJson(util::Json{{"rrsets", util::Json::array({rrset})}});
  MC_ASSIGN_OR_RETURN(net::HttpResponse response, Send(request));
  // 204 No Content on success (PowerDNS API: PATCH /servers/{id}/zones/{zone}).
  if (response.status != 204 && response.status != 200) {
    return util::Fail(ApiError((values.empty() ? "delete TXT " : "write TXT ") + fqdn, zone,
                               response));
  }
  return {};
}

util::Result<void> PowerDnsProvider::AddTxt(const std::string& zone, const std::string& fqdn,
                                            const std::string& value) {
  MC_ASSIGN_OR_RETURN(std::vector<std::string> values, CurrentValues(zone, fqdn));
  if (std::find(values.begin(), values.end(), value) != values.end()) return {};
  values.push_back(value);
  return Write(zone, fqdn, values);
}

util::Result<void> PowerDnsProvider::RemoveTxt(const std::string& zone, const std::string& fqdn,
                                               const std::string& value) {
  MC_ASSIGN_OR_RETURN(std::vector<std::string> values, CurrentValues(zone, fqdn));
  auto found = std::remove(values.begin(), values.end(), value);
  if (found == values.end()) return {};
  values.erase(found, values.end());
  return Write(zone, fqdn, values);
}

}  // namespace mailcert::challenge
