#pragma once
// One CA for one run: the HTTP client (one connection, reused), the ACME client (one nonce
// pool), and the account — loaded from the store, or registered on first use.

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "acme/client.h"
#include "challenge/solver.h"
#include "cli/settings.h"
#include "crypto/jws.h"
#include "net/http_client.h"
#include "obtain/obtain.h"
#include "store/store.h"
#include "sys/clock.h"

namespace mailcert::cli {

enum class AccountUse {
  kExistingOrRegister,  // issue/renew: register with the CA on first use
  kExistingOnly,        // show/rollover/deactivate/revoke: an account must already be stored
};

class CaSession {
 public:
  // Errors: kInvalidInput (bad CA bundle, EAB key not base64url), kNetwork, kProtocol (not an
  // ACME directory), kAcmeProblem (registration refused), kNotFound (kExistingOnly and no
  // account stored for this CA).
  static util::Result<std::unique_ptr<CaSession>> Open(const std::string& server,
                                                       const std::string& ca_bundle,
                                                       store::Store& store,
                                                       const Settings& settings, AccountUse use);

  acme::AcmeClient& client() { return *client_; }
  const crypto::JwsSigner& signer() const { return *signer_; }
  const store::StoredAccount& account() const { return account_; }
  obtain::AccountContext context() const;
  bool registered_now() const { return registered_now_; }

  // Account key rollover (RFC 8555 §7.3.5), crash-safe through the store's staged key.
  util::Result<void> RolloverKey(store::Store& store, crypto::KeyType type);

 private:
  CaSession() = default;
  util::Result<void> LoadOrRegister(store::Store& store, const Settings& settings,
                                    AccountUse use);
  util::Result<void> FinishInterruptedRollover(store::Store& store);

  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<acme::AcmeClient> client_;
  std::unique_ptr<crypto::JwsSigner> signer_;
  store::StoredAccount account_;
  bool registered_now_ = false;
};

// HTTP client options every mailcert request uses (User-Agent names mailcert and its version).
net::HttpClientOptions DefaultHttpOptions(const std::string& ca_bundle);

// Solvers shared by all lineages of a run: one listener per address set, one per webroot, one
// dns-01 solver per provider choice (the [[dns]] tables, with --dns or a recorded provider).
class SolverSet {
 public:
  explicit SolverSet(const Settings& settings) : settings_(settings) {}

  // The solver for a lineage, created and prepared on first use.
  // Errors: from Solver::Prepare (port in use, webroot not writable); for dns-01 the
  // configuration's (a missing credential, a credentials file others may read).
  util::Result<challenge::Solver*> For(const LineageSpec& spec);

 private:
  util::Result<std::unique_ptr<challenge::Solver>> MakeDns01(const LineageSpec& spec);

  const Settings& settings_;
  std::unique_ptr<net::HttpClient> http_;  // the DNS providers' APIs
  std::map<std::string, std::unique_ptr<challenge::Solver>> solvers_;
  std::map<std::string, util::Error> failures_;
};

}  // namespace mailcert::cli
