// Namecheap API (namecheap.com/support/api): one endpoint, https://api.namecheap.com/
// xml.response, with the global parameters ApiUser, ApiKey, UserName, ClientIp (an address on
// the account's API whitelist) and Command. "namecheap.domains.dns.getHosts" (SLD, TLD) lists
// the host records (<host HostId Name Type Address MXPref TTL/>, the result element carrying
// EmailType and IsUsingOurDNS); "namecheap.domains.dns.setHosts" REPLACES them all ("All host
// records that are not included into the API call will be deleted") from HostNameN,
// RecordTypeN, AddressN, MXPrefN, TTLN and EmailType — sent as a form POST, which the
// documentation recommends beyond ten hosts.
//
// So every change writes back every record getHosts returned, unchanged, plus or minus the one
// TXT value; nothing is written unless getHosts answered completely. Errors come as
// <ApiResponse Status="ERROR"><Errors><Error Number="…">text</Error></Errors>, with HTTP 200.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "challenge/providers/api_common.h"
#include "challenge/providers/providers.h"
#include "challenge/providers/xml.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr int kTtl = 60;  // the API's minimum

struct Host {
  std::string name;  // "@", "www", "_acme-challenge"
  std::string type;
  std::string address;
  std::string mx_pref;
  std::string ttl;
};

struct HostList {
  std::string email_type;  // kept as it was: setHosts changes mail settings otherwise
  std::vector<Host> hosts;
};

class NamecheapProvider final : public DnsProvider {
 public:
  NamecheapProvider(api::ApiClient api, std::string base, std::string user, std::string key,
                    std::string source_ip)
      : api_(std::move(api)),
        base_(std::move(base)),
        user_(std::move(user)),
        key_(std::move(key)),
        source_ip_(std::move(source_ip)) {}

  std::string Describe() const override {
    return "namecheap (" + api::HostOf(base_) + ", user " + user_ + ", client IP " + source_ip_ +
           ")";
  }

  // setHosts replaces every host record of the domain.
  std::string RewriteLockName() const override { return "namecheap"; }

  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    MC_ASSIGN_OR_RETURN(HostList list, GetHosts(zone));
    std::string name = api::RelativeName(fqdn, zone);
    for (const Host& host : list.hosts) {
      if (host.type == "TXT" && api::SameName(host.name, name) && host.address == value) {
        return {};
      }
    }
    list.hosts.push_back({name, "TXT", value, "10", std::to_string(kTtl)});
    return SetHosts(zone, list, "add TXT " + fqdn);
  }

  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    MC_ASSIGN_OR_RETURN(HostList list, GetHosts(zone));
    std::string name = api::RelativeName(fqdn, zone);
    size_t before = list.hosts.size();
    std::erase_if(list.hosts, [&](const Host& host) {
      return host.type == "TXT" && api::SameName(host.name, name) && host.address == value;
    });
    if (list.hosts.size() == before) return {};
    return SetHosts(zone, list, "remove TXT " + fqdn);
  }

 private:
  // SLD and TLD of the zone: "example.co.uk" → "example", "co.uk".
  static std::pair<std::string, std::string> Split(const std::string& zone) {
    std::string name = api::CanonicalName(zone);
    size_t dot = name.find('.');
    if (dot == std::string::npos) return {name, ""};
    return {name.substr(0, dot), name.substr(dot + 1)};
  }

  std::vector<std::pair<std::string, std::string>> Global(const std::string& command) const {
    return {{"ApiUser", user_},
            {"ApiKey", key_},
            {"UserName", user_},
            {"ClientIp", source_ip_},
            {"Command", command}};
  }

  // Sends a command; returns the CommandResponse element of an OK answer.
  util::Result<api::XmlElement> Command(const std::string& command,
                                        std::vector<std::pair<std::string, std::string>> params,
                                        const std::string& zone, const std::string& what) {
    std::vector<std::pair<std::string, std::string>> form = Global(command);
    form.insert(form.end(), params.begin(), params.end());
    net::HttpRequest request;
    request.method = "POST";
    request.url = base_;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    request.body = api::FormEncode(form);
    MC_ASSIGN_OR_RETURN(net::HttpResponse response, api_.Send(request));
    auto root = api::ParseXml(response.body);
    if (!api::IsSuccess(response) || !root) {
      return util::Fail(api_.Failure(what, response, root ? "" : root.error().message));
    }
    if (util::ToLower(root->Attribute("Status").value_or("")) != "ok") {
      return util::Fail(Failure(*root, zone, what));
    }
    const api::XmlElement* result = root->Find("CommandResponse");
    if (result == nullptr) {
      return util::Fail(api_.Make(util::ErrorCode::kProtocol, what + ": no CommandResponse"));
    }
    return *result;
  }

  util::Error Failure(const api::XmlElement& root, const std::string& zone,
                      const std::string& what) const {
    std::vector<std::string> messages;
    util::ErrorCode code = util::ErrorCode::kProtocol;
    if (const api::XmlElement* errors = root.Find("Errors")) {
      for (const api::XmlElement* error : errors->Children("Error")) {
        std::string number = error->Attribute("Number").value_or("");
        messages.push_back(number.empty() ? error->text : "error " + number + ": " + error->text);
        // 1010xxx/1011xxx: the global parameters (user, key, client IP on the whitelist);
        // 2019166/2016166: the domain is not found or not in this account.
        if (number.starts_with("1010") || number.starts_with("1011")) {
          code = util::ErrorCode::kInvalidInput;
        } else if (number == "2019166" || number == "2016166") {
          return api_.Make(util::ErrorCode::kNotFound, what + ": domain " + zone +
                                                           " is not in this Namecheap account (" +
                                                           error->text + ")");
        }
      }
    }
    std::string message =
        what + ": " + (messages.empty() ? "Status=ERROR" : util::Join(messages, "; "));
    if (code == util::ErrorCode::kInvalidInput) {
      message += " (check NAMECHEAP_USERNAME, NAMECHEAP_API_KEY, and that " + source_ip_ +
                 " is whitelisted for API access)";
    }
    return api_.Make(code, message);
  }

  util::Result<HostList> GetHosts(const std::string& zone) {
    auto [sld, tld] = Split(zone);
    std::string what = "read the host records of " + zone;
    MC_ASSIGN_OR_RETURN(
        api::XmlElement response,
        Command("namecheap.domains.dns.getHosts", {{"SLD", sld}, {"TLD", tld}}, zone, what));
    const api::XmlElement* result = response.Find("DomainDNSGetHostsResult");
    if (result == nullptr) {
      return util::Fail(
          api_.Make(util::ErrorCode::kProtocol, what + ": no DomainDNSGetHostsResult"));
    }
    if (util::ToLower(result->Attribute("IsUsingOurDNS").value_or("true")) == "false") {
      return util::Fail(api_.Make(util::ErrorCode::kInvalidInput,
                                  zone + " does not use Namecheap's name servers, so records "
                                         "set there would not be served"));
    }
    HostList list;
    list.email_type = result->Attribute("EmailType").value_or("");
    for (const api::XmlElement* host : result->Children("host")) {
      list.hosts.push_back(
          {host->Attribute("Name").value_or(""), api::ToUpper(host->Attribute("Type").value_or("")),
           host->Attribute("Address").value_or(""), host->Attribute("MXPref").value_or("10"),
           host->Attribute("TTL").value_or("1800")});
    }
    return list;
  }

  util::Result<void> SetHosts(const std::string& zone, const HostList& list,
                              const std::string& what) {
    auto [sld, tld] = Split(zone);
    std::vector<std::pair<std::string, std::string>> params = {{"SLD", sld}, {"TLD", tld}};
    if (!list.email_type.empty()) params.emplace_back("EmailType", list.email_type);
    for (size_t i = 0; i < list.hosts.size(); ++i) {
      const Host& host = list.hosts[i];
      std::string n = std::to_string(i + 1);
      params.emplace_back("HostName" + n, host.name);
      params.emplace_back("RecordType" + n, host.type);
      params.emplace_back("Address" + n, host.address);
      params.emplace_back("MXPref" + n, host.mx_pref);
      params.emplace_back("TTL" + n, host.ttl);
    }
    MC_ASSIGN_OR_RETURN(api::XmlElement response,
                        Command("namecheap.domains.dns.setHosts", std::move(params), zone, what));
    const api::XmlElement* result = response.Find("DomainDNSSetHostsResult");
    if (result == nullptr || util::ToLower(result->Attribute("IsSuccess").value_or("")) != "true") {
      return util::Fail(api_.Make(util::ErrorCode::kProtocol, what + ": IsSuccess is not true"));
    }
    return {};
  }

  api::ApiClient api_;
  const std::string base_;
  const std::string user_;
  const std::string key_;
  const std::string source_ip_;
  std::mutex mu_;  // getHosts … setHosts must not interleave
};

// NAMECHEAP_SOURCEIP is the client address itself or, as acme.sh allows, a URL that answers
// with it (such as https://ifconfig.co/ip).
util::Result<std::string> SourceIp(api::Settings& settings, net::HttpClient& http) {
  MC_ASSIGN_OR_RETURN(std::string value,
                      settings.Required("NAMECHEAP_SOURCEIP",
                                        "the public IP address whitelisted for API access, or "
                                        "a URL that tells it, such as https://ifconfig.co/ip"));
  if (!value.starts_with("http://") && !value.starts_with("https://")) return value;
  net::HttpRequest request;
  request.url = value;
  request.timeout = std::chrono::seconds(15);
  auto response = http.Send(request);
  if (!response) return util::Fail(response.error().WithContext("namecheap: NAMECHEAP_SOURCEIP"));
  std::string ip(util::Trim(response->body));
  bool plausible = api::IsSuccess(*response) && !ip.empty() && ip.size() <= 45 &&
                   ip.find_first_not_of("0123456789abcdefABCDEF.:") == std::string::npos;
  if (!plausible) {
    return util::Fail(util::ErrorCode::kInvalidInput, "namecheap: NAMECHEAP_SOURCEIP " + value +
                                                          " did not answer with an IP "
                                                          "address");
  }
  return ip;
}

}  // namespace

DnsProviderResult MakeNamecheapProvider(const ProviderSettings& values, net::HttpClient& http) {
  api::Settings settings("namecheap", values);
  MC_ASSIGN_OR_RETURN(std::string base, settings.BaseUrl("NAMECHEAP_API_BASE",
                                                         "https://api.namecheap.com/xml.response"));
  MC_ASSIGN_OR_RETURN(std::string user,
                      settings.Required("NAMECHEAP_USERNAME", "the Namecheap account name"));
  MC_ASSIGN_OR_RETURN(std::string key,
                      settings.Secret("NAMECHEAP_API_KEY", "from Profile > Tools > API Access"));
  MC_ASSIGN_OR_RETURN(std::string source_ip, SourceIp(settings, http));
  api::ApiClient api("namecheap", http, settings.secrets());
  return std::make_unique<NamecheapProvider>(std::move(api), base, user, key, source_ip);
}

}  // namespace mailcert::challenge
