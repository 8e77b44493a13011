#pragma once
// The ACME directory object (RFC 8555 §7.1.1) and the renewalInfo URL of ARI (RFC 9773 §4).

#include <map>
#include <string>
#include <vector>

#include "util/result.h"

namespace mailcert::acme {

struct Directory {
  std::string url;
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  std::string revoke_cert;
  std::string key_change;
  std::string new_authz;      // optional (pre-authorization), unused by mailcert
  std::string renewal_info;   // optional (ARI)
  // meta (RFC 8555 §7.1.1)
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;
  bool external_account_required = false;
  std::map<std::string, std::string> profiles;  // name → description (LE profiles)
};

// Errors: kProtocol naming the URL when the body is not a directory ("… is not an ACME
// directory: field \"newNonce\" is missing"), so a wrong --server gets a clear message.
util::Result<Directory> ParseDirectory(const std::string& body, const std::string& url);

}  // namespace mailcert::acme
