#include "sys/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "sys/fs.h"

namespace mailcert::sys {

util::Result<FileLock> FileLock::TryAcquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return util::Fail(PosixError("lock " + path, errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int saved = errno;
    ::close(fd);
    if (saved == EWOULDBLOCK) {
      return util::Fail(util::ErrorCode::kConflict,
                        path + " is locked by another mailcert run; wait for it to finish");
    }
    return util::Fail(PosixError("lock " + path, saved));
  }
  return FileLock(fd);
}

util::Result<FileLock> FileLock::Acquire(const std::string& path,
                                         std::chrono::milliseconds timeout,
                                         const std::function<void()>& on_wait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto lock = TryAcquire(path);
  if (lock || lock.error().code != util::ErrorCode::kConflict) return lock;
  if (on_wait) on_wait();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lock = TryAcquire(path);
    if (lock || lock.error().code != util::ErrorCode::kConflict) return lock;
  }
  return lock;
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace mailcert::sys
