#pragma once
// The TOML configuration file (--config). Every key is optional; command-line flags win over
// the file, the file wins over built-in defaults. Unknown keys and wrong types are errors that
// name the file, the line and the key, so a typo never silently falls back to a default.

#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace mailcert::cli {

struct CertificateConfig {
  std::string name;                  // lineage; defaults to the first domain
  std::vector<std::string> domains;
  std::optional<std::string> key_type;
  std::optional<std::string> preferred_chain;
  std::optional<std::string> webroot;
  std::optional<std::string> http_listen;
  std::string origin;  // "mailcert.toml:12" for messages
};

struct FileConfig {
  std::string path;
  std::optional<std::string> server;
  std::optional<bool> staging;
  std::optional<std::string> ca_bundle;
  std::optional<std::string> state_dir;
  std::optional<std::string> email;
  std::optional<std::string> eab_kid;
  std::optional<std::string> eab_hmac_key;  // secret; prefer eab_hmac_key_file
  std::optional<std::string> eab_hmac_key_file;
  std::optional<std::string> http_listen;
  std::optional<std::string> webroot;
  std::optional<std::string> key_type;
  std::optional<std::string> preferred_chain;
  std::optional<int> concurrency;
  std::vector<CertificateConfig> certificates;
};

// Errors: kInvalidInput "<path>:<line>:<column>: <what>" for syntax, unknown keys and types;
// kNotFound / kIo when the file cannot be read.
util::Result<FileConfig> LoadConfigFile(const std::string& path);

// The same from text (tests); `path` is used in messages only.
util::Result<FileConfig> ParseConfig(const std::string& text, const std::string& path);

}  // namespace mailcert::cli
