#pragma once
// Runs ACME orders: pairs each authorization with a challenge solver, finalizes with a CSR for
// the lineage's key, picks the chain, checks what came back, and stores it as a new version.
// Many lineages run at once; the authorizations of one order run at once too.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "acme/client.h"
#include "acme/order.h"
#include "acme/poll.h"
#include "challenge/solver.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "store/store.h"
#include "sys/clock.h"
#include "util/result.h"

namespace mailcert::obtain {

// The account every order of a run is placed with.
struct AccountContext {
  const crypto::JwsSigner* signer = nullptr;
  std::string url;         // kid
  std::string thumbprint;  // RFC 7638, for key authorizations (RFC 8555 §8.1)
};

enum class KeyPolicy {
  kReuse,   // keep the current version's key when its type still matches (DANE 3 1 1 stays valid)
  kRotate,  // always generate a new key (--new-key)
};

struct CertificateRequest {
  std::string lineage;
  std::vector<std::string> names;
  crypto::KeyType key_type = crypto::KeyType::kEc256;
  KeyPolicy key_policy = KeyPolicy::kReuse;
  std::string preferred_chain;  // issuer CN of the chain's top certificate; empty = CA default
  std::string profile;          // ACME profile (draft-aaron-acme-profiles); empty = CA default
  challenge::Solver* solver = nullptr;
  store::IssueRequest record;  // saved in state.json so `renew` can repeat the request
};

struct ObtainOptions {
  size_t authorization_parallelism = 32;
  acme::PollPolicy poll;
};

class Obtainer {
 public:
  Obtainer(acme::AcmeClient& client, AccountContext account, store::Store& store,
           sys::Clock& clock, ObtainOptions options = {});

  // Issues one certificate and stores it as the lineage's new current version; records the
  // attempt (success or failure) in the lineage's state.json.
  // Errors: kConflict (lineage locked), kAcmeProblem / kRateLimited (CA refused, with the
  // per-name reasons), kTimeout, kNetwork, kCrypto (the CA returned a certificate that does not
  // match the key or the names), kIo (store).
  util::Result<store::StoredVersion> Obtain(const CertificateRequest& request);

 private:
  struct Issued {
    store::VersionFiles files;
    store::VersionMeta meta;
    bool used_next_key = false;  // the key came from <lineage>/next-key.pem
  };
  util::Result<Issued> ObtainLocked(const CertificateRequest& request);
  util::Result<void> Authorize(const CertificateRequest& request, const acme::Order& order);

  acme::AcmeClient& client_;
  AccountContext account_;
  store::Store& store_;
  sys::Clock& clock_;
  ObtainOptions options_;
};

struct Outcome {
  std::string lineage;
  std::optional<store::StoredVersion> version;  // set on success
  std::optional<util::Error> error;             // set on failure
  double seconds = 0;
};

// Obtains every request with at most `concurrency` in flight. One failure never stops the
// others. `on_done` (may be empty) is called from worker threads, serialized, after each one.
std::vector<Outcome> ObtainAll(Obtainer& obtainer, const std::vector<CertificateRequest>& requests,
                               size_t concurrency,
                               const std::function<void(const Outcome&, size_t done,
                                                        size_t total)>& on_done);

}  // namespace mailcert::obtain
