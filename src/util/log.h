#pragma once
// Logging to stderr. Contract: callers never pass private keys, EAB MAC keys, API tokens or TSIG
// secrets (style.md "Avoid"); objects that hold secrets have no streaming operator.

#include <string>
#include <string_view>

namespace mailcert::util {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kQuiet = 4 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();

// Writes "mailcert: <level>: <message>" as one line (one write(2), so threads do not interleave).
void Log(LogLevel level, std::string_view message);

inline void LogDebug(std::string_view message) { Log(LogLevel::kDebug, message); }
inline void LogInfo(std::string_view message) { Log(LogLevel::kInfo, message); }
inline void LogWarning(std::string_view message) { Log(LogLevel::kWarning, message); }
inline void LogError(std::string_view message) { Log(LogLevel::kError, message); }

}  // namespace mailcert::util
