#include "cli/output.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "util/log.h"

namespace mailcert::cli {

std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  };
  emit(header);
  for (const auto& row : rows) emit(row);
  return out;
}

void PrintError(const util::Error& error) {
  std::fprintf(stderr, "mailcert: error: %s\n", error.message.c_str());
  if (!error.detail.empty() && util::GetLogLevel() <= util::LogLevel::kInfo) {
    std::fprintf(stderr, "mailcert: detail: %s\n", error.detail.c_str());
  }
}

util::Json ErrorJson(const util::Error& error) {
  util::Json json = {{"code", util::ErrorCodeName(error.code)}, {"message", error.message}};
  if (!error.detail.empty()) json["detail"] = error.detail;
  return json;
}

void PrintJson(const util::Json& json) {
  std::string text = util::DumpJson(json, 2);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

Progress::Progress(size_t total) : total_(total), enabled_(total > 1 && ::isatty(2) == 1) {}

Progress::~Progress() {
  if (enabled_) std::fprintf(stderr, "\r\033[K");
}

void Progress::Update(size_t done, const std::string& last) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", done, total_, last.c_str());
  std::fflush(stderr);
}

}  // namespace mailcert::cli
