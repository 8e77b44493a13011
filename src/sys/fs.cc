#include "sys/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

namespace mailcert::sys {
namespace {

constexpr std::string_view kTempMarker = ".mailcert-tmp-";

class PosixFs final : public Fs {
 public:
  util::Result<std::string> ReadFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return util::Fail(PosixError("read " + path, errno));
    std::string data;
    char buffer[16384];
    while (true) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        int saved = errno;
        ::close(fd);
        return util::Fail(PosixError("read " + path, saved));
      }
      if (n == 0) break;
      data.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return data;
  }

  util::Result<FileStat> Stat(const std::string& path) override {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return util::Fail(PosixError("stat " + path, errno));
    FileStat result;
    result.is_directory = S_ISDIR(st.st_mode);
    result.is_symlink = S_ISLNK(st.st_mode);
    result.mode = st.st_mode & 07777;
    result.uid = st.st_uid;
    result.gid = st.st_gid;
    result.size = st.st_size;
    result.modified = util::TimePoint(std::chrono::seconds(st.st_mtim.tv_sec));
    return result;
  }

  util::Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return util::Fail(PosixError("list " + path, errno));
    std::vector<std::string> names;
    while (struct dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

  util::Result<void> MakeDirs(const std::string& path, mode_t mode) override {
    if (path.empty()) return {};
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return {};
      return util::Fail(util::ErrorCode::kIo, "create directory " + path + ": a file is in the way");
    }
    std::string parent = DirName(path);
    if (parent != path && parent != "." && parent != "/") {
      MC_RETURN_IF_ERROR(MakeDirs(parent, mode));
    }
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
      return util::Fail(PosixError("create directory " + path, errno));
    }
    return {};
  }

  util::Result<void> WriteNewFile(const std::string& path, std::string_view data,
                                  mode_t mode) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return util::Fail(PosixError("write " + path, errno));
    auto fail = [&](int error_number) {
      ::close(fd);
      ::unlink(path.c_str());
      return util::Fail(PosixError("write " + path, error_number));
    };
    // Permissions first: the umask must not widen a key's mode, and nothing is readable before
    // its final mode is in place.
    if (::fchmod(fd, mode) != 0) return fail(errno);
    size_t written = 0;
    while (written < data.size()) {
      ssize_t n = ::write(fd, data.data() + written, data.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(errno);
      }
      written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) return fail(errno);
    if (::close(fd) != 0) {
      int saved = errno;
      ::unlink(path.c_str());
      return util::Fail(PosixError("write " + path, saved));
    }
    return {};
  }

  util::Result<void> Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return util::Fail(PosixError("rename " + from + " to " + to, errno));
    }
    return {};
  }

  util::Result<void> Symlink(const std::string& target, const std::string& link_path) override {
    if (::symlink(target.c_str(), link_path.c_str()) != 0) {
      return util::Fail(PosixError("symlink " + link_path, errno));
    }
    return {};
  }

  util::Result<std::string> ReadLink(const std::string& path) override {
    char buffer[4096];
    ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer);
    if (n < 0) return util::Fail(PosixError("readlink " + path, errno));
    return std::string(buffer, static_cast<size_t>(n));
  }

  util::Result<void> SyncDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return util::Fail(PosixError("sync " + path, errno));
    int rc = ::fsync(fd);
    int saved = errno;
    ::close(fd);
    if (rc != 0) return util::Fail(PosixError("sync " + path, saved));
    return {};
  }

  util::Result<void> Remove(const std::string& path) override {
    if (::unlink(path.c_str()) == 0) return {};
    if (errno == ENOENT) return {};
    if (errno == EISDIR || errno == EPERM) {
      if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return {};
    }
    return util::Fail(PosixError("remove " + path, errno));
  }

  util::Result<void> RemoveAll(const std::string& path) override {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return {};
      return util::Fail(PosixError("remove " + path, errno));
    }
    if (S_ISDIR(st.st_mode)) {
      MC_ASSIGN_OR_RETURN(auto names, ListDir(path));
      for (const auto& name : names) MC_RETURN_IF_ERROR(RemoveAll(JoinPath(path, name)));
      if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
        return util::Fail(PosixError("remove " + path, errno));
      }
      return {};
    }
    return Remove(path);
  }

  util::Result<void> Chmod(const std::string& path, mode_t mode) override {
    if (::chmod(path.c_str(), mode) != 0) return util::Fail(PosixError("chmod " + path, errno));
    return {};
  }

  util::Result<void> Chown(const std::string& path, uid_t uid, gid_t gid) override {
    if (::lchown(path.c_str(), uid, gid) != 0) {
      return util::Fail(PosixError("chown " + path, errno));
    }
    return {};
  }
};

std::string TempSuffix() {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937 generator{std::random_device{}()};
  return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
         std::to_string(generator() % 1000000);
}

}  // namespace

Fs& RealFs() {
  static PosixFs fs;
  return fs;
}

util::Result<void> WriteFileAtomic(Fs& fs, const std::string& path, std::string_view data,
                                   mode_t mode) {
  const std::string dir = DirName(path);
  const std::string temp = JoinPath(dir, std::string(kTempMarker) + BaseName(path) + "-" +
                                             TempSuffix());
  if (auto written = fs.WriteNewFile(temp, data, mode); !written) {
    (void)fs.Remove(temp);
    return written;
  }
  if (auto renamed = fs.Rename(temp, path); !renamed) {
    (void)fs.Remove(temp);
    return renamed;
  }
  return fs.SyncDir(dir);
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

bool IsTempName(std::string_view name) {
  return name.find(kTempMarker) != std::string_view::npos;
}

util::Error PosixError(const std::string& context, int error_number) {
  util::ErrorCode code = error_number == ENOENT ? util::ErrorCode::kNotFound : util::ErrorCode::kIo;
  return util::Error{code, context + ": " + std::strerror(error_number), {}};
}

}  // namespace mailcert::sys
