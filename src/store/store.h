#pragma once
// The filesystem store (design.md "Store layout"):
//   <root>/accounts/<directory-host>/<id>/{account.json,key.pem}
//   <root>/certs/<lineage>/versions/<n>/{key.pem,cert.pem,chain.pem,fullchain.pem,meta.json}
//   <root>/certs/<lineage>/current -> versions/<n>
//   <root>/certs/<lineage>/state.json
// Every write goes through sys::Fs: a crash at any instant leaves the previous or the new version
// whole. A version is written into a temp directory, synced, renamed to versions/<n>, and only
// then `current` is switched by one rename of a new symlink over the old one.

#include <optional>
#include <string>
#include <vector>

#include "store/records.h"
#include "sys/file_lock.h"
#include "sys/fs.h"
#include "util/result.h"

namespace mailcert::store {

struct StoredAccount {
  AccountRecord record;
  std::string key_pem;  // secret
  std::string dir;
};

struct StoredVersion {
  VersionMeta meta;
  std::string dir;  // absolute path of versions/<n>
};

class Store {
 public:
  Store(sys::Fs& fs, std::string root);

  const std::string& root() const { return root_; }

  // Creates <root> (0700) and its subdirectories if missing. Errors: kIo.
  util::Result<void> Init();

  // --- accounts ---
  // Every account stored for a CA directory URL, newest first.
  util::Result<std::vector<StoredAccount>> ListAccounts(const std::string& directory_url);
  // Writes the account key before registration (so a crash after the CA accepted it loses
  // nothing: registering the same key again returns the same account, RFC 8555 §7.3.1).
  util::Result<std::string> CreateAccountDir(const std::string& directory_url,
                                             const std::string& id, const std::string& key_pem);
  util::Result<void> SaveAccount(const std::string& account_dir, const AccountRecord& record);
  // Account key rollover (RFC 8555 §7.3.5) in two steps: the new key is parked as
  // rollover-key.pem before asking the CA, then promoted to key.pem once the CA agreed.
  util::Result<void> StageRolloverKey(const std::string& account_dir, const std::string& key_pem);
  util::Result<std::optional<std::string>> StagedRolloverKey(const std::string& account_dir);
  util::Result<void> PromoteRolloverKey(const std::string& account_dir);
  util::Result<void> DiscardRolloverKey(const std::string& account_dir);

  // --- lineages ---
  static util::Result<void> ValidateLineageName(const std::string& name);
  util::Result<std::vector<std::string>> ListLineages();
  bool LineageExists(const std::string& lineage);
  std::string LineageDir(const std::string& lineage) const;

  // Exclusive per-lineage lock for the duration of an issue/renew/revoke; `wait` > 0 waits that
  // long for another run to finish (on_wait is called once if it has to).
  util::Result<sys::FileLock> LockLineage(const std::string& lineage,
                                          std::chrono::milliseconds wait = {},
                                          const std::function<void()>& on_wait = {});

  // Exclusive lock on one [[deploy]] target (<root>/deploy/<target>.lock): two runs writing,
  // reloading and verifying the same service at once would verify and roll back each other.
  util::Result<sys::FileLock> LockDeployTarget(const std::string& target,
                                               std::chrono::milliseconds wait,
                                               const std::function<void()>& on_wait = {});

  // Removes temp files left by an interrupted write and adopts a complete version newer than
  // `current` (written, then interrupted before the switch) so an issued certificate is never
  // lost. Returns the number of entries cleaned or adopted.
  util::Result<int> Recover(const std::string& lineage);

  // <lineage>/next-key.pem: the key the next rotation will use, made ahead of time so its DANE
  // TLSA record can be published before any certificate carries it (RFC 7671 §8.1, "current +
  // next"). Written 0600 like every key; nullopt when there is none.
  util::Result<std::optional<std::string>> ReadNextKey(const std::string& lineage);
  util::Result<void> WriteNextKey(const std::string& lineage, const std::string& key_pem);
  util::Result<void> RemoveNextKey(const std::string& lineage);

  // The version `current` points at, or nullopt for a lineage without one.
  util::Result<std::optional<StoredVersion>> CurrentVersion(const std::string& lineage);
  util::Result<VersionFiles> ReadVersionFiles(const StoredVersion& version);
  util::Result<std::vector<int>> ListVersions(const std::string& lineage);

  // Writes version max+1 and switches `current` to it. meta.number is assigned here.
  // With `state`, state.json is replaced in the same step, so one directory sync makes both the
  // switch and the new state durable.
  util::Result<StoredVersion> AddVersion(const std::string& lineage, const VersionFiles& files,
                                         VersionMeta meta, const LineageState* state = nullptr);

  // state.json; a missing file gives a default state.
  util::Result<LineageState> ReadState(const std::string& lineage);
  util::Result<void> WriteState(const std::string& lineage, const LineageState& state);

 private:
  std::string AccountsDir(const std::string& directory_url) const;
  util::Result<std::optional<StoredVersion>> LoadVersion(const std::string& lineage, int number);

  sys::Fs& fs_;
  std::string root_;
};

// "acme-v02.api.letsencrypt.org", "127.0.0.1_14000": the directory URL's host[_port].
std::string DirectoryHostLabel(const std::string& directory_url);

}  // namespace mailcert::store
