#include "challenge/zone_lock.h"

#include <cctype>

#include "sys/file_lock.h"
#include "util/log.h"
#include "util/time.h"

namespace mailcert::challenge {
namespace {

std::string FileNamePart(const std::string& text) {
  std::string part;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    part.push_back(std::isalnum(u) || c == '.' || c == '-' || c == '_'
                       ? static_cast<char>(std::tolower(u))
                       : '_');
  }
  while (part.ends_with('.')) part.pop_back();
  return part;
}

}  // namespace

ZoneLocks::ZoneLocks(sys::Fs& fs, std::string dir, ZoneLockOptions options)
    : fs_(fs), dir_(std::move(dir)), options_(std::move(options)) {}

std::string ZoneLocks::LockPath(const std::string& name, const std::string& zone) const {
  return sys::JoinPath(dir_, FileNamePart(name) + "-" + FileNamePart(zone) + ".lock");
}

std::mutex& ZoneLocks::ThreadLock(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = thread_locks_[path];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

util::Result<void> ZoneLocks::Run(const DnsProvider& provider, const std::string& zone,
                                  const std::function<util::Result<void>()>& change) {
  const std::string name = provider.RewriteLockName();
  if (name.empty()) return change();
  const std::string path = LockPath(name, zone);
  std::lock_guard<std::mutex> turn(ThreadLock(path));
  MC_RETURN_IF_ERROR(fs_.MakeDirs(dir_, 0700));
  auto lock = sys::FileLock::Acquire(path, options_.wait, [&] {
    std::string text = "dns-01: waiting for another mailcert run changing zone " + zone +
                       " through " + name + " (" + path + ")";
    if (options_.report) {
      options_.report(text);
    } else {
      util::LogWarning(text);
    }
  });
  if (!lock && lock.error().code == util::ErrorCode::kConflict) {
    auto waited = std::chrono::duration_cast<util::Seconds>(options_.wait);
    return util::Fail(util::ErrorCode::kConflict,
                      "another mailcert run has been changing zone " + zone + " through " + name +
                          " for " + util::HumanDuration(waited) + " (" + path +
                          " is locked); nothing was changed: try again once it is done");
  }
  if (!lock) return util::Fail(lock.error());
  return change();
}

}  // namespace mailcert::challenge
