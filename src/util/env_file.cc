#include "util/env_file.h"

#include <cctype>

#include "util/strings.h"

namespace mailcert::util {
namespace {

bool ValidKey(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

std::string EnvFile::Get(const std::string& key, const std::string& fallback) const {
  auto it = entries.find(key);
  return it == entries.end() ? fallback : it->second.value;
}

std::string EnvFile::Where(const std::string& key) const {
  auto it = entries.find(key);
  return path + (it == entries.end() ? "" : ":" + std::to_string(it->second.line));
}

EnvFile ParseEnvFile(const std::string& text, const std::string& path) {
  EnvFile file;
  file.path = path;
  int number = 0;
  for (const std::string& raw : util::Split(text, '\n')) {
    ++number;
    std::string_view line = util::Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = path + ":" + std::to_string(number);
    if (line.rfind("export ", 0) == 0) line = util::Trim(line.substr(7));
    size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      file.warnings.push_back(where + ": not KEY=VALUE, ignored: " +
                              util::Quote(std::string(line.substr(0, 60))));
      continue;
    }
    std::string key(util::Trim(line.substr(0, equals)));
    if (!ValidKey(key)) {
      file.warnings.push_back(where + ": " + util::Quote(key) + " is not a variable name, ignored");
      continue;
    }
    std::string_view value = util::Trim(line.substr(equals + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
      size_t close = value.find(value.front(), 1);
      if (close == std::string_view::npos) {
        file.warnings.push_back(where + ": " + key + " has an unterminated quote, ignored");
        continue;
      }
      std::string_view rest = util::Trim(value.substr(close + 1));
      if (!rest.empty() && rest.front() != '#') {
        file.warnings.push_back(where + ": " + key + " has text after its closing quote, "
                                "ignored after the quote");
      }
      value = value.substr(1, close - 1);
    } else if (size_t comment = value.find(" #"); comment != std::string_view::npos) {
      value = util::Trim(value.substr(0, comment));
    }
    file.entries[key] = EnvEntry{std::string(value), number};
  }
  return file;
}

}  // namespace mailcert::util
