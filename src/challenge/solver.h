#pragma once
// Challenge solvers. acme/ hands out authorizations and knows nothing of how a challenge is
// answered; a Solver puts the response where the CA will look and takes it away again;
// obtain/ pairs the two (design.md).

#include <string>
#include <vector>

#include "util/result.h"

namespace mailcert::challenge {

struct ChallengeTask {
  std::string identifier;         // "mail.example.test"
  std::string type;               // "http-01"
  std::string token;              // from the CA (RFC 8555 §8.3)
  std::string key_authorization;  // token "." base64url(JWK thumbprint) (RFC 8555 §8.1)
  bool wildcard = false;  // the authorization is for "*.<identifier>" (RFC 8555 §7.1.4)
  std::vector<std::string> order_identifiers = {};  // every name of the order (hook variables)
};

class Solver {
 public:
  virtual ~Solver() = default;

  // The challenge type this solver answers, e.g. "http-01".
  virtual std::string ChallengeType() const = 0;

  // Checks that the solver can work at all (listener bound, webroot writable) before any order
  // is placed, so a setup mistake costs no CA request. Errors: kInvalidInput/kIo naming the
  // address or directory and what to do.
  virtual util::Result<void> Prepare() = 0;

  // Makes the response available. Must be thread-safe: many authorizations run at once.
  virtual util::Result<void> Present(const ChallengeTask& task) = 0;

  // Removes it again; called whatever the outcome of the validation.
  virtual util::Result<void> CleanUp(const ChallengeTask& task) = 0;
};

}  // namespace mailcert::challenge
