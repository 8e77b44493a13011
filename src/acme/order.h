#pragma once
// Orders, authorizations, challenges, finalization, certificate download and revocation
// (RFC 8555 §7.4–§7.6): one function per request.

#include <optional>
#include <string>
#include <vector>

#include "acme/client.h"
#include "acme/poll.h"
#include "acme/problem.h"
#include "util/result.h"

namespace mailcert::acme {

struct Identifier {
  std::string type = "dns";  // "dns" or "ip" (RFC 8738)
  std::string value;
};

// "ip" for an IPv4/IPv6 literal, "dns" otherwise.
Identifier MakeIdentifier(const std::string& name);

struct Order {
  std::string url;
  std::string status;  // pending | ready | processing | valid | invalid (§7.1.6)
  std::vector<Identifier> identifiers;
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate;
  std::optional<Problem> error;
  std::optional<util::Seconds> retry_after;
};

struct Challenge {
  std::string type;  // "http-01", "dns-01", "tls-alpn-01", …
  std::string url;
  std::string token;
  std::string status;
  std::optional<Problem> error;
};

struct Authorization {
  std::string url;
  Identifier identifier;
  std::string status;  // pending | valid | invalid | deactivated | expired | revoked (§7.1.6)
  bool wildcard = false;
  std::vector<Challenge> challenges;
  std::optional<util::Seconds> retry_after;

  // The first challenge of `type`, or nullptr.
  const Challenge* Find(const std::string& type) const;
  // The error of a failed challenge, if the CA reported one.
  std::optional<Problem> FailedChallengeError() const;
};

struct NewOrderOptions {
  std::string profile;   // draft-aaron-acme-profiles; empty for the CA default
  std::string replaces;  // ARI CertID of the certificate being replaced (RFC 9773 §5)
};

// newOrder (§7.4). Errors carry the CA's problem ("rejectedIdentifier" for a blocked name).
util::Result<Order> NewOrder(AcmeClient& client, const SignAs& account,
                             const std::vector<Identifier>& identifiers,
                             const NewOrderOptions& options);

// POST-as-GET of an order / authorization (§7.1.3, §7.1.4).
util::Result<Order> FetchOrder(AcmeClient& client, const SignAs& account, const std::string& url);
util::Result<Authorization> FetchAuthorization(AcmeClient& client, const SignAs& account,
                                               const std::string& url);

// Tells the CA to validate a challenge (§7.5.1): POST "{}" (Pebble -strict refuses anything
// else).
util::Result<Challenge> RespondToChallenge(AcmeClient& client, const SignAs& account,
                                           const std::string& challenge_url);

// Deactivates a pending authorization the client gives up on (§7.5.2), so it does not linger.
util::Result<void> DeactivateAuthorization(AcmeClient& client, const SignAs& account,
                                           const std::string& url);

// Polls an authorization until it leaves "pending". Returns it (valid or not).
util::Result<Authorization> PollAuthorization(AcmeClient& client, const SignAs& account,
                                              const std::string& url, Poller& poller);

enum class PollStart {
  kAfterDelay,  // the object was just seen unfinished: wait first
  kAtOnce,      // something it waits on just finished (e.g. its last authorization): look now
};

// Polls an order until it leaves "pending"/"processing".
util::Result<Order> PollOrder(AcmeClient& client, const SignAs& account, const Order& order,
                              Poller& poller, PollStart start = PollStart::kAfterDelay);

// finalize (§7.4) with a DER CSR. Returns the order as the CA answered (often "processing").
util::Result<Order> FinalizeOrder(AcmeClient& client, const SignAs& account, const Order& order,
                                  const std::string& csr_der);

struct CertificateChain {
  std::string pem;  // as served: leaf first, then intermediates
  std::string url;
};

// Downloads the certificate (§7.4.2) and every alternate chain the CA links with
// rel="alternate". The default chain comes first.
util::Result<std::vector<CertificateChain>> DownloadCertificateChains(AcmeClient& client,
                                                                      const SignAs& account,
                                                                      const std::string& url);

// RFC 5280 §5.3.1 reason codes accepted by revokeCert (§7.6); nullopt for unknown names.
std::optional<int> ParseRevocationReason(const std::string& name);

// revokeCert (§7.6) signed by the account that holds the certificate.
util::Result<void> RevokeCertificate(AcmeClient& client, const SignAs& account,
                                     const std::string& certificate_der,
                                     std::optional<int> reason);

}  // namespace mailcert::acme
