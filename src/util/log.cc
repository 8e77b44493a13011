#include "util/log.h"

#include <unistd.h>

#include <atomic>

namespace mailcert::util {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kWarning};
}

void SetLogLevel(LogLevel level) { g_level.store(level); }
LogLevel GetLogLevel() { return g_level.load(); }

void Log(LogLevel level, std::string_view message) {
  if (level < g_level.load()) return;
  static constexpr const char* kNames[] = {"debug", "info", "warning", "error"};
  std::string line = "mailcert: ";
  line += kNames[static_cast<int>(level)];
  line += ": ";
  line += message;
  line += '\n';
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace mailcert::util
