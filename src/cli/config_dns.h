#pragma once
// [[dns]] tables of the config file (config.h's DnsConfig), and the message helpers config.cc
// shares with them. Internal to cli/config*.cc.

#include <string>

#include <toml++/toml.h>

#include "cli/config.h"
#include "util/result.h"

namespace mailcert::cli::internal {

// "<path>:<line>:<column>" of a node, for messages.
std::string Where(const std::string& path, const toml::node& node);
// kInvalidInput "<where>: <what>".
util::Error Invalid(const std::string& where, const std::string& what);

// Reads one [[dns]] table. Keys other than the route's own (zones, domains, provider,
// credentials_file, propagation_timeout, check_authoritative, resolvers,
// nameserver_addresses) are the provider's settings and must be strings or integers.
// Errors: kInvalidInput "<path>:<line>:<column>: <what>".
util::Result<DnsConfig> ReadDnsTable(const toml::table& table, const std::string& path,
                                     const std::string& origin);

}  // namespace mailcert::cli::internal
