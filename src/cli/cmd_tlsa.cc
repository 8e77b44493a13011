// `tlsa`: the DANE TLSA records to publish for a lineage — its current key and its next key —
// so a key rotation never breaks DANE (RFC 7671 §8.1, "current + next"). The next key is made
// here when the lineage has none (0600 in <lineage>/next-key.pem); `renew --new-key` takes it,
// so the record for the new certificate is in DNS before the certificate exists, and the deploy
// DANE guard lets it through at once.
#include "cli/commands.h"
#include "cli/output.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "store/store.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

std::string SpkiSha256Hex(const crypto::PrivateKey& key) {
  return util::HexEncode(crypto::Sha256(key.PublicKeyDer()));
}

// The lineage's next key, made now (same type as the current key) when there is none usable.
util::Result<crypto::PrivateKey> NextKey(store::Store& store, const std::string& lineage,
                                         crypto::KeyType type, bool& made) {
  made = false;
  MC_ASSIGN_OR_RETURN(auto pem, store.ReadNextKey(lineage));
  if (pem) {
    auto key = crypto::PrivateKey::FromPem(*pem);
    if (key && key->Type() == type) return std::move(*key);
  }
  MC_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(type));
  MC_ASSIGN_OR_RETURN(std::string key_pem, key.ToPem());
  MC_RETURN_IF_ERROR(store.WriteNextKey(lineage, key_pem));
  made = true;
  return key;
}

}  // namespace

int RunTlsa(const Flags& flags, const TlsaRequest& request) {
  auto settings = ResolveSettings(flags);
  if (!settings) {
    PrintError(settings.error());
    return kExitError;
  }
  store::Store store(sys::RealFs(), settings->state_dir);
  std::vector<std::string> lineages;
  if (flags.cert_name) {
    lineages = {*flags.cert_name};
  } else {
    auto listed = store.ListLineages();
    if (!listed) {
      PrintError(listed.error());
      return kExitError;
    }
    lineages = *listed;
  }
  util::Json list = util::Json::array();
  std::string text;
  for (const auto& lineage : lineages) {
    auto current = store.CurrentVersion(lineage);
    if (!current || !*current) {
      PrintError(current ? util::Error{util::ErrorCode::kNotFound,
                                       "certificate " + lineage +
                                           " has no version yet: issue it "
                                           "first",
                                       {}}
                         : current.error());
      return kExitError;
    }
    const store::VersionMeta& meta = (*current)->meta;
    auto type = crypto::ParseKeyType(meta.key_type);
    if (!type) {
      PrintError({util::ErrorCode::kInvalidInput,
                  "certificate " + lineage + ": unknown key type " + util::Quote(meta.key_type),
                  {}});
      return kExitError;
    }
    bool made = false;
    auto next = NextKey(store, lineage, *type, made);
    if (!next) {
      PrintError(next.error());
      return kExitError;
    }
    // The MX names: what --name says, else the certificate's first name (its host name; TLSA for
    // autoconfig or webmail names would serve no sender).
    std::vector<std::string> names = request.names;
    if (names.empty() && !meta.names.empty()) names = {meta.names.front()};
    const std::string current_digest = meta.spki_sha256_hex;
    const std::string next_digest = SpkiSha256Hex(*next);
    util::Json records = util::Json::array();
    text += "; " + lineage + ": version " + std::to_string(meta.number) + "'s key, then the next " +
            "key (" + (made ? "made now" : "made earlier") + ", used by renew --new-key)\n";
    for (const auto& name : names) {
      const std::string owner = "_" + std::to_string(request.port) + "._tcp." + name + ".";
      for (const auto& [which, digest] :
           {std::pair<const char*, std::string>{"current", current_digest},
            {"next", next_digest}}) {
        text += owner + " IN TLSA 3 1 1 " + digest + "\n";
        records.push_back({{"owner", owner},
                           {"key", which},
                           {"usage", 3},
                           {"selector", 1},
                           {"matching_type", 1},
                           {"data", digest}});
      }
    }
    list.push_back({{"lineage", lineage},
                    {"version", meta.number},
                    {"next_key_made", made},
                    {"records", records}});
  }
  if (flags.json) {
    PrintJson({{"tlsa", list}});
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return 0;
}

}  // namespace mailcert::cli
