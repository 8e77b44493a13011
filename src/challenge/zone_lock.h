#pragma once
// Locks for DNS providers whose API replaces a whole record set (DnsProvider::RewriteLockName):
// such a provider reads the set, adds or removes one value and writes the set back, so two
// mailcert runs changing one zone at once — a timer's renew and an admin's issue, a wildcard
// and its apex — could each write back what it read and lose the other's value. Each change of
// such a provider holds <state>/dns-01/<provider>-<zone>.lock, beside the crash journal
// (dns_journal.h): flock(2), which the kernel drops when a run dies, so a crash never leaves a
// stale lock. Threads of one run take turns on a mutex first, so a run waits on the file only
// for other runs, and says so. Per zone rather than per name: Namecheap rewrites every host
// record of the domain.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "challenge/dns_provider.h"
#include "sys/fs.h"
#include "util/result.h"

namespace mailcert::challenge {

struct ZoneLockOptions {
  // How long a change waits for another run's; one change is a few API requests of at most 30 s
  // each, so five minutes (as deploy waits for a target) covers a slow API without hanging.
  std::chrono::milliseconds wait{std::chrono::minutes(5)};
  // Told once when a change has to wait for another run; default util::LogWarning.
  std::function<void(const std::string&)> report;
};

class ZoneLocks {
 public:
  // `dir` is the crash journal's directory, <state>/dns-01 (created 0700 when first needed).
  ZoneLocks(sys::Fs& fs, std::string dir, ZoneLockOptions options = {});

  // Calls `change`, one AddTxtRecord or RemoveTxtRecord of `provider` in `zone`. When the
  // provider rewrites whole record sets, holds the zone's lock meanwhile; otherwise calls it
  // directly. Returns what `change` returned.
  // Errors: those of `change`; kConflict when another run still holds the lock after
  // options.wait (nothing was changed); kIo when the directory or lock file cannot be made.
  util::Result<void> Run(const DnsProvider& provider, const std::string& zone,
                         const std::function<util::Result<void>()>& change);

  // <dir>/<name>-<zone>.lock, the zone lowercased without its trailing dot; characters other
  // than letters, digits, '.', '-' and '_' become '_'.
  std::string LockPath(const std::string& name, const std::string& zone) const;

 private:
  std::mutex& ThreadLock(const std::string& path);

  sys::Fs& fs_;
  std::string dir_;
  ZoneLockOptions options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> thread_locks_;  // path → its turn; mu_
};

}  // namespace mailcert::challenge
