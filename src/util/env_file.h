#pragma once
// KEY=VALUE files read as data, never sourced (style.md "Avoid"): mailcow.conf,
// docker-mailserver's mailserver.env, mailcow's dns-01.conf. Comments (#) and blank lines are
// skipped; "export " is tolerated; one pair of matching quotes around a value is removed; an
// unquoted value ends at " #". Anything else is reported with its file and line, never fatal.

#include <map>
#include <string>
#include <vector>

namespace mailcert::util {

struct EnvEntry {
  std::string value;
  int line = 0;
};

struct EnvFile {
  std::string path;
  std::map<std::string, EnvEntry> entries;  // the last assignment wins, as in a shell
  std::vector<std::string> warnings;        // "mailcow.conf:12: not KEY=VALUE: …"

  // The value, or `fallback` when the key is absent.
  std::string Get(const std::string& key, const std::string& fallback = "") const;
  bool Has(const std::string& key) const { return entries.count(key) > 0; }
  // "mailcow.conf:12" for messages.
  std::string Where(const std::string& key) const;
};

EnvFile ParseEnvFile(const std::string& text, const std::string& path);

}  // namespace mailcert::util
