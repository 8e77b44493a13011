#pragma once
// Settings of the DNS providers built in dns_provider_factory.h: their names and aliases, the
// setting names each understands, which settings are secrets, and credentials files read as
// data. No provider is built here.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "challenge/dns_provider.h"
#include "sys/fs.h"
#include "util/result.h"

namespace mailcert::challenge {

// The canonical name of one of the providers built here ("dns_nsupdate" → "rfc2136"), or
// nullopt for any other name.
std::optional<std::string> CoreProviderName(const std::string& name);

// Every setting name a provider built here understands (for checking a config table's keys);
// empty for the other providers, whose settings are not checked here.
std::vector<std::string> CoreProviderSettings(const std::string& name);

// Settings that hold secrets (they belong in a credentials file, not the config).
bool IsSecretSetting(const std::string& key);

// Reads a credentials file: KEY=VALUE lines read as data, never sourced (quotes stripped,
// comments allowed). Malformed lines are reported by file and line only, never by content.
// Errors: kInvalidInput for a file that group or others may read ("… — chmod 600 <file>"),
// kNotFound / kIo from reading.
util::Result<ProviderSettings> ReadCredentialsFile(sys::Fs& fs, const std::string& path,
                                                   std::vector<std::string>& warnings);

// The value of the first of `names` that is set and not empty, whitespace trimmed.
std::optional<std::string> FindSetting(const ProviderSettings& settings,
                                       std::initializer_list<const char*> names);

// A whole number setting from `min` to `max` (the first of `names`), or `fallback` when unset.
// Errors: kInvalidInput "<provider>: <name> must be a number from <min> to <max>".
util::Result<uint32_t> NumberSetting(const ProviderSettings& settings,
                                     std::initializer_list<const char*> names, uint32_t fallback,
                                     uint32_t min, uint32_t max, const std::string& provider);

}  // namespace mailcert::challenge
