#include "obtain/obtain.h"

#include <algorithm>
#include <mutex>

#include "acme/order.h"
#include "crypto/csr.h"
#include "obtain/chain.h"
#include "util/log.h"
#include "util/parallel.h"
#include "util/strings.h"

namespace mailcert::obtain {
namespace {

// Removes a presented challenge response whatever happens next (RFC 8555 §8.3 leaves cleanup to
// the client; a webroot must not fill up with stale tokens).
class CleanUpGuard {
 public:
  CleanUpGuard(challenge::Solver& solver, challenge::ChallengeTask task)
      : solver_(solver), task_(std::move(task)) {}
  ~CleanUpGuard() {
    if (auto cleaned = solver_.CleanUp(task_); !cleaned) {
      util::LogWarning("clean up challenge for " + task_.identifier + ": " +
                       cleaned.error().message);
    }
  }

 private:
  challenge::Solver& solver_;
  challenge::ChallengeTask task_;
};

std::string OfferedTypes(const acme::Authorization& authorization) {
  std::vector<std::string> types;
  for (const auto& challenge : authorization.challenges) types.push_back(challenge.type);
  return types.empty() ? "none" : util::Join(types, ", ");
}

// One line naming every name that failed. Messages end in " — hint" parts; the same hint for
// ten names is said once, after all the names.
util::Error CombineErrors(const std::vector<util::Error>& errors) {
  static constexpr std::string_view kHintSeparator = " — ";
  util::Error combined = errors.front();
  std::vector<std::string> cores;
  std::vector<std::string> hints;
  for (const auto& error : errors) {
    std::string_view message = error.message;
    size_t cut = message.find(kHintSeparator);
    cores.emplace_back(message.substr(0, cut));
    while (cut != std::string_view::npos) {
      message.remove_prefix(cut + kHintSeparator.size());
      cut = message.find(kHintSeparator);
      std::string hint(message.substr(0, cut));
      if (std::find(hints.begin(), hints.end(), hint) == hints.end()) hints.push_back(hint);
    }
  }
  combined.message = util::Join(cores, "; ");
  for (const auto& hint : hints) combined.message += std::string(kHintSeparator) + hint;
  return combined;
}

// The key a new version gets.
struct KeyChoice {
  crypto::PrivateKey key;
  bool reused = false;         // the current version's key
  bool from_next_key = false;  // <lineage>/next-key.pem
};

// The current version's key when the policy is reuse and its type still fits (the default: DANE
// "3 1 1" records stay valid across renewals); else the lineage's pre-made next key of the right
// type (its TLSA record may already be published, RFC 7671 §8.1) unless it already is the current
// key (a crash after it went into a version, before its file was removed); else a fresh one.
util::Result<KeyChoice> ChooseKey(store::Store& store, const CertificateRequest& request,
                                  const std::optional<store::StoredVersion>& current) {
  std::optional<crypto::PrivateKey> current_key;
  if (current) {
    MC_ASSIGN_OR_RETURN(store::VersionFiles files, store.ReadVersionFiles(*current));
    if (auto parsed = crypto::PrivateKey::FromPem(files.key_pem)) current_key = std::move(*parsed);
  }
  if (request.key_policy == KeyPolicy::kReuse && current_key &&
      current_key->Type() == request.key_type) {
    return KeyChoice{std::move(*current_key), true, false};
  }
  MC_ASSIGN_OR_RETURN(auto next_pem, store.ReadNextKey(request.lineage));
  if (next_pem) {
    auto next = crypto::PrivateKey::FromPem(*next_pem);
    const bool is_current =
        next && current_key && current_key->PublicKeyDer() == next->PublicKeyDer();
    if (next && next->Type() == request.key_type && !is_current) {
      return KeyChoice{std::move(*next), false, true};
    }
  }
  MC_ASSIGN_OR_RETURN(crypto::PrivateKey fresh, crypto::PrivateKey::Generate(request.key_type));
  return KeyChoice{std::move(fresh), false, false};
}

}  // namespace

Obtainer::Obtainer(acme::AcmeClient& client, AccountContext account, store::Store& store,
                   sys::Clock& clock, ObtainOptions options)
    : client_(client), account_(std::move(account)), store_(store), clock_(clock),
      options_(options) {}

util::Result<void> Obtainer::Authorize(const CertificateRequest& request,
                                       const acme::Order& order) {
  const acme::SignAs sign_as{account_.signer, account_.url};
  std::vector<std::optional<util::Error>> errors(order.authorizations.size());
  util::ParallelFor(
      order.authorizations.size(), options_.authorization_parallelism, [&](size_t i) {
        auto result = [&]() -> util::Result<void> {
          const std::string& url = order.authorizations[i];
          MC_ASSIGN_OR_RETURN(acme::Authorization authorization,
                              acme::FetchAuthorization(client_, sign_as, url));
          const std::string& name = authorization.identifier.value;
          if (authorization.status == "valid") return {};  // reused by the CA (§7.1.3)
          if (authorization.status != "pending") {
            return util::Fail(util::ErrorCode::kAcmeProblem,
                              name + ": the CA's authorization is " + authorization.status);
          }
          const std::string type = request.solver->ChallengeType();
          const acme::Challenge* challenge = authorization.Find(type);
          if (challenge == nullptr) {
            return util::Fail(util::ErrorCode::kAcmeProblem,
                              name + ": the CA offers no " + type + " challenge (it offers " +
                                  OfferedTypes(authorization) + ")");
          }
          challenge::ChallengeTask task{name, type, challenge->token,
                                        challenge->token + "." + account_.thumbprint,
                                        authorization.wildcard, request.names};
          MC_RETURN_IF_ERROR(request.solver->Present(task));
          CleanUpGuard guard(*request.solver, task);
          MC_RETURN_IF_ERROR(acme::RespondToChallenge(client_, sign_as, challenge->url));
          acme::Poller poller(clock_, options_.poll);
          MC_ASSIGN_OR_RETURN(acme::Authorization done,
                              acme::PollAuthorization(client_, sign_as, url, poller));
          if (done.status == "valid") return {};
          if (auto problem = done.FailedChallengeError()) {
            return util::Fail(acme::ProblemToError(*problem, name + ": " + type +
                                                                 " validation failed",
                                                   std::nullopt));
          }
          return util::Fail(util::ErrorCode::kAcmeProblem,
                            name + ": " + type + " validation ended " + done.status);
        }();
        if (!result) errors[i] = result.error();
      });

  std::vector<util::Error> failed;
  for (auto& error : errors) {
    if (error) failed.push_back(std::move(*error));
  }
  if (failed.empty()) return {};
  return util::Fail(CombineErrors(failed));
}

util::Result<Obtainer::Issued> Obtainer::ObtainLocked(const CertificateRequest& request) {
  if (request.solver == nullptr) {
    return util::Fail(util::ErrorCode::kInternal, "no challenge solver for " + request.lineage);
  }
  MC_RETURN_IF_ERROR(store_.Recover(request.lineage));
  MC_ASSIGN_OR_RETURN(auto current, store_.CurrentVersion(request.lineage));

  MC_ASSIGN_OR_RETURN(KeyChoice choice, ChooseKey(store_, request, current));
  MC_ASSIGN_OR_RETURN(std::string csr, crypto::MakeCsrDer(choice.key, request.names));

  const acme::SignAs sign_as{account_.signer, account_.url};
  std::vector<acme::Identifier> identifiers;
  for (const auto& name : request.names) identifiers.push_back(acme::MakeIdentifier(name));
  MC_ASSIGN_OR_RETURN(acme::Order order,
                      acme::NewOrder(client_, sign_as, identifiers,
                                     acme::NewOrderOptions{request.profile, ""}));
  if (order.status == "invalid") {
    return util::Fail(util::ErrorCode::kAcmeProblem, "the CA created the order already invalid");
  }
  if (order.status == "pending") {
    MC_RETURN_IF_ERROR(Authorize(request, order));
    // With every authorization valid the order is ready (RFC 8555 §7.1.6), so finalize without
    // fetching it first; a server that lags answers orderNotReady (§7.4), and then we poll.
    auto finalized = acme::FinalizeOrder(client_, sign_as, order, csr);
    if (!finalized && acme::IsProblem(finalized.error(), "orderNotReady")) {
      acme::Poller poller(clock_, options_.poll);
      MC_ASSIGN_OR_RETURN(order, acme::PollOrder(client_, sign_as, order, poller,
                                                 acme::PollStart::kAtOnce));
    } else if (!finalized) {
      return util::Fail(finalized.error());
    } else {
      order = std::move(*finalized);
    }
  }
  if (order.status == "ready") {
    MC_ASSIGN_OR_RETURN(order, acme::FinalizeOrder(client_, sign_as, order, csr));
  }
  if (order.status == "processing" || order.status == "ready") {
    acme::Poller poller(clock_, options_.poll);
    MC_ASSIGN_OR_RETURN(order, acme::PollOrder(client_, sign_as, order, poller));
  }
  if (order.status != "valid" || order.certificate.empty()) {
    if (order.error) return util::Fail(acme::ProblemToError(*order.error, "order", std::nullopt));
    return util::Fail(util::ErrorCode::kAcmeProblem, "the order ended " + order.status);
  }

  MC_ASSIGN_OR_RETURN(auto chains,
                      acme::DownloadCertificateChains(client_, sign_as, order.certificate));
  MC_ASSIGN_OR_RETURN(ParsedChain chain, SelectChain(chains, request.preferred_chain));
  const crypto::CertificateInfo& leaf = chain.leaf;
  MC_RETURN_IF_ERROR(CheckIssuedCertificate(leaf, choice.key, request.names));

  store::VersionFiles files;
  MC_ASSIGN_OR_RETURN(files.key_pem, choice.key.ToPem());
  files.cert_pem = ChainPem(chain.der, 0, 1);
  files.chain_pem = ChainPem(chain.der, 1, chain.der.size());
  files.fullchain_pem = files.cert_pem + files.chain_pem;

  store::VersionMeta meta;
  meta.names = request.names;
  meta.key_type = std::string(crypto::KeyTypeName(request.key_type));
  meta.issued_at = clock_.Now();
  meta.not_before = leaf.not_before;
  meta.not_after = leaf.not_after;
  meta.serial_hex = leaf.serial_hex;
  meta.issuer_cn = leaf.issuer_cn;
  meta.fingerprint_sha256_hex = util::HexEncode(leaf.fingerprint_sha256);
  meta.spki_sha256_hex = util::HexEncode(leaf.spki_sha256);
  meta.directory_url = client_.directory_url();
  meta.account_url = account_.url;
  meta.order_url = order.url;
  meta.certificate_url = chain.url;
  meta.key_reused = choice.reused;
  return Issued{std::move(files), std::move(meta), choice.from_next_key};
}

util::Result<store::StoredVersion> Obtainer::Obtain(const CertificateRequest& request) {
  MC_ASSIGN_OR_RETURN(sys::FileLock lock, store_.LockLineage(request.lineage));
  MC_ASSIGN_OR_RETURN(store::LineageState state, store_.ReadState(request.lineage));
  const util::TimePoint started = clock_.Now();
  CertificateRequest effective = request;
  // A key revoked as compromised is never reused (RFC 5280 §5.3.1 keyCompromise; CAs also
  // block such keys).
  if (state.key_compromised) effective.key_policy = KeyPolicy::kRotate;
  auto issued = ObtainLocked(effective);

  // The attempt is recorded either way: the failure count drives backoff, and `renew` repeats
  // the request it finds here. A success is stored together with its state.
  state.request = request.record;
  state.last_attempt = started;
  util::Result<store::StoredVersion> result = util::Fail(util::ErrorCode::kInternal, "unset");
  if (issued) {
    store::LineageState success = state;
    success.last_success = clock_.Now();
    success.consecutive_failures = 0;
    success.last_error.clear();
    success.key_compromised = false;
    result = store_.AddVersion(request.lineage, issued->files, std::move(issued->meta), &success);
    if (result) {
      // The next key is now the current one; `mailcert tlsa` makes the one after it.
      if (issued->used_next_key) {
        if (auto removed = store_.RemoveNextKey(request.lineage); !removed) {
          util::LogWarning("certificate " + request.lineage + ": " + removed.error().message);
        }
      }
      return result;
    }
  } else {
    result = util::Fail(issued.error());
  }
  ++state.consecutive_failures;
  state.last_error = result.error().message;
  if (auto saved = store_.WriteState(request.lineage, state); !saved) {
    util::LogWarning("certificate " + request.lineage + ": " + saved.error().message);
  }
  return result;
}

std::vector<Outcome> ObtainAll(Obtainer& obtainer, const std::vector<CertificateRequest>& requests,
                               size_t concurrency,
                               const std::function<void(const Outcome&, size_t, size_t)>& on_done) {
  std::vector<Outcome> outcomes(requests.size());
  std::mutex mutex;
  size_t done = 0;
  util::ParallelFor(requests.size(), std::max<size_t>(concurrency, 1), [&](size_t i) {
    const auto start = std::chrono::steady_clock::now();
    Outcome outcome;
    outcome.lineage = requests[i].lineage;
    auto result = obtainer.Obtain(requests[i]);
    if (result) {
      outcome.version = std::move(*result);
    } else {
      outcome.error = result.error();
    }
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard<std::mutex> lock(mutex);
    outcomes[i] = std::move(outcome);
    ++done;
    if (on_done) on_done(outcomes[i], done, requests.size());
  });
  return outcomes;
}

}  // namespace mailcert::obtain
