#include "sys/fault_fs.h"

namespace mailcert::sys {
namespace {
util::Error Crashed(const std::string& what) {
  return util::Error{util::ErrorCode::kIo, "simulated crash before " + what, {}};
}
}  // namespace

bool FaultFs::Step(const std::string& description) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (crashed_) return false;
  steps_.push_back(description);
  failing_now_ = fail_only_step_ > 0 && static_cast<int>(steps_.size()) == fail_only_step_;
  if (failing_now_) return false;
  if (crash_at_step_ > 0 && static_cast<int>(steps_.size()) >= crash_at_step_) {
    crashed_ = true;
    return false;
  }
  return true;
}

util::Result<std::string> FaultFs::ReadFile(const std::string& path) {
  return real_.ReadFile(path);
}
util::Result<FileStat> FaultFs::Stat(const std::string& path) { return real_.Stat(path); }
util::Result<std::vector<std::string>> FaultFs::ListDir(const std::string& path) {
  return real_.ListDir(path);
}
util::Result<std::string> FaultFs::ReadLink(const std::string& path) {
  return real_.ReadLink(path);
}

util::Result<void> FaultFs::MakeDirs(const std::string& path, mode_t mode) {
  if (!Step("mkdir " + path)) return util::Fail(Crashed("mkdir " + path));
  return real_.MakeDirs(path, mode);
}

util::Result<void> FaultFs::WriteNewFile(const std::string& path, std::string_view data,
                                         mode_t mode) {
  if (!Step("write " + path)) {
    if (failing_now_) return util::Fail(util::ErrorCode::kIo, "write " + path + ": injected failure");
    // A torn write: half the bytes reached the disk, never fsynced, never renamed into place.
    (void)real_.WriteNewFile(path, data.substr(0, data.size() / 2), mode);
    return util::Fail(Crashed("write " + path));
  }
  return real_.WriteNewFile(path, data, mode);
}

util::Result<void> FaultFs::Rename(const std::string& from, const std::string& to) {
  if (!Step("rename " + from + " -> " + to)) return util::Fail(Crashed("rename " + to));
  return real_.Rename(from, to);
}

util::Result<void> FaultFs::Symlink(const std::string& target, const std::string& link_path) {
  if (!Step("symlink " + link_path + " -> " + target)) {
    return util::Fail(Crashed("symlink " + link_path));
  }
  return real_.Symlink(target, link_path);
}

util::Result<void> FaultFs::SyncDir(const std::string& path) {
  if (!Step("sync " + path)) return util::Fail(Crashed("sync " + path));
  return real_.SyncDir(path);
}

util::Result<void> FaultFs::Remove(const std::string& path) {
  if (!Step("remove " + path)) return util::Fail(Crashed("remove " + path));
  return real_.Remove(path);
}

util::Result<void> FaultFs::RemoveAll(const std::string& path) {
  if (!Step("remove-all " + path)) return util::Fail(Crashed("remove-all " + path));
  return real_.RemoveAll(path);
}

util::Result<void> FaultFs::Chmod(const std::string& path, mode_t mode) {
  if (!Step("chmod " + path)) return util::Fail(Crashed("chmod " + path));
  return real_.Chmod(path, mode);
}

util::Result<void> FaultFs::Chown(const std::string& path, uid_t uid, gid_t gid) {
  if (!Step("chown " + path)) return util::Fail(Crashed("chown " + path));
  return real_.Chown(path, uid, gid);
}

}  // namespace mailcert::sys
