#include "acme/account.h"

#include "util/base64.h"
#include "util/json.h"

namespace mailcert::acme {
namespace {

util::Result<Account> ParseAccount(const AcmeResponse& response, const std::string& url,
                                   const std::string& context) {
  Account account;
  account.url = response.location.empty() ? url : response.location;
  account.created = response.status == 201;
  if (account.url.empty()) {
    return util::Fail(util::ErrorCode::kProtocol,
                      context + ": the CA did not return the account URL (Location header)");
  }
  if (!response.body.empty()) {
    MC_ASSIGN_OR_RETURN(util::Json json, util::ParseJson(response.body, context));
    account.status = util::OptionalString(json, "status").value_or("");
    account.contact = util::StringArray(json, "contact");
    account.orders = util::OptionalString(json, "orders").value_or("");
  }
  return account;
}

// The externalAccountBinding member (§7.3.4): a JWS over the account's public JWK, HS256-signed
// with the CA-issued MAC key, its url the newAccount URL.
util::Result<util::Json> MakeBinding(const ExternalAccountBinding& binding,
                                     const crypto::JwsSigner& account_key,
                                     const std::string& new_account_url) {
  util::Json header = {{"alg", "HS256"}, {"kid", binding.key_id}, {"url", new_account_url}};
  MC_ASSIGN_OR_RETURN(std::string jws,
                      crypto::SignFlattenedJwsHs256(binding.mac_key, util::DumpJson(header),
                                                    account_key.PublicJwkJson()));
  return util::ParseJson(jws, "external account binding", util::ErrorCode::kInternal);
}

}  // namespace

util::Result<Account> NewAccount(AcmeClient& client, const crypto::JwsSigner& account_key,
                                 const NewAccountOptions& options) {
  MC_ASSIGN_OR_RETURN(Directory directory, client.GetDirectory());
  util::Json payload = util::Json::object();
  if (options.only_return_existing) {
    payload["onlyReturnExisting"] = true;
  } else {
    if (!options.contact.empty()) payload["contact"] = options.contact;
    if (options.terms_of_service_agreed) payload["termsOfServiceAgreed"] = true;
    if (options.external_account_binding) {
      MC_ASSIGN_OR_RETURN(payload["externalAccountBinding"],
                          MakeBinding(*options.external_account_binding, account_key,
                                      directory.new_account));
    } else if (directory.external_account_required) {
      return util::Fail(util::ErrorCode::kInvalidInput,
                        "the CA at " + client.directory_url() +
                            " requires External Account Binding: pass --eab-kid and "
                            "--eab-hmac-key from your CA account");
    }
  }
  const std::string context = options.only_return_existing ? "look up ACME account"
                                                           : "register ACME account";
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(directory.new_account, util::DumpJson(payload),
                                  SignAs{&account_key, ""}, context));
  return ParseAccount(response, "", context);
}

util::Result<Account> UpdateAccount(AcmeClient& client, const crypto::JwsSigner& account_key,
                                    const std::string& account_url,
                                    const std::optional<std::vector<std::string>>& contact) {
  // Reading is a POST-as-GET (§6.3); an empty update is refused by strict servers.
  std::optional<std::string> payload;
  if (contact) payload = util::DumpJson(util::Json{{"contact", *contact}});
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(account_url, payload, SignAs{&account_key, account_url},
                                  contact ? "update ACME account" : "read ACME account"));
  return ParseAccount(response, account_url, "read ACME account");
}

util::Result<Account> DeactivateAccount(AcmeClient& client, const crypto::JwsSigner& account_key,
                                        const std::string& account_url) {
  util::Json payload = {{"status", "deactivated"}};
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(account_url, util::DumpJson(payload),
                                  SignAs{&account_key, account_url}, "deactivate ACME account"));
  return ParseAccount(response, account_url, "deactivate ACME account");
}

util::Result<void> ChangeAccountKey(AcmeClient& client, const crypto::JwsSigner& old_key,
                                    const std::string& account_url,
                                    const crypto::JwsSigner& new_key) {
  MC_ASSIGN_OR_RETURN(Directory directory, client.GetDirectory());
  if (directory.key_change.empty()) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "the CA at " + client.directory_url() +
                          " does not offer account key rollover (no keyChange in its directory)");
  }
  MC_ASSIGN_OR_RETURN(util::Json old_jwk, util::ParseJson(old_key.PublicJwkJson(), "jwk",
                                                          util::ErrorCode::kInternal));
  util::Json inner_payload = {{"account", account_url}, {"oldKey", old_jwk}};
  MC_ASSIGN_OR_RETURN(std::string inner,
                      client.SignedBody(directory.key_change, util::DumpJson(inner_payload),
                                        SignAs{&new_key, ""}, ""));
  MC_ASSIGN_OR_RETURN(AcmeResponse response,
                      client.Post(directory.key_change, inner, SignAs{&old_key, account_url},
                                  "roll over ACME account key"));
  (void)response;
  return {};
}

}  // namespace mailcert::acme
