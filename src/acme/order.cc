#include "acme/order.h"

#include <arpa/inet.h>

#include "util/base64.h"
#include "util/json.h"

namespace mailcert::acme {
namespace {

std::optional<Problem> ProblemMember(const util::Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_object()) return std::nullopt;
  return ParseProblem(util::DumpJson(*it));
}

util::Result<Order> ParseOrder(const AcmeResponse& response, const std::string& url,
                               const std::string& context) {
  MC_ASSIGN_OR_RETURN(util::Json json, util::ParseJson(response.body, context));
  Order order;
  order.url = url;
  MC_ASSIGN_OR_RETURN(order.status, util::RequiredString(json, "status", context));
  order.authorizations = util::StringArray(json, "authorizations");
  order.finalize = util::OptionalString(json, "finalize").value_or("");
  order.certificate = util::OptionalString(json, "certificate").value_or("");
  order.error = ProblemMember(json, "error");
  order.retry_after = response.retry_after;
  if (auto identifiers = json.find("identifiers");
      identifiers != json.end() && identifiers->is_array()) {
    for (const auto& item : *identifiers) {
      order.identifiers.push_back(Identifier{util::OptionalString(item, "type").value_or(""),
                                             util::OptionalString(item, "value").value_or("")});
    }
  }
  if (order.finalize.empty()) {
    return util::Fail(util::ErrorCode::kProtocol, context + ": the order has no finalize URL");
  }
  return order;
}

util::Result<Challenge> ParseChallenge(const util::Json& json, const std::string& context) {
  Challenge challenge;
  MC_ASSIGN_OR_RETURN(challenge.type, util::RequiredString(json, "type", context));
  MC_ASSIGN_OR_RETURN(challenge.url, util::RequiredString(json, "url", context));
  challenge.token = util::OptionalString(json, "token").value_or("");
  challenge.status = util::OptionalString(json, "status").value_or("");
  challenge.error = ProblemMember(json, "error");
  return challenge;
}

util::Result<Authorization> ParseAuthorization(const AcmeResponse& response,
                                               const std::string& url,
                                               const std::string& context) {
  MC_ASSIGN_OR_RETURN(util::Json json, util::ParseJson(response.body, context));
  Authorization authorization;
  authorization.url = url;
  authorization.retry_after = response.retry_after;
  MC_ASSIGN_OR_RETURN(authorization.status, util::RequiredString(json, "status", context));
  authorization.wildcard = util::OptionalBool(json, "wildcard").value_or(false);
  auto identifier = json.find("identifier");
  if (identifier == json.end() || !identifier->is_object()) {
    return util::Fail(util::ErrorCode::kProtocol,
                      context + ": the authorization has no identifier");
  }
  authorization.identifier.type = util::OptionalString(*identifier, "type").value_or("dns");
  MC_ASSIGN_OR_RETURN(authorization.identifier.value,
                      util::RequiredString(*identifier, "value", context));
  if (auto challenges = json.find("challenges");
      challenges != json.end() && challenges->is_array()) {
    for (const auto& item : *challenges) {
      MC_ASSIGN_OR_RETURN(Challenge challenge, ParseChallenge(item, context));
      authorization.challenges.push_back(std::move(challenge));
    }
  }
  return authorization;
}


}  // namespace

Identifier MakeIdentifier(const std::string& name) {
  unsigned char buffer[16];
  if (inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
      inet_pton(AF_INET6, name.c_str(), buffer) == 1) {
    return Identifier{"ip", name};
  }
  return Identifier{"dns", name};
}

const Challenge* Authorization::Find(const std::string& type) const {
  for (const auto& challenge : challenges) {
    if (challenge.type == type) return &challenge;
  }
  return nullptr;
}

std::optional<Problem> Authorization::FailedChallengeError() const {
  for (const auto& challenge : challenges) {
    if (challenge.error) return challenge.error;
  }
  return std::nullopt;
}

util::Result<Order> NewOrder(AcmeClient& client, const SignAs& account,
                             const std::vector<Identifier>& identifiers,
                             const NewOrderOptions& options) {
  MC_ASSIGN_OR_RETURN(Directory directory, client.GetDirectory());
  util::Json list = util::Json::array();
  for (const auto& identifier : identifiers) {
    list.push_back({{"type", identifier.type}, {"value", identifier.value}});
  }
  util::Json payload = {{"identifiers", list}};
  if (!options.profile.empty()) payload["profile"] = options.profile;
  if (!options.replaces.empty()) payload["replaces"] = options.replaces;
  MC_ASSIGN_OR_RETURN(AcmeResponse response, client.Post(directory.new_order,
                                                         util::DumpJson(payload), account,
                                                         "create order"));
  if (response.location.empty()) {
    return util::Fail(util::ErrorCode::kProtocol,
                      "create order: the CA did not return the order URL (Location header)");
  }
  return ParseOrder(response, response.location, "create order");
}

util::Result<Order> FetchOrder(AcmeClient& client, const SignAs& account, const std::string& url) {
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(url, std::nullopt, account, "fetch order " + url));
  return ParseOrder(response, url, "order " + url);
}

util::Result<Authorization> FetchAuthorization(AcmeClient& client, const SignAs& account,
                                               const std::string& url) {
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(url, std::nullopt, account, "fetch authorization " + url));
  return ParseAuthorization(response, url, "authorization " + url);
}

util::Result<Challenge> RespondToChallenge(AcmeClient& client, const SignAs& account,
                                           const std::string& challenge_url) {
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(challenge_url, std::string("{}"), account,
                                  "respond to challenge " + challenge_url));
  MC_ASSIGN_OR_RETURN(util::Json json,
                      util::ParseJson(response.body, "challenge " + challenge_url));
  return ParseChallenge(json, "challenge " + challenge_url);
}

util::Result<void> DeactivateAuthorization(AcmeClient& client, const SignAs& account,
                                           const std::string& url) {
  util::Json payload = {{"status", "deactivated"}};
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(url, util::DumpJson(payload), account,
                                  "deactivate authorization " + url));
  (void)response;
  return {};
}

util::Result<Authorization> PollAuthorization(AcmeClient& client, const SignAs& account,
                                              const std::string& url, Poller& poller) {
  std::optional<util::Seconds> retry_after;
  while (true) {
    MC_RETURN_IF_ERROR(poller.Wait(retry_after, "validation of " + url));
    MC_ASSIGN_OR_RETURN(Authorization authorization, FetchAuthorization(client, account, url));
    if (authorization.status != "pending") return authorization;
    retry_after = authorization.retry_after;
  }
}

util::Result<Order> PollOrder(AcmeClient& client, const SignAs& account, const Order& order,
                              Poller& poller, PollStart start) {
  std::optional<util::Seconds> retry_after = order.retry_after;
  bool wait = start == PollStart::kAfterDelay;
  while (true) {
    if (wait) MC_RETURN_IF_ERROR(poller.Wait(retry_after, "order " + order.url));
    wait = true;
    MC_ASSIGN_OR_RETURN(Order current, FetchOrder(client, account, order.url));
    if (current.status != "pending" && current.status != "processing") return current;
    retry_after = current.retry_after;
  }
}

util::Result<Order> FinalizeOrder(AcmeClient& client, const SignAs& account, const Order& order,
                                  const std::string& csr_der) {
  util::Json payload = {{"csr", util::Base64UrlEncode(csr_der)}};
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(order.finalize, util::DumpJson(payload), account,
                                  "finalize order " + order.url));
  return ParseOrder(response, order.url, "finalize order " + order.url);
}

util::Result<std::vector<CertificateChain>> DownloadCertificateChains(AcmeClient& client,
                                                                      const SignAs& account,
                                                                      const std::string& url) {
  std::vector<CertificateChain> chains;
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(url, std::nullopt, account, "download certificate " + url));
  chains.push_back(CertificateChain{response.body, url});
  // §7.4.2: alternate chains are linked from the default one with rel="alternate".
  for (const auto& alternate : net::LinksWithRel(response.links, "alternate")) {
    MC_ASSIGN_OR_RETURN(AcmeResponse other, client.Post(alternate, std::nullopt, account,
                                                        "download alternate chain " + alternate));
    chains.push_back(CertificateChain{other.body, alternate});
  }
  return chains;
}

std::optional<int> ParseRevocationReason(const std::string& name) {
  // RFC 5280 §5.3.1 CRLReason; 7 is unused and removeFromCRL (8) is not for subscribers.
  static const std::pair<const char*, int> kReasons[] = {
      {"unspecified", 0},     {"keyCompromise", 1}, {"cACompromise", 2},
      {"affiliationChanged", 3}, {"superseded", 4}, {"cessationOfOperation", 5},
      {"certificateHold", 6}, {"privilegeWithdrawn", 9}, {"aACompromise", 10}};
  for (const auto& [reason_name, code] : kReasons) {
    if (name == reason_name || name == std::to_string(code)) return code;
  }
  return std::nullopt;
}

util::Result<void> RevokeCertificate(AcmeClient& client, const SignAs& account,
                                     const std::string& certificate_der,
                                     std::optional<int> reason) {
  MC_ASSIGN_OR_RETURN(Directory directory, client.GetDirectory());
  util::Json payload = {{"certificate", util::Base64UrlEncode(certificate_der)}};
  if (reason) payload["reason"] = *reason;
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(directory.revoke_cert, util::DumpJson(payload), account,
                                  "revoke certificate"));
  (void)response;
  return {};
}

}  // namespace mailcert::acme
