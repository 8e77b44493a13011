#pragma once
// From configuration to a dns-01 solver: [[dns]] tables (and --dns, or what state.json or
// mailcow.conf recorded) become challenge::DnsRoute values with their credentials read, and
// the solver is built with the real effects (files, processes, HTTP).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "challenge/dns01.h"
#include "challenge/dns_routes.h"
#include "cli/settings.h"
#include "net/http_client.h"
#include "util/result.h"

namespace mailcert::cli {

// The routes for a lineage: one per [[dns]] table of the config. A `provider` (--dns, or what
// state.json recorded of it) replaces every table's provider and settings with itself and
// `credentials_file`'s, keeping what each table covers and how it checks propagation; without
// tables it is the one route for every name.
// Credentials files are read here (and refused when group or others may read them); a secret
// written into the config itself is refused when the config file is readable by others.
// Errors: kInvalidInput naming the table ("mailcert.toml:40:1: …") or file; kNotFound/kIo.
util::Result<std::vector<challenge::DnsRoute>> DnsRoutes(const Settings& settings,
                                                         const std::string& provider,
                                                         const std::string& credentials_file);

// A dns-01 solver over `routes` with the real filesystem, process runner and `http`, its
// journal under `state_dir`. Not prepared yet (Prepare cleans up after crashed runs).
util::Result<std::unique_ptr<challenge::Dns01Solver>> MakeDns01Solver(
    std::vector<challenge::DnsRoute> routes, const std::string& state_dir,
    net::HttpClient& http);

// For `plan`: where one name's dns-01 record goes.
struct DnsPlacement {
  std::string route;     // the route's label: "rfc2136 (mailcert.toml:40:1)"
  std::string provider;  // the provider's own description (after a lookup)
  std::string target;    // where a CNAME at _acme-challenge.<name> points (after a lookup)
  std::string zone;      // the zone holding it (after a lookup)
  std::string problem;   // why the name cannot be validated this way; empty when it can
  // "zone example.org via rfc2136 at 192.0.2.53:53 …", "_acme-challenge.x CNAME → y, zone z via
  // …", or "via rfc2136 (mailcert.toml:40:1)" when not looked up.
  std::string Summary() const;
};

// Where the dns-01 record of each of `names` goes: looked up now (CNAME, zone, route) when
// `look_up`, else the route that covers the name by its suffix alone.
// Errors: those of DnsRoutes and of building the providers (a missing credential…).
util::Result<std::map<std::string, DnsPlacement>> PlaceDnsRecords(
    const Settings& settings, const std::string& provider, const std::string& credentials_file,
    const std::vector<std::string>& names, bool look_up);

}  // namespace mailcert::cli
