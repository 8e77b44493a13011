#include "acme/directory.h"

#include "util/json.h"

namespace mailcert::acme {

util::Result<Directory> ParseDirectory(const std::string& body, const std::string& url) {
  const std::string origin = "ACME directory " + url;
  auto json = util::ParseJson(body, origin);
  if (!json) {
    return util::Fail(util::ErrorCode::kProtocol,
                      url + " did not answer with an ACME directory (not JSON); check --server",
                      json.error().detail);
  }
  if (!json->is_object()) {
    return util::Fail(util::ErrorCode::kProtocol,
                      url + " did not answer with an ACME directory (not a JSON object); check "
                            "--server");
  }
  Directory directory;
  directory.url = url;
  auto require = [&](const char* key, std::string& field) -> util::Result<void> {
    auto value = util::OptionalString(*json, key);
    if (!value || value->empty()) {
      return util::Fail(util::ErrorCode::kProtocol,
                        url + " is not an ACME directory: field \"" + key +
                            "\" is missing; check --server");
    }
    field = *value;
    return {};
  };
  MC_RETURN_IF_ERROR(require("newNonce", directory.new_nonce));
  MC_RETURN_IF_ERROR(require("newAccount", directory.new_account));
  MC_RETURN_IF_ERROR(require("newOrder", directory.new_order));
  MC_RETURN_IF_ERROR(require("revokeCert", directory.revoke_cert));
  directory.key_change = util::OptionalString(*json, "keyChange").value_or("");
  directory.new_authz = util::OptionalString(*json, "newAuthz").value_or("");
  directory.renewal_info = util::OptionalString(*json, "renewalInfo").value_or("");
  if (auto meta = json->find("meta"); meta != json->end() && meta->is_object()) {
    directory.terms_of_service = util::OptionalString(*meta, "termsOfService").value_or("");
    directory.website = util::OptionalString(*meta, "website").value_or("");
    directory.caa_identities = util::StringArray(*meta, "caaIdentities");
    directory.external_account_required =
        util::OptionalBool(*meta, "externalAccountRequired").value_or(false);
    if (auto profiles = meta->find("profiles"); profiles != meta->end() && profiles->is_object()) {
      for (const auto& [name, description] : profiles->items()) {
        directory.profiles[name] = description.is_string() ? description.get<std::string>() : "";
      }
    }
  }
  return directory;
}

}  // namespace mailcert::acme
