#pragma once
// Terminal output: aligned tables, one-line errors, progress on a terminal.

#include <mutex>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/result.h"

namespace mailcert::cli {

// Exit codes (design.md): issue/renew/deploy 0 changed, 2 nothing to do, 1 error.
inline constexpr int kExitChanged = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitNothingToDo = 2;

// Left-aligned columns separated by two spaces, a header row first.
std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// "mailcert: error: <message>" on stderr (detail on a second line with -v).
void PrintError(const util::Error& error);

// {"code": "...", "message": "..."} for --json output.
util::Json ErrorJson(const util::Error& error);

void PrintJson(const util::Json& json);


// A one-line progress indicator on stderr, only when stderr is a terminal.
class Progress {
 public:
  explicit Progress(size_t total);
  ~Progress();
  void Update(size_t done, const std::string& last);

 private:
  size_t total_;
  bool enabled_;
  std::mutex mutex_;
};

}  // namespace mailcert::cli
