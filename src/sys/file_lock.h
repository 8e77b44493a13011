#pragma once
// Advisory locks (flock(2)) so two mailcert runs — a timer and an admin by hand — never work on
// the same lineage or account at once. The kernel drops the lock when the process dies, so a
// crash never leaves a stale lock behind.

#include <chrono>
#include <functional>
#include <string>

#include "util/result.h"

namespace mailcert::sys {

class FileLock {
 public:
  // Takes an exclusive lock on `path` (created 0600 if missing) without waiting.
  // Errors: kConflict when another process holds it ("… is locked by another mailcert run"),
  // kIo otherwise.
  static util::Result<FileLock> TryAcquire(const std::string& path);

  // Waits up to `timeout` for the lock (polling, so no signal games), calling `on_wait` once
  // when the first try finds it held — a run by hand should say what it waits for. Errors as
  // TryAcquire once the time is up.
  static util::Result<FileLock> Acquire(const std::string& path,
                                        std::chrono::milliseconds timeout,
                                        const std::function<void()>& on_wait = {});

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace mailcert::sys
