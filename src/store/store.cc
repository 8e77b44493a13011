#include "store/store.h"

#include <algorithm>
#include <cctype>

#include "util/log.h"
#include "util/strings.h"

namespace mailcert::store {
namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kKeyMode = 0600;
constexpr mode_t kPublicMode = 0644;

constexpr const char* kCurrent = "current";
constexpr const char* kVersions = "versions";
constexpr const char* kStateFile = "state.json";
constexpr const char* kMetaFile = "meta.json";
constexpr const char* kLockFile = ".lock";
constexpr const char* kRolloverKey = "rollover-key.pem";
constexpr const char* kNextKey = "next-key.pem";

std::optional<int> ParseVersionNumber(const std::string& name) {
  if (name.empty() || name.size() > 9) return std::nullopt;
  for (char c : name) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int number = std::stoi(name);
  return number > 0 ? std::optional<int>(number) : std::nullopt;
}

}  // namespace

std::string DirectoryHostLabel(const std::string& directory_url) {
  std::string rest = directory_url;
  size_t scheme = rest.find("://");
  if (scheme != std::string::npos) rest = rest.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  std::string label;
  for (char c : rest) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') {
      label.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      label.push_back('_');
    }
  }
  return label.empty() ? "unknown" : label;
}

Store::Store(sys::Fs& fs, std::string root) : fs_(fs), root_(std::move(root)) {}

util::Result<void> Store::Init() {
  MC_RETURN_IF_ERROR(fs_.MakeDirs(sys::JoinPath(root_, "accounts"), kDirMode));
  MC_RETURN_IF_ERROR(fs_.MakeDirs(sys::JoinPath(root_, "certs"), kDirMode));
  return {};
}

std::string Store::AccountsDir(const std::string& directory_url) const {
  return sys::JoinPath(sys::JoinPath(root_, "accounts"), DirectoryHostLabel(directory_url));
}

util::Result<std::vector<StoredAccount>> Store::ListAccounts(const std::string& directory_url) {
  std::vector<StoredAccount> accounts;
  const std::string dir = AccountsDir(directory_url);
  auto names = fs_.ListDir(dir);
  if (!names) {
    if (names.error().code == util::ErrorCode::kNotFound) return accounts;
    return util::Fail(names.error());
  }
  for (const auto& name : *names) {
    if (sys::IsTempName(name)) continue;
    const std::string account_dir = sys::JoinPath(dir, name);
    const std::string json_path = sys::JoinPath(account_dir, "account.json");
    auto json = fs_.ReadFile(json_path);
    if (!json) {
      if (json.error().code == util::ErrorCode::kNotFound) continue;
      return util::Fail(json.error());
    }
    MC_ASSIGN_OR_RETURN(AccountRecord record, DecodeAccount(*json, json_path));
    if (record.directory_url != directory_url) continue;
    MC_ASSIGN_OR_RETURN(std::string key_pem, fs_.ReadFile(sys::JoinPath(account_dir, "key.pem")));
    if (record.id.empty()) record.id = name;
    accounts.push_back(StoredAccount{std::move(record), std::move(key_pem), account_dir});
  }
  std::stable_sort(accounts.begin(), accounts.end(), [](const auto& a, const auto& b) {
    return a.record.created > b.record.created;
  });
  return accounts;
}

util::Result<std::string> Store::CreateAccountDir(const std::string& directory_url,
                                                  const std::string& id,
                                                  const std::string& key_pem) {
  const std::string account_dir = sys::JoinPath(AccountsDir(directory_url), id);
  MC_RETURN_IF_ERROR(fs_.MakeDirs(account_dir, kDirMode));
  MC_RETURN_IF_ERROR(sys::WriteFileAtomic(fs_, sys::JoinPath(account_dir, "key.pem"), key_pem,
                                          kKeyMode));
  return account_dir;
}

util::Result<void> Store::SaveAccount(const std::string& account_dir,
                                      const AccountRecord& record) {
  return sys::WriteFileAtomic(fs_, sys::JoinPath(account_dir, "account.json"),
                              EncodeAccount(record), kKeyMode);
}

util::Result<void> Store::StageRolloverKey(const std::string& account_dir,
                                           const std::string& key_pem) {
  return sys::WriteFileAtomic(fs_, sys::JoinPath(account_dir, kRolloverKey), key_pem, kKeyMode);
}

util::Result<std::optional<std::string>> Store::StagedRolloverKey(const std::string& account_dir) {
  auto key = fs_.ReadFile(sys::JoinPath(account_dir, kRolloverKey));
  if (!key) {
    if (key.error().code == util::ErrorCode::kNotFound) return std::optional<std::string>();
    return util::Fail(key.error());
  }
  return std::optional<std::string>(std::move(*key));
}

util::Result<std::optional<std::string>> Store::ReadNextKey(const std::string& lineage) {
  MC_RETURN_IF_ERROR(ValidateLineageName(lineage));
  auto key = fs_.ReadFile(sys::JoinPath(LineageDir(lineage), kNextKey));
  if (!key) {
    if (key.error().code == util::ErrorCode::kNotFound) return std::optional<std::string>();
    return util::Fail(key.error());
  }
  return std::optional<std::string>(std::move(*key));
}

util::Result<void> Store::WriteNextKey(const std::string& lineage, const std::string& key_pem) {
  MC_RETURN_IF_ERROR(ValidateLineageName(lineage));
  MC_RETURN_IF_ERROR(fs_.MakeDirs(LineageDir(lineage), kDirMode));
  return sys::WriteFileAtomic(fs_, sys::JoinPath(LineageDir(lineage), kNextKey), key_pem,
                              kKeyMode);
}

util::Result<void> Store::RemoveNextKey(const std::string& lineage) {
  MC_RETURN_IF_ERROR(ValidateLineageName(lineage));
  auto removed = fs_.Remove(sys::JoinPath(LineageDir(lineage), kNextKey));
  if (!removed && removed.error().code != util::ErrorCode::kNotFound) return removed;
  return fs_.SyncDir(LineageDir(lineage));
}

util::Result<void> Store::PromoteRolloverKey(const std::string& account_dir) {
  MC_RETURN_IF_ERROR(fs_.Rename(sys::JoinPath(account_dir, kRolloverKey),
                                sys::JoinPath(account_dir, "key.pem")));
  return fs_.SyncDir(account_dir);
}

util::Result<void> Store::DiscardRolloverKey(const std::string& account_dir) {
  MC_RETURN_IF_ERROR(fs_.Remove(sys::JoinPath(account_dir, kRolloverKey)));
  return fs_.SyncDir(account_dir);
}

util::Result<void> Store::ValidateLineageName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name.front() != '.' && name.front() != '-';
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      ok = false;
    }
  }
  if (!ok) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "certificate name " + util::Quote(name) +
                          " is not usable as a lineage name: use 1-64 letters, digits, '.', '-' "
                          "or '_', not starting with '.' or '-'");
  }
  return {};
}

std::string Store::LineageDir(const std::string& lineage) const {
  return sys::JoinPath(sys::JoinPath(root_, "certs"), lineage);
}

util::Result<std::vector<std::string>> Store::ListLineages() {
  auto names = fs_.ListDir(sys::JoinPath(root_, "certs"));
  if (!names) {
    if (names.error().code == util::ErrorCode::kNotFound) return std::vector<std::string>();
    return util::Fail(names.error());
  }
  std::vector<std::string> lineages;
  for (auto& name : *names) {
    if (sys::IsTempName(name) || !ValidateLineageName(name)) continue;
    auto stat = fs_.Stat(LineageDir(name));
    if (stat && stat->is_directory) lineages.push_back(std::move(name));
  }
  return lineages;
}

bool Store::LineageExists(const std::string& lineage) {
  auto stat = fs_.Stat(LineageDir(lineage));
  return stat && stat->is_directory;
}

util::Result<sys::FileLock> Store::LockLineage(const std::string& lineage,
                                               std::chrono::milliseconds wait,
                                               const std::function<void()>& on_wait) {
  MC_RETURN_IF_ERROR(ValidateLineageName(lineage));
  MC_RETURN_IF_ERROR(fs_.MakeDirs(sys::JoinPath(LineageDir(lineage), kVersions), kDirMode));
  auto lock = sys::FileLock::Acquire(sys::JoinPath(LineageDir(lineage), kLockFile), wait, on_wait);
  if (!lock && lock.error().code == util::ErrorCode::kConflict) {
    return util::Fail(util::ErrorCode::kConflict,
                      "certificate " + lineage + " is being worked on by another mailcert run");
  }
  return lock;
}

util::Result<sys::FileLock> Store::LockDeployTarget(const std::string& target,
                                                    std::chrono::milliseconds wait,
                                                    const std::function<void()>& on_wait) {
  // Target names are free text in the config; the lock file's name keeps only safe characters.
  std::string file = target;
  for (char& c : file) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  const std::string dir = sys::JoinPath(root_, "deploy");
  MC_RETURN_IF_ERROR(fs_.MakeDirs(dir, kDirMode));
  auto lock = sys::FileLock::Acquire(sys::JoinPath(dir, file + ".lock"), wait, on_wait);
  if (!lock && lock.error().code == util::ErrorCode::kConflict) {
    return util::Fail(util::ErrorCode::kConflict,
                      "another mailcert run is still deploying to " + target +
                          "; nothing was written: run mailcert deploy again once it is done");
  }
  return lock;
}

util::Result<std::vector<int>> Store::ListVersions(const std::string& lineage) {
  std::vector<int> numbers;
  auto names = fs_.ListDir(sys::JoinPath(LineageDir(lineage), kVersions));
  if (!names) {
    if (names.error().code == util::ErrorCode::kNotFound) return numbers;
    return util::Fail(names.error());
  }
  for (const auto& name : *names) {
    if (auto number = ParseVersionNumber(name)) numbers.push_back(*number);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

util::Result<std::optional<StoredVersion>> Store::LoadVersion(const std::string& lineage,
                                                              int number) {
  const std::string dir =
      sys::JoinPath(sys::JoinPath(LineageDir(lineage), kVersions), std::to_string(number));
  const std::string meta_path = sys::JoinPath(dir, kMetaFile);
  auto text = fs_.ReadFile(meta_path);
  if (!text) {
    if (text.error().code == util::ErrorCode::kNotFound) return std::optional<StoredVersion>();
    return util::Fail(text.error());
  }
  MC_ASSIGN_OR_RETURN(VersionMeta meta, DecodeMeta(*text, meta_path));
  meta.number = number;
  return std::optional<StoredVersion>(StoredVersion{std::move(meta), dir});
}

util::Result<std::optional<StoredVersion>> Store::CurrentVersion(const std::string& lineage) {
  auto target = fs_.ReadLink(sys::JoinPath(LineageDir(lineage), kCurrent));
  if (!target) {
    if (target.error().code == util::ErrorCode::kNotFound) return std::optional<StoredVersion>();
    return util::Fail(target.error());
  }
  const std::string prefix = std::string(kVersions) + "/";
  std::optional<int> number;
  if (target->rfind(prefix, 0) == 0) number = ParseVersionNumber(target->substr(prefix.size()));
  if (!number) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      sys::JoinPath(LineageDir(lineage), kCurrent) + " points at " +
                          util::Quote(*target) + ", not at versions/<n>; repair or remove it");
  }
  return LoadVersion(lineage, *number);
}

util::Result<VersionFiles> Store::ReadVersionFiles(const StoredVersion& version) {
  VersionFiles files;
  MC_ASSIGN_OR_RETURN(files.key_pem, fs_.ReadFile(sys::JoinPath(version.dir, "key.pem")));
  MC_ASSIGN_OR_RETURN(files.cert_pem, fs_.ReadFile(sys::JoinPath(version.dir, "cert.pem")));
  MC_ASSIGN_OR_RETURN(files.chain_pem, fs_.ReadFile(sys::JoinPath(version.dir, "chain.pem")));
  MC_ASSIGN_OR_RETURN(files.fullchain_pem,
                      fs_.ReadFile(sys::JoinPath(version.dir, "fullchain.pem")));
  return files;
}

namespace {

// Points `current` at versions/<number> with one rename of a fresh symlink, and replaces
// state.json with `state_json` when given; one sync of the lineage directory covers both.
util::Result<void> SwitchCurrent(sys::Fs& fs, const std::string& lineage_dir, int number,
                                 const std::string* state_json = nullptr) {
  const std::string suffix = std::to_string(number);
  const std::string temp_link = sys::JoinPath(lineage_dir, ".mailcert-tmp-current-" + suffix);
  const std::string temp_state = sys::JoinPath(lineage_dir, ".mailcert-tmp-state-" + suffix);
  auto fail = [&](util::Result<void> result) {
    (void)fs.Remove(temp_link);
    (void)fs.Remove(temp_state);
    return result;
  };
  (void)fs.Remove(temp_link);
  (void)fs.Remove(temp_state);
  if (state_json != nullptr) {
    if (auto written = fs.WriteNewFile(temp_state, *state_json, kPublicMode); !written) {
      return fail(written);
    }
  }
  if (auto linked = fs.Symlink(std::string(kVersions) + "/" + suffix, temp_link); !linked) {
    return fail(linked);
  }
  if (auto renamed = fs.Rename(temp_link, sys::JoinPath(lineage_dir, kCurrent)); !renamed) {
    return fail(renamed);
  }
  if (state_json != nullptr) {
    if (auto renamed = fs.Rename(temp_state, sys::JoinPath(lineage_dir, kStateFile)); !renamed) {
      return fail(renamed);
    }
  }
  return fs.SyncDir(lineage_dir);
}

}  // namespace

util::Result<StoredVersion> Store::AddVersion(const std::string& lineage,
                                              const VersionFiles& files, VersionMeta meta,
                                              const LineageState* state) {
  MC_RETURN_IF_ERROR(ValidateLineageName(lineage));
  const std::string lineage_dir = LineageDir(lineage);
  const std::string versions_dir = sys::JoinPath(lineage_dir, kVersions);
  MC_RETURN_IF_ERROR(fs_.MakeDirs(versions_dir, kDirMode));
  MC_ASSIGN_OR_RETURN(std::vector<int> numbers, ListVersions(lineage));
  meta.number = numbers.empty() ? 1 : numbers.back() + 1;
  const std::string final_dir = sys::JoinPath(versions_dir, std::to_string(meta.number));
  const std::string temp_dir =
      sys::JoinPath(versions_dir, ".mailcert-tmp-version-" + std::to_string(meta.number));

  // Build the version in a temp directory; it becomes visible only when whole.
  (void)fs_.RemoveAll(temp_dir);
  MC_RETURN_IF_ERROR(fs_.MakeDirs(temp_dir, kDirMode));
  auto write_all = [&]() -> util::Result<void> {
    MC_RETURN_IF_ERROR(fs_.WriteNewFile(sys::JoinPath(temp_dir, "key.pem"), files.key_pem,
                                        kKeyMode));
    MC_RETURN_IF_ERROR(fs_.WriteNewFile(sys::JoinPath(temp_dir, "cert.pem"), files.cert_pem,
                                        kPublicMode));
    MC_RETURN_IF_ERROR(fs_.WriteNewFile(sys::JoinPath(temp_dir, "chain.pem"), files.chain_pem,
                                        kPublicMode));
    MC_RETURN_IF_ERROR(fs_.WriteNewFile(sys::JoinPath(temp_dir, "fullchain.pem"),
                                        files.fullchain_pem, kPublicMode));
    MC_RETURN_IF_ERROR(fs_.WriteNewFile(sys::JoinPath(temp_dir, kMetaFile), EncodeMeta(meta),
                                        kPublicMode));
    MC_RETURN_IF_ERROR(fs_.SyncDir(temp_dir));
    MC_RETURN_IF_ERROR(fs_.Rename(temp_dir, final_dir));
    return fs_.SyncDir(versions_dir);
  };
  if (auto written = write_all(); !written) {
    (void)fs_.RemoveAll(temp_dir);
    return util::Fail(written.error().WithContext("store certificate " + lineage));
  }
  const std::string state_json = state != nullptr ? EncodeState(*state) : std::string();
  if (auto switched = SwitchCurrent(fs_, lineage_dir, meta.number,
                                    state != nullptr ? &state_json : nullptr);
      !switched) {
    return util::Fail(switched.error().WithContext("switch " + lineage + " to version " +
                                                   std::to_string(meta.number)));
  }
  return StoredVersion{std::move(meta), final_dir};
}

util::Result<int> Store::Recover(const std::string& lineage) {
  const std::string lineage_dir = LineageDir(lineage);
  const std::string versions_dir = sys::JoinPath(lineage_dir, kVersions);
  int repaired = 0;
  for (const std::string& dir : {lineage_dir, versions_dir}) {
    auto names = fs_.ListDir(dir);
    if (!names) continue;
    for (const auto& name : *names) {
      if (!sys::IsTempName(name)) continue;
      MC_RETURN_IF_ERROR(fs_.RemoveAll(sys::JoinPath(dir, name)));
      ++repaired;
    }
  }
  // A whole version newer than `current` means the process died between writing it and switching
  // to it: the CA issued that certificate, so keep it rather than order another.
  MC_ASSIGN_OR_RETURN(auto current, CurrentVersion(lineage));
  MC_ASSIGN_OR_RETURN(std::vector<int> numbers, ListVersions(lineage));
  int current_number = current ? current->meta.number : 0;
  for (auto it = numbers.rbegin(); it != numbers.rend() && *it > current_number; ++it) {
    auto version = LoadVersion(lineage, *it);
    if (!version || !*version) continue;
    auto files = ReadVersionFiles(**version);
    if (!files) continue;
    MC_RETURN_IF_ERROR(SwitchCurrent(fs_, lineage_dir, *it));
    util::LogInfo("certificate " + lineage + ": adopted version " + std::to_string(*it) +
                  " that an interrupted run had stored but not switched to");
    ++repaired;
    break;
  }
  return repaired;
}

util::Result<LineageState> Store::ReadState(const std::string& lineage) {
  const std::string path = sys::JoinPath(LineageDir(lineage), kStateFile);
  auto text = fs_.ReadFile(path);
  if (!text) {
    if (text.error().code == util::ErrorCode::kNotFound) return LineageState{};
    return util::Fail(text.error());
  }
  return DecodeState(*text, path);
}

util::Result<void> Store::WriteState(const std::string& lineage, const LineageState& state) {
  MC_RETURN_IF_ERROR(fs_.MakeDirs(LineageDir(lineage), kDirMode));
  return sys::WriteFileAtomic(fs_, sys::JoinPath(LineageDir(lineage), kStateFile),
                              EncodeState(state), kPublicMode);
}

}  // namespace mailcert::store
