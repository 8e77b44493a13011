#pragma once
// The dns-01 crash journal: every TXT record is noted in <state>/dns-01/ before it is added to
// DNS and forgotten after it was removed, so a run that died in between (a crash, a kill, a
// power cut) leaves a note, and the next run removes the stale record first. Stale challenge
// records are not harmless: CAs reject oversized TXT answers, and a wildcard and its apex share
// one name (ca-and-mail-tls-landscape-2026.md §1).
//
// Each note is <id>.json beside <id>.lock. The run that wrote a note holds the flock(2) on its
// lock file until the record is gone; the kernel drops it when the process dies. So another
// run tells a live note (locked: leave it) from a leftover (free: clean it up), and two runs at
// once never remove each other's records. Notes hold no secret: the provider is named by its
// route key (DnsRoute::Key), and the credentials stay in the configuration.

#include <string>
#include <vector>

#include "sys/file_lock.h"
#include "sys/fs.h"
#include "util/result.h"
#include "util/time.h"

namespace mailcert::challenge {

struct JournalRecord {
  std::string route_key;   // DnsRoute::Key() of the route that added it
  std::string zone;        // "example.org"
  std::string fqdn;        // "_acme-challenge.example.org"
  std::string value;       // the TXT value (public: the CA and anyone can read it in DNS)
  std::string identifier;  // "*.example.org", for messages and hook programs
  util::TimePoint added;
};

class DnsJournal {
 public:
  // One noted record, with its lock held for as long as the Entry lives.
  struct Entry {
    JournalRecord record;
    std::string path;       // <dir>/<id>.json
    std::string lock_path;  // <dir>/<id>.lock
    sys::FileLock lock;
  };

  // `dir` is <state>/dns-01; it is created on the first Remember.
  DnsJournal(sys::Fs& fs, std::string dir);

  // Notes `record` (written atomically, mode 0600) before it is added to DNS.
  // Errors: kIo naming the file; kConflict when another live run holds the same record.
  util::Result<Entry> Remember(const JournalRecord& record);

  // The record is gone from DNS: removes the note and its lock file.
  util::Result<void> Forget(Entry& entry);

  // Notes left by runs that ended before cleaning up, each returned with its lock now held by
  // us. Notes of live runs are skipped. A note that cannot be read is named in `problems` and
  // left alone.
  // Errors: kIo when the directory cannot be listed (a missing directory is no leftover).
  util::Result<std::vector<Entry>> Leftovers(std::vector<std::string>& problems);

  const std::string& dir() const { return dir_; }

 private:
  sys::Fs& fs_;
  std::string dir_;
};

}  // namespace mailcert::challenge
