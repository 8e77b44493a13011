#pragma once
// ACME problem documents (RFC 8555 §6.7, RFC 7807) turned into errors a user can act on.

#include <optional>
#include <string>
#include <vector>

#include "util/result.h"
#include "util/time.h"

namespace mailcert::acme {

struct Subproblem {
  std::string type;
  std::string detail;
  std::string identifier;  // the identifier's value, e.g. "mail.example.test"
};

struct Problem {
  std::string type;    // full URN, e.g. "urn:ietf:params:acme:error:rateLimited"
  std::string detail;
  int status = 0;
  std::vector<Subproblem> subproblems;
  std::string instance;  // RFC 7807 instance (LE uses it for userActionRequired links)

  // "rateLimited" for ACME URNs, the full type otherwise.
  std::string ShortType() const;
};

// Parses a problem document; nullopt when the body is not one.
std::optional<Problem> ParseProblem(const std::string& body);

// Builds the error for a failed request: "<context>: <detail> [<shortType>]" followed by each
// subproblem ("mail.example.test: <detail> [dns]") and, where one is known, what to do about it.
// `retry_after` (from the response) makes rate limits say when to try again.
// Code: kRateLimited for rateLimited, kAcmeProblem otherwise.
util::Error ProblemToError(const Problem& problem, const std::string& context,
                           std::optional<util::Seconds> retry_after);

// True when `error` was made by ProblemToError from a problem of this short type
// (e.g. "orderNotReady"), so callers can react to one kind of refusal.
bool IsProblem(const util::Error& error, const std::string& short_type);

// The problem type URN prefix (RFC 8555 §6.7).
inline constexpr const char* kAcmeErrorPrefix = "urn:ietf:params:acme:error:";

}  // namespace mailcert::acme
