#pragma once
// A recording, crash-injecting Fs for tests (style.md: "fakes that record", after ninja).
// It forwards to a real Fs, writes one line per mutating step to steps(), and can simulate a
// crash: from step number `crash_at_step` on (1-based) every mutating call fails as if the
// process had died there — the step itself is torn (a file write stops halfway) and nothing after
// it happens.

#include <mutex>
#include <string>
#include <vector>

#include "sys/fs.h"

namespace mailcert::sys {

class FaultFs final : public Fs {
 public:
  explicit FaultFs(Fs& real) : real_(real) {}

  // 0 disables crashing.
  void CrashAtStep(int step) { crash_at_step_ = step; }
  // Makes only step `step` fail (cleanly, nothing written), as a full disk or a permission error
  // would; later steps work again — for testing code that must clean up after a failure.
  void FailOnlyStep(int step) { fail_only_step_ = step; }
  bool crashed() const { return crashed_; }
  const std::vector<std::string>& steps() const { return steps_; }
  int step_count() const { return static_cast<int>(steps_.size()); }

  util::Result<std::string> ReadFile(const std::string& path) override;
  util::Result<FileStat> Stat(const std::string& path) override;
  util::Result<std::vector<std::string>> ListDir(const std::string& path) override;
  util::Result<void> MakeDirs(const std::string& path, mode_t mode) override;
  util::Result<void> WriteNewFile(const std::string& path, std::string_view data,
                                  mode_t mode) override;
  util::Result<void> Rename(const std::string& from, const std::string& to) override;
  util::Result<void> Symlink(const std::string& target, const std::string& link_path) override;
  util::Result<std::string> ReadLink(const std::string& path) override;
  util::Result<void> SyncDir(const std::string& path) override;
  util::Result<void> Remove(const std::string& path) override;
  util::Result<void> RemoveAll(const std::string& path) override;
  util::Result<void> Chmod(const std::string& path, mode_t mode) override;
  util::Result<void> Chown(const std::string& path, uid_t uid, gid_t gid) override;

 private:
  // Records the step; returns false when this step (or an earlier one) is the crash.
  bool Step(const std::string& description);

  Fs& real_;
  std::mutex mutex_;
  std::vector<std::string> steps_;
  int crash_at_step_ = 0;
  int fail_only_step_ = 0;
  bool failing_now_ = false;
  bool crashed_ = false;
};

}  // namespace mailcert::sys
