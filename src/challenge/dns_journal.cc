#include "challenge/dns_journal.h"

#include "crypto/hash.h"
#include "util/json.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

constexpr const char* kNoteSuffix = ".json";
constexpr const char* kLockSuffix = ".lock";

// One id per record and route: the same value re-added after a crash reuses its note.
std::string NoteId(const JournalRecord& record) {
  return util::HexEncode(crypto::Sha256(record.route_key + "\n" + record.fqdn + "\n" +
                                        record.value))
      .substr(0, 32);
}

std::string Encode(const JournalRecord& record) {
  util::Json json = {{"route", record.route_key},
                     {"zone", record.zone},
                     {"fqdn", record.fqdn},
                     {"value", record.value},
                     {"identifier", record.identifier},
                     {"added", util::FormatRfc3339(record.added)}};
  return util::DumpJson(json, 2) + "\n";
}

util::Result<JournalRecord> Decode(const std::string& text, const std::string& path) {
  MC_ASSIGN_OR_RETURN(util::Json json, util::ParseJson(text, path, util::ErrorCode::kIo));
  JournalRecord record;
  MC_ASSIGN_OR_RETURN(record.route_key, util::RequiredString(json, "route", path));
  MC_ASSIGN_OR_RETURN(record.zone, util::RequiredString(json, "zone", path));
  MC_ASSIGN_OR_RETURN(record.fqdn, util::RequiredString(json, "fqdn", path));
  MC_ASSIGN_OR_RETURN(record.value, util::RequiredString(json, "value", path));
  record.identifier = util::OptionalString(json, "identifier").value_or(record.fqdn);
  if (auto added = util::OptionalString(json, "added")) {
    record.added = util::ParseRfc3339(*added).value_or(util::TimePoint{});
  }
  return record;
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() > suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

DnsJournal::DnsJournal(sys::Fs& fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

util::Result<DnsJournal::Entry> DnsJournal::Remember(const JournalRecord& record) {
  MC_RETURN_IF_ERROR(fs_.MakeDirs(dir_, 0700));
  const std::string id = NoteId(record);
  const std::string lock_path = sys::JoinPath(dir_, id + kLockSuffix);
  MC_ASSIGN_OR_RETURN(sys::FileLock lock, sys::FileLock::TryAcquire(lock_path));
  const std::string path = sys::JoinPath(dir_, id + kNoteSuffix);
  MC_RETURN_IF_ERROR(sys::WriteFileAtomic(fs_, path, Encode(record), 0600));
  return Entry{record, path, lock_path, std::move(lock)};
}

util::Result<void> DnsJournal::Forget(Entry& entry) {
  MC_RETURN_IF_ERROR(fs_.Remove(entry.path));
  MC_RETURN_IF_ERROR(fs_.SyncDir(dir_));
  // Removed while still held: a run that opened it meanwhile finds no note and does nothing.
  MC_RETURN_IF_ERROR(fs_.Remove(entry.lock_path));
  return {};
}

util::Result<std::vector<DnsJournal::Entry>> DnsJournal::Leftovers(
    std::vector<std::string>& problems) {
  std::vector<Entry> leftovers;
  auto names = fs_.ListDir(dir_);
  if (!names && names.error().code == util::ErrorCode::kNotFound) return leftovers;
  if (!names) return util::Fail(names.error());
  for (const std::string& name : *names) {
    if (!EndsWith(name, kNoteSuffix)) continue;
    const std::string id = name.substr(0, name.size() - std::string(kNoteSuffix).size());
    const std::string lock_path = sys::JoinPath(dir_, id + kLockSuffix);
    auto lock = sys::FileLock::TryAcquire(lock_path);
    if (!lock) {
      if (lock.error().code != util::ErrorCode::kConflict) problems.push_back(lock.error().message);
      continue;  // a live run's record
    }
    const std::string path = sys::JoinPath(dir_, name);
    auto text = fs_.ReadFile(path);
    if (!text) {
      // Forgotten by its run between our listing and our lock: nothing left over.
      if (text.error().code != util::ErrorCode::kNotFound) problems.push_back(text.error().message);
      continue;
    }
    auto record = Decode(*text, path);
    if (!record) {
      problems.push_back(record.error().message + " — remove it once the record it names is gone");
      continue;
    }
    leftovers.push_back(Entry{std::move(*record), path, lock_path, std::move(*lock)});
  }
  return leftovers;
}

}  // namespace mailcert::challenge
