#pragma once
// Account requests (RFC 8555 §7.3): one function per request.

#include <optional>
#include <string>
#include <vector>

#include "acme/client.h"
#include "crypto/jws.h"
#include "util/result.h"

namespace mailcert::acme {

struct Account {
  std::string url;     // the kid for later requests
  std::string status;  // valid | deactivated | revoked
  std::vector<std::string> contact;
  std::string orders;  // orders list URL, if the CA gives one
  bool created = false;  // 201 (new) rather than 200 (existing key)
};

struct ExternalAccountBinding {
  std::string key_id;
  std::string mac_key;  // raw bytes (decoded from the base64url the CA hands out); secret
};

struct NewAccountOptions {
  std::vector<std::string> contact;  // "mailto:admin@example.org"
  bool terms_of_service_agreed = true;
  bool only_return_existing = false;  // §7.3.1 lookup: no account is created
  std::optional<ExternalAccountBinding> external_account_binding;  // §7.3.4
};

// newAccount (§7.3). With only_return_existing, an unknown key gives kAcmeProblem with type
// accountDoesNotExist. Errors: kAcmeProblem, kRateLimited, kNetwork, kProtocol.
util::Result<Account> NewAccount(AcmeClient& client, const crypto::JwsSigner& account_key,
                                 const NewAccountOptions& options);

// Account update (§7.3.2) replacing the contact list; with nullopt a POST-as-GET reads it.
util::Result<Account> UpdateAccount(AcmeClient& client, const crypto::JwsSigner& account_key,
                                    const std::string& account_url,
                                    const std::optional<std::vector<std::string>>& contact);

// Account deactivation (§7.3.6). Irreversible at the CA.
util::Result<Account> DeactivateAccount(AcmeClient& client, const crypto::JwsSigner& account_key,
                                        const std::string& account_url);

// Account key rollover (§7.3.5): the inner JWS is signed by the new key (jwk header, no nonce),
// the outer by the old key (kid). After success only the new key works.
util::Result<void> ChangeAccountKey(AcmeClient& client, const crypto::JwsSigner& old_key,
                                    const std::string& account_url,
                                    const crypto::JwsSigner& new_key);

}  // namespace mailcert::acme
