#include "dns/caa.h"

#include <algorithm>
#include <cctype>

#include "dns/name.h"
#include "util/strings.h"

namespace mailcert::dns {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimWsp(std::string_view text) {
  while (!text.empty() && IsWsp(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsWsp(text.back())) text.remove_suffix(1);
  return text;
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// RFC 8659 §4.2: label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT)); the parameter tag has the
// same form.
bool IsLdhLabel(std::string_view label) {
  if (label.empty() || !IsAlnum(label.front()) || !IsAlnum(label.back())) return false;
  return std::all_of(label.begin(), label.end(), [](char c) { return IsAlnum(c) || c == '-'; });
}

bool IsIssuerDomainName(std::string_view name) {
  for (const std::string& label : util::Split(name, '.')) {
    if (!IsLdhLabel(label)) return false;
  }
  return true;
}

// value = *(%x21-3A / %x3C-7E): visible characters except ';'.
bool IsParameterValue(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7e && u != 0x3b;
  });
}

// Tags recognised by a CA processing a TLS server request (RFC 8659 §4.2–4.4). A critical
// property with any other tag makes the CA refuse (RFC 8659 §4.1).
bool IsKnownTag(const std::string& lower_tag) {
  return lower_tag == "issue" || lower_tag == "issuewild" || lower_tag == "iodef";
}

std::string RecordText(const std::string& owner, const CaaRecord& record) {
  return owner + " CAA " + std::to_string(record.flags) + " " + record.tag + " " +
         util::Quote(record.value);
}

// Why one applicable property does or does not authorize the request; empty when it does.
std::string Mismatch(const CaaRequest& request, const CaaRecord& record) {
  CaaIssueValue value = ParseCaaIssueValue(record.value);
  if (!value.well_formed) {
    return "its value breaks the RFC 8659 §4.2 grammar, so it authorizes no CA";
  }
  if (value.issuer_domain.empty()) return "it names no CA, so it forbids issuance";
  bool ours = std::any_of(request.issuer_domains.begin(), request.issuer_domains.end(),
                          [&](const std::string& domain) {
                            return util::EqualsIgnoreCase(domain, value.issuer_domain);
                          });
  if (!ours) return "it names " + value.issuer_domain + ", another CA";
  std::vector<std::string> account_uris;
  std::vector<std::string> method_lists;
  for (const auto& [tag, parameter] : value.parameters) {
    if (tag == "accounturi") account_uris.push_back(parameter);
    if (tag == "validationmethods") method_lists.push_back(parameter);
  }
  // RFC 8657 §3: the account URI must match exactly.
  if (account_uris.size() > 1) return "it has more than one accounturi parameter";
  if (account_uris.size() == 1 && account_uris.front() != request.account_uri) {
    if (request.account_uri.empty()) {
      return "it is bound to account " + account_uris.front() +
             " and this host has no account at the CA yet";
    }
    return "it is bound to account " + account_uris.front() + ", not to " + request.account_uri;
  }
  // RFC 8657 §4: the method used must be one of the listed labels.
  if (method_lists.size() > 1) return "it has more than one validationmethods parameter";
  if (method_lists.size() == 1) {
    std::vector<std::string> methods = util::Split(method_lists.front(), ',');
    if (std::find(methods.begin(), methods.end(), request.validation_method) == methods.end()) {
      std::string why =
          "it allows only " + method_lists.front() + ", not " + request.validation_method;
      bool case_only = std::any_of(methods.begin(), methods.end(), [&](const std::string& m) {
        return util::EqualsIgnoreCase(m, request.validation_method);
      });
      if (case_only) why += " (method names are written in lowercase)";
      return why;
    }
  }
  return {};
}

std::string FailureHint(const QueryError& failure) {
  switch (failure.failure) {
    case QueryFailure::kServFail:
      return "CAs refuse to issue while a CAA lookup fails: fix the zone's DNS (most often a "
             "broken DNSSEC chain: check it with delv or dnsviz.net) or ask the DNS provider to "
             "answer CAA queries";
    case QueryFailure::kRefused:
    case QueryFailure::kRcode:
      return "CAs refuse to issue while a CAA lookup fails: every authoritative server must "
             "answer CAA queries (an empty answer is fine); ask the DNS provider to fix this";
    case QueryFailure::kTimeout:
    case QueryFailure::kUnreachable:
      return "check the resolver and the zone's name servers are reachable; CAs refuse to "
             "issue when they cannot complete the CAA lookup";
    default:
      return "CAs refuse to issue when the CAA lookup fails";
  }
}

}  // namespace

const char* CaaVerdictName(CaaVerdict verdict) {
  switch (verdict) {
    case CaaVerdict::kPermitted:
      return "permitted";
    case CaaVerdict::kRefused:
      return "refused";
    case CaaVerdict::kLookupFailed:
      return "lookup_failed";
    case CaaVerdict::kUndetermined:
      return "undetermined";
  }
  return "unknown";
}

CaaIssueValue ParseCaaIssueValue(std::string_view text) {
  CaaIssueValue value;
  size_t semicolon = text.find(';');
  std::string_view domain = TrimWsp(text.substr(0, semicolon));
  if (!domain.empty()) {
    if (!IsIssuerDomainName(domain)) {
      value.well_formed = false;
      return value;
    }
    value.issuer_domain = util::ToLower(domain);
  }
  if (semicolon == std::string_view::npos) return value;
  std::string_view rest = TrimWsp(text.substr(semicolon + 1));
  if (rest.empty()) return value;  // "ca.example;" — parameters are optional
  for (const std::string& item : util::Split(rest, ';')) {
    std::string_view parameter = TrimWsp(item);
    size_t equals = parameter.find('=');
    std::string_view tag =
        TrimWsp(equals == std::string_view::npos ? parameter : parameter.substr(0, equals));
    std::string_view parameter_value = equals == std::string_view::npos
                                           ? std::string_view()
                                           : TrimWsp(parameter.substr(equals + 1));
    if (equals == std::string_view::npos || !IsLdhLabel(tag) ||
        !IsParameterValue(parameter_value)) {
      value.well_formed = false;
      value.issuer_domain.clear();
      value.parameters.clear();
      return value;
    }
    value.parameters.emplace_back(util::ToLower(tag), std::string(parameter_value));
  }
  return value;
}

CaaDecision EvaluateCaa(const CaaRequest& request, const std::vector<CaaStep>& steps) {
  CaaDecision decision;
  const CaaStep* relevant = nullptr;
  for (const CaaStep& step : steps) {
    if (step.failure) {
      decision.verdict = CaaVerdict::kLookupFailed;
      decision.reason = "CAA lookup for " + step.name + " failed: " + step.failure->message;
      decision.hint = FailureHint(*step.failure);
      return decision;
    }
    if (!step.records.empty()) {
      relevant = &step;
      break;
    }
  }
  std::string base = StripWildcard(request.identifier);
  if (relevant == nullptr) {
    decision.reason = "no CAA records at " + base + " or above it: every CA may issue";
    return decision;
  }
  decision.relevant_name = relevant->name;
  std::string owner = relevant->alias_target.empty() ? relevant->name : relevant->alias_target;
  std::string where = "CAA at " + relevant->name +
                      (relevant->alias_target.empty() ? "" : " (alias of " + owner + ")");

  // RFC 8659 §4.1: an unknown property marked critical forbids issuance outright.
  for (const CaaRecord& record : relevant->records) {
    if (record.critical() && !IsKnownTag(util::ToLower(record.tag))) {
      decision.verdict = CaaVerdict::kRefused;
      decision.reason = where + " has the critical flag on the unknown tag " +
                        util::Quote(record.tag) + " (" + RecordText(owner, record) +
                        "): CAs must refuse (RFC 8659 §4.1)";
      decision.hint = "remove that record or set its flags to 0";
      return decision;
    }
  }

  // RFC 8659 §4.3: for a wildcard, issuewild properties replace issue ones when there are any;
  // for other names issuewild is ignored.
  bool wildcard = IsWildcard(request.identifier);
  auto has_tag = [&](const char* tag) {
    return std::any_of(relevant->records.begin(), relevant->records.end(),
                       [&](const CaaRecord& r) { return util::EqualsIgnoreCase(r.tag, tag); });
  };
  const char* tag = wildcard && has_tag("issuewild") ? "issuewild" : "issue";
  std::vector<const CaaRecord*> applicable;
  for (const CaaRecord& record : relevant->records) {
    if (util::EqualsIgnoreCase(record.tag, tag)) applicable.push_back(&record);
  }
  if (applicable.empty()) {
    decision.reason = where + " has no " + tag + " property, so it does not restrict issuance";
    return decision;
  }
  if (request.issuer_domains.empty()) {
    decision.verdict = CaaVerdict::kUndetermined;
    decision.reason = where +
                      " restricts issuance, and the CA publishes no CAA identities to "
                      "compare with";
    decision.hint = "check by hand that " + std::string(tag) + " names your CA";
    return decision;
  }
  std::vector<std::string> mismatches;
  for (const CaaRecord* record : applicable) {
    std::string why = Mismatch(request, *record);
    if (why.empty()) {
      decision.reason = where + " authorizes this CA (" + RecordText(owner, *record) + ")";
      return decision;
    }
    mismatches.push_back(RecordText(owner, *record) + ": " + why);
  }
  decision.verdict = CaaVerdict::kRefused;
  decision.reason = where + " does not authorize " + util::Join(request.issuer_domains, "/") +
                    " for " + request.identifier + " with " + request.validation_method + " (" +
                    util::Join(mismatches, "; ") + ")";
  decision.hint = "add " + owner + ". CAA 0 " + tag + " \"" + request.issuer_domains.front() +
                  "\" (or fix the accounturi/validationmethods parameters of the existing one)";
  return decision;
}

}  // namespace mailcert::dns
