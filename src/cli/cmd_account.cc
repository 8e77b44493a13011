// `account register|show|rollover|deactivate` and `revoke`.
#include "acme/account.h"
#include "acme/order.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/session.h"
#include "crypto/x509.h"
#include "util/log.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

std::string ServerOf(const Settings& settings) {
  return settings.server.empty() ? kLetsEncryptProduction : settings.server;
}

util::Json AccountJson(const store::AccountRecord& record, const std::string& thumbprint) {
  return {{"id", record.id},           {"directory", record.directory_url},
          {"url", record.url},         {"status", record.status},
          {"contact", record.contact}, {"key_thumbprint", thumbprint},
          {"created", util::FormatRfc3339(record.created)}};
}

void PrintAccount(const store::AccountRecord& record, const std::string& thumbprint,
                  const Flags& flags, const std::string& headline) {
  if (flags.json) {
    PrintJson(AccountJson(record, thumbprint));
    return;
  }
  std::printf("%s\n", headline.c_str());
  std::string table = FormatTable(
      {"FIELD", "VALUE"}, {{"url", record.url},
                           {"status", record.status},
                           {"contact", record.contact.empty() ? "-" : util::Join(record.contact, ", ")},
                           {"directory", record.directory_url},
                           {"key thumbprint", thumbprint},
                           {"created", util::FormatRfc3339(record.created)}});
  std::fwrite(table.data(), 1, table.size(), stdout);
}

}  // namespace

int RunAccount(const std::string& action, const Flags& flags) {
  auto settings = ResolveSettings(flags);
  if (!settings) {
    PrintError(settings.error());
    return kExitError;
  }
  if (action == "deactivate" && !flags.yes) {
    PrintError(util::Error{util::ErrorCode::kInvalidInput,
                           "deactivating an ACME account cannot be undone at the CA; run again "
                           "with --yes to do it",
                           {}});
    return kExitError;
  }
  store::Store store(sys::RealFs(), settings->state_dir);
  const AccountUse use =
      action == "register" ? AccountUse::kExistingOrRegister : AccountUse::kExistingOnly;
  auto session = CaSession::Open(ServerOf(*settings), settings->ca_bundle, store, *settings, use);
  if (!session) {
    PrintError(session.error());
    return kExitError;
  }
  CaSession& ca = **session;
  store::AccountRecord record = ca.account().record;

  if (action == "register") {
    PrintAccount(record, crypto::JwkThumbprint(ca.signer()), flags,
                 ca.registered_now() ? "registered" : "already registered");
    return 0;
  }
  if (action == "show") {
    auto remote = acme::UpdateAccount(ca.client(), ca.signer(), record.url, std::nullopt);
    if (!remote) {
      PrintError(remote.error());
      return kExitError;
    }
    record.status = remote->status;
    if (!remote->contact.empty()) record.contact = remote->contact;
    PrintAccount(record, crypto::JwkThumbprint(ca.signer()), flags, "account (as the CA sees it)");
    return 0;
  }
  if (action == "rollover") {
    const std::string old_thumbprint = crypto::JwkThumbprint(ca.signer());
    if (auto rolled = ca.RolloverKey(store, crypto::KeyType::kEc256); !rolled) {
      PrintError(rolled.error());
      return kExitError;
    }
    PrintAccount(record, crypto::JwkThumbprint(ca.signer()), flags,
                 "account key rolled over (old key thumbprint " + old_thumbprint + ")");
    return 0;
  }
  if (action == "deactivate") {
    auto deactivated = acme::DeactivateAccount(ca.client(), ca.signer(), record.url);
    if (!deactivated) {
      PrintError(deactivated.error());
      return kExitError;
    }
    record.status = deactivated->status.empty() ? "deactivated" : deactivated->status;
    if (auto saved = store.SaveAccount(ca.account().dir, record); !saved) {
      PrintError(saved.error());
      return kExitError;
    }
    PrintAccount(record, crypto::JwkThumbprint(ca.signer()), flags, "account deactivated");
    return 0;
  }
  PrintError(util::Error{util::ErrorCode::kInvalidInput,
                         "unknown account action " + util::Quote(action) +
                             " (register, show, rollover, deactivate)",
                         {}});
  return kExitError;
}

int RunRevoke(const Flags& flags) {
  auto settings = ResolveSettings(flags);
  if (!settings) {
    PrintError(settings.error());
    return kExitError;
  }
  auto fail = [](const util::Error& error) {
    PrintError(error);
    return kExitError;
  };
  if (!flags.cert_name) {
    return fail({util::ErrorCode::kInvalidInput, "revoke needs --cert-name LINEAGE", {}});
  }
  std::optional<int> reason;
  if (flags.reason) {
    reason = acme::ParseRevocationReason(*flags.reason);
    if (!reason) {
      return fail({util::ErrorCode::kInvalidInput,
                   "--reason " + util::Quote(*flags.reason) +
                       " is not a revocation reason (unspecified, keyCompromise, "
                       "affiliationChanged, superseded, cessationOfOperation)",
                   {}});
    }
  }
  store::Store store(sys::RealFs(), settings->state_dir);
  const std::string& lineage = *flags.cert_name;
  auto current = store.CurrentVersion(lineage);
  if (!current) return fail(current.error());
  if (!*current) {
    return fail({util::ErrorCode::kNotFound,
                 "no certificate " + util::Quote(lineage) + " in " + settings->state_dir, {}});
  }
  const store::VersionMeta& meta = (*current)->meta;
  auto lock = store.LockLineage(lineage);
  if (!lock) return fail(lock.error());
  auto files = store.ReadVersionFiles(**current);
  if (!files) return fail(files.error());
  auto leaf = crypto::ParseCertificate(files->cert_pem);
  if (!leaf) return fail(leaf.error());

  // The certificate is revoked through the CA and account that issued it (RFC 8555 §7.6).
  const std::string server = settings->server.empty() ? meta.directory_url : settings->server;
  const std::string ca_bundle = settings->ca_bundle.empty()
                                    ? store.ReadState(lineage).value_or(store::LineageState{})
                                          .request.ca_bundle
                                    : settings->ca_bundle;
  auto session = CaSession::Open(server, ca_bundle, store, *settings, AccountUse::kExistingOnly);
  if (!session) return fail(session.error());
  if (!meta.account_url.empty() && (*session)->account().record.url != meta.account_url) {
    return fail({util::ErrorCode::kNotFound,
                 "certificate " + lineage + " was issued by account " + meta.account_url +
                     ", which is not the stored account for " + server,
                 {}});
  }
  acme::SignAs sign_as{&(*session)->signer(), (*session)->account().record.url};
  if (auto revoked = acme::RevokeCertificate((*session)->client(), sign_as, leaf->der, reason);
      !revoked) {
    return fail(revoked.error());
  }
  auto state = store.ReadState(lineage);
  if (state) {
    state->revoked_serials.push_back(meta.serial_hex);
    if (reason == 1) state->key_compromised = true;  // keyCompromise
    if (auto saved = store.WriteState(lineage, *state); !saved) {
      util::LogWarning("revoked, but " + saved.error().message);
    }
  }
  if (flags.json) {
    PrintJson({{"lineage", lineage}, {"serial", meta.serial_hex}, {"status", "revoked"},
               {"reason", reason ? *reason : 0}});
  } else {
    std::printf("revoked %s: serial %s; `mailcert renew` will replace it\n", lineage.c_str(),
                meta.serial_hex.c_str());
  }
  return 0;
}

}  // namespace mailcert::cli
