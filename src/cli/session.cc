#include "cli/session.h"

#include "acme/account.h"
#include "challenge/http01.h"
#include "cli/dns_setup.h"
#include "util/base64.h"
#include "util/log.h"
#include "util/strings.h"
#include "util/version.h"

namespace mailcert::cli {

net::HttpClientOptions DefaultHttpOptions(const std::string& ca_bundle) {
  net::HttpClientOptions options;
  options.user_agent = std::string("mailcert/") + util::kVersion;
  options.extra_ca_bundle_file = ca_bundle;
  return options;
}

util::Result<std::unique_ptr<CaSession>> CaSession::Open(const std::string& server,
                                                         const std::string& ca_bundle,
                                                         store::Store& store,
                                                         const Settings& settings,
                                                         AccountUse use) {
  std::unique_ptr<CaSession> session(new CaSession());
  auto http = net::MakeHttpClient(DefaultHttpOptions(ca_bundle));
  if (!http) return util::Fail(http.error());
  session->http_ = std::move(*http);
  session->client_ =
      std::make_unique<acme::AcmeClient>(*session->http_, sys::RealClock(), server);
  MC_RETURN_IF_ERROR(session->client_->GetDirectory());
  MC_RETURN_IF_ERROR(session->LoadOrRegister(store, settings, use));
  return session;
}

obtain::AccountContext CaSession::context() const {
  return obtain::AccountContext{signer_.get(), account_.record.url, crypto::JwkThumbprint(*signer_)};
}

util::Result<void> CaSession::FinishInterruptedRollover(store::Store& store) {
  MC_ASSIGN_OR_RETURN(auto staged, store.StagedRolloverKey(account_.dir));
  if (!staged) return {};
  // A rollover was interrupted: the CA may already know only the new key. Ask it.
  MC_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(*staged));
  MC_ASSIGN_OR_RETURN(auto signer, crypto::MakeKeySigner(key));
  acme::NewAccountOptions lookup;
  lookup.only_return_existing = true;
  auto found = acme::NewAccount(*client_, *signer, lookup);
  if (found && found->url == account_.record.url) {
    MC_RETURN_IF_ERROR(store.PromoteRolloverKey(account_.dir));
    account_.key_pem = *staged;
    util::LogWarning("finished an interrupted account key rollover for " + account_.record.url);
  } else {
    MC_RETURN_IF_ERROR(store.DiscardRolloverKey(account_.dir));
    util::LogWarning("discarded the new key of an interrupted account key rollover; the CA "
                     "still knows the old one");
  }
  return {};
}

util::Result<void> CaSession::LoadOrRegister(store::Store& store, const Settings& settings,
                                             AccountUse use) {
  const std::string& server = client_->directory_url();
  MC_ASSIGN_OR_RETURN(auto accounts, store.ListAccounts(server));
  const store::StoredAccount* chosen = nullptr;
  const store::StoredAccount* unfinished = nullptr;
  for (const auto& account : accounts) {
    if (account.record.status == "valid" && !account.record.url.empty()) {
      chosen = &account;
      break;
    }
    if (account.record.url.empty() && unfinished == nullptr) unfinished = &account;
  }
  if (chosen != nullptr) {
    account_ = *chosen;
    MC_RETURN_IF_ERROR(FinishInterruptedRollover(store));
    MC_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(account_.key_pem));
    MC_ASSIGN_OR_RETURN(signer_, crypto::MakeKeySigner(key));
    return {};
  }
  if (use == AccountUse::kExistingOnly) {
    return util::Fail(util::ErrorCode::kNotFound,
                      "no ACME account for " + server + " in " + store.root() +
                          ": register one with `mailcert account register`");
  }

  // Register: the key is stored first, so a crash after the CA accepted it loses nothing —
  // registering the same key again returns the same account (RFC 8555 §7.3.1).
  std::string key_pem;
  std::string account_dir;
  if (unfinished != nullptr) {
    key_pem = unfinished->key_pem;
    account_dir = unfinished->dir;
  } else {
    MC_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                        crypto::PrivateKey::Generate(crypto::KeyType::kEc256));
    MC_ASSIGN_OR_RETURN(key_pem, key.ToPem());
    MC_ASSIGN_OR_RETURN(auto signer, crypto::MakeKeySigner(key));
    const std::string id = crypto::JwkThumbprint(*signer).substr(0, 16);
    MC_ASSIGN_OR_RETURN(account_dir, store.CreateAccountDir(server, id, key_pem));
    store::AccountRecord pending;
    pending.id = id;
    pending.directory_url = server;
    pending.status = "new";
    pending.created = sys::RealClock().Now();
    MC_RETURN_IF_ERROR(store.SaveAccount(account_dir, pending));
  }
  MC_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(key_pem));
  MC_ASSIGN_OR_RETURN(signer_, crypto::MakeKeySigner(key));

  acme::NewAccountOptions options;
  if (!settings.email.empty()) options.contact = {"mailto:" + settings.email};
  options.terms_of_service_agreed = true;
  if (!settings.eab_kid.empty()) {
    auto mac_key = util::Base64Decode(settings.eab_hmac_key);
    if (!mac_key || mac_key->empty()) {
      return util::Fail(util::ErrorCode::kInvalidInput,
                        "--eab-hmac-key is not base64url; paste the MAC key exactly as your CA "
                        "shows it");
    }
    options.external_account_binding = acme::ExternalAccountBinding{settings.eab_kid, *mac_key};
  }
  MC_ASSIGN_OR_RETURN(acme::Account registered, acme::NewAccount(*client_, *signer_, options));
  MC_ASSIGN_OR_RETURN(auto directory, client_->GetDirectory());

  store::AccountRecord record;
  record.id = sys::BaseName(account_dir);
  record.directory_url = server;
  record.url = registered.url;
  record.contact = registered.contact.empty() ? options.contact : registered.contact;
  record.status = registered.status.empty() ? "valid" : registered.status;
  record.eab_kid = settings.eab_kid;
  record.created = sys::RealClock().Now();
  MC_RETURN_IF_ERROR(store.SaveAccount(account_dir, record));
  account_ = store::StoredAccount{record, key_pem, account_dir};
  registered_now_ = true;
  util::LogInfo("registered ACME account " + record.url +
                (directory.terms_of_service.empty()
                     ? std::string()
                     : " (terms of service: " + directory.terms_of_service + ")"));
  return {};
}

util::Result<void> CaSession::RolloverKey(store::Store& store, crypto::KeyType type) {
  MC_ASSIGN_OR_RETURN(crypto::PrivateKey new_key, crypto::PrivateKey::Generate(type));
  MC_ASSIGN_OR_RETURN(std::string new_pem, new_key.ToPem());
  MC_ASSIGN_OR_RETURN(auto new_signer, crypto::MakeKeySigner(new_key));
  MC_RETURN_IF_ERROR(store.StageRolloverKey(account_.dir, new_pem));
  auto changed = acme::ChangeAccountKey(*client_, *signer_, account_.record.url, *new_signer);
  if (!changed) {
    (void)store.DiscardRolloverKey(account_.dir);
    return changed;
  }
  MC_RETURN_IF_ERROR(store.PromoteRolloverKey(account_.dir));
  account_.key_pem = new_pem;
  signer_ = std::move(new_signer);
  return {};
}

util::Result<std::unique_ptr<challenge::Solver>> SolverSet::MakeDns01(const LineageSpec& spec) {
  MC_ASSIGN_OR_RETURN(auto routes, DnsRoutes(settings_, spec.dns_provider, spec.dns_credentials));
  if (!http_) {
    MC_ASSIGN_OR_RETURN(http_, net::MakeHttpClient(DefaultHttpOptions("")));
  }
  MC_ASSIGN_OR_RETURN(auto solver, MakeDns01Solver(std::move(routes), settings_.state_dir, *http_));
  return std::unique_ptr<challenge::Solver>(std::move(solver));
}

util::Result<challenge::Solver*> SolverSet::For(const LineageSpec& spec) {
  const std::string key = spec.challenge == "dns-01"
                              ? "dns " + spec.dns_provider + " " + spec.dns_credentials
                          : spec.webroot.empty() ? "listen " + spec.http_listen
                                                 : "webroot " + spec.webroot;
  if (auto failed = failures_.find(key); failed != failures_.end()) {
    return util::Fail(failed->second);
  }
  if (auto found = solvers_.find(key); found != solvers_.end()) return found->second.get();
  std::unique_ptr<challenge::Solver> solver;
  if (spec.challenge == "dns-01") {
    auto made = MakeDns01(spec);
    if (!made) {
      failures_.emplace(key, made.error());
      return util::Fail(made.error());
    }
    solver = std::move(*made);
  } else if (!spec.webroot.empty()) {
    solver = std::make_unique<challenge::Http01Webroot>(sys::RealFs(), spec.webroot);
  } else {
    std::vector<std::string> addresses;
    for (const auto& address : util::Split(spec.http_listen, ',')) {
      if (!util::Trim(address).empty()) addresses.emplace_back(util::Trim(address));
    }
    solver = std::make_unique<challenge::Http01Standalone>(std::move(addresses));
  }
  if (auto prepared = solver->Prepare(); !prepared) {
    failures_.emplace(key, prepared.error());
    return util::Fail(prepared.error());
  }
  challenge::Solver* pointer = solver.get();
  solvers_.emplace(key, std::move(solver));
  return pointer;
}

}  // namespace mailcert::cli
