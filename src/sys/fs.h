#pragma once
// The filesystem seam (design.md "Effects sit behind small interfaces"). Every store and deploy
// write goes through Fs so tests can record each step or interrupt a write at any step and check
// that the old or the new state is whole. PosixFs is the one real implementation.

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/time.h"

namespace mailcert::sys {

struct FileStat {
  bool is_directory = false;
  bool is_symlink = false;  // lstat semantics: the link itself
  mode_t mode = 0;          // permission bits only
  uid_t uid = 0;
  gid_t gid = 0;
  off_t size = 0;
  util::TimePoint modified;
};

class Fs {
 public:
  virtual ~Fs() = default;

  // Errors: kNotFound when missing, kIo otherwise ("read /x: Permission denied").
  virtual util::Result<std::string> ReadFile(const std::string& path) = 0;
  // lstat(2). Errors: kNotFound, kIo.
  virtual util::Result<FileStat> Stat(const std::string& path) = 0;
  // Entry names (no "." or ".."), sorted. Errors: kNotFound, kIo.
  virtual util::Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // mkdir -p; existing directories are fine (their mode is left alone).
  virtual util::Result<void> MakeDirs(const std::string& path, mode_t mode) = 0;
  // Creates a file that must not exist yet: open O_CREAT|O_EXCL, fchmod(mode) before any byte is
  // written (a key is never readable by others, not even for an instant), write, fsync, close.
  virtual util::Result<void> WriteNewFile(const std::string& path, std::string_view data,
                                          mode_t mode) = 0;
  // rename(2): atomically replaces `to`.
  virtual util::Result<void> Rename(const std::string& from, const std::string& to) = 0;
  virtual util::Result<void> Symlink(const std::string& target, const std::string& link_path) = 0;
  virtual util::Result<std::string> ReadLink(const std::string& path) = 0;
  // fsync(2) on a directory, so a rename or a new entry in it survives a crash.
  virtual util::Result<void> SyncDir(const std::string& path) = 0;
  // Removes a file, a symlink or an empty directory. Missing is fine.
  virtual util::Result<void> Remove(const std::string& path) = 0;
  // Removes a tree. Missing is fine.
  virtual util::Result<void> RemoveAll(const std::string& path) = 0;
  virtual util::Result<void> Chmod(const std::string& path, mode_t mode) = 0;
  // chown(2); -1 leaves that id unchanged.
  virtual util::Result<void> Chown(const std::string& path, uid_t uid, gid_t gid) = 0;
};

// The real filesystem.
Fs& RealFs();

// Replaces `path` with `data` so that a crash at any instant leaves either the old content or the
// new one: a temp file in the same directory (mode set before writing), fsync, rename, fsync of
// the directory. A temp file left by a failure is removed when possible.
util::Result<void> WriteFileAtomic(Fs& fs, const std::string& path, std::string_view data,
                                   mode_t mode);

// Directory part and file part of a path ("a/b/c" → "a/b", "c"; "c" → ".", "c").
std::string DirName(const std::string& path);
std::string BaseName(const std::string& path);
std::string JoinPath(const std::string& a, const std::string& b);

// True for names produced by WriteFileAtomic's temp files; recovery code deletes them.
bool IsTempName(std::string_view name);

// Error from errno, in one place: "<context>: <strerror>" with kNotFound for ENOENT.
util::Error PosixError(const std::string& context, int error_number);

}  // namespace mailcert::sys
