#include "acme/problem.h"

#include <algorithm>

#include "util/json.h"
#include "util/strings.h"

namespace mailcert::acme {
namespace {

std::string ShortTypeOf(const std::string& type) {
  const std::string prefix = kAcmeErrorPrefix;
  if (type.rfind(prefix, 0) == 0) return type.substr(prefix.size());
  return type;
}

// What an administrator can do about each problem type (RFC 8555 §6.7 descriptions, RFC 9773
// §7 for alreadyReplaced). Empty when there is nothing better to say than the CA's detail.
std::string HintFor(const std::string& short_type) {
  if (short_type == "externalAccountRequired") {
    return "this CA requires External Account Binding: pass --eab-kid and --eab-hmac-key from "
           "your CA account";
  }
  if (short_type == "connection" || short_type == "incorrectResponse") {
    return "the CA could not fetch the HTTP-01 response: check that port 80 of each name reaches "
           "this host (DNS, firewall, NAT, proxy) and that --http-listen or --webroot serves "
           "/.well-known/acme-challenge/";
  }
  if (short_type == "dns") return "the CA could not resolve the name: check its DNS records";
  if (short_type == "caa") {
    return "a CAA record forbids this CA for the name: add an issue record for the CA";
  }
  if (short_type == "rejectedIdentifier" || short_type == "unsupportedIdentifier") {
    return "the CA will not issue for this name: remove it from the certificate";
  }
  if (short_type == "unauthorized") {
    return "the CA refused the request for this account or name";
  }
  if (short_type == "accountDoesNotExist") {
    return "the account is unknown to this CA: register it with `mailcert account register`";
  }
  if (short_type == "userActionRequired") {
    return "the CA needs a person to act (for example accept new terms of service): see the "
           "link in the message";
  }
  if (short_type == "invalidContact" || short_type == "unsupportedContact") {
    return "check the --email address";
  }
  if (short_type == "badCSR") return "the CA rejected the certificate request";
  if (short_type == "serverInternal") return "the CA had an internal error: try again later";
  return "";
}

}  // namespace

std::string Problem::ShortType() const { return ShortTypeOf(type); }

std::optional<Problem> ParseProblem(const std::string& body) {
  auto json = util::ParseJson(body, "problem");
  if (!json || !json->is_object()) return std::nullopt;
  Problem problem;
  problem.type = util::OptionalString(*json, "type").value_or("");
  problem.detail = util::OptionalString(*json, "detail").value_or("");
  problem.instance = util::OptionalString(*json, "instance").value_or("");
  problem.status = static_cast<int>(util::OptionalInt(*json, "status").value_or(0));
  if (problem.type.empty() && problem.detail.empty()) return std::nullopt;
  if (auto subs = json->find("subproblems"); subs != json->end() && subs->is_array()) {
    for (const auto& sub : *subs) {
      Subproblem subproblem;
      subproblem.type = util::OptionalString(sub, "type").value_or("");
      subproblem.detail = util::OptionalString(sub, "detail").value_or("");
      if (auto identifier = sub.find("identifier");
          identifier != sub.end() && identifier->is_object()) {
        subproblem.identifier = util::OptionalString(*identifier, "value").value_or("");
      }
      problem.subproblems.push_back(std::move(subproblem));
    }
  }
  return problem;
}

bool IsProblem(const util::Error& error, const std::string& short_type) {
  const std::string marker = "type " + std::string(kAcmeErrorPrefix) + short_type;
  return error.detail == marker || error.detail.rfind(marker + ",", 0) == 0;
}

util::Error ProblemToError(const Problem& problem, const std::string& context,
                           std::optional<util::Seconds> retry_after) {
  const std::string short_type = problem.ShortType();
  std::string message = context + ": " +
                        (problem.detail.empty() ? std::string("the CA refused") : problem.detail) +
                        " [" + (short_type.empty() ? "no problem type" : short_type) + "]";
  std::vector<std::string> hints;
  if (auto hint = HintFor(short_type); !hint.empty()) hints.push_back(hint);
  for (const auto& sub : problem.subproblems) {
    std::string sub_type = ShortTypeOf(sub.type);
    message += "; " + (sub.identifier.empty() ? std::string("subproblem") : sub.identifier) +
               ": " + sub.detail + " [" + sub_type + "]";
    auto hint = HintFor(sub_type);
    if (!hint.empty() && std::find(hints.begin(), hints.end(), hint) == hints.end()) {
      hints.push_back(hint);
    }
  }
  if (!problem.instance.empty()) message += " (see " + problem.instance + ")";
  util::ErrorCode code = util::ErrorCode::kAcmeProblem;
  if (short_type == "rateLimited") {
    code = util::ErrorCode::kRateLimited;
    if (retry_after) {
      hints.insert(hints.begin(), "rate limited: retry after " + util::HumanDuration(*retry_after));
    } else {
      hints.insert(hints.begin(), "rate limited: wait before retrying");
    }
  }
  for (const auto& hint : hints) message += " — " + hint;
  std::string detail = "type " + (problem.type.empty() ? "(none)" : problem.type);
  if (problem.status != 0) detail += ", HTTP " + std::to_string(problem.status);
  return util::Error{code, message, detail};
}

}  // namespace mailcert::acme
