#pragma once
// RFC 2136 dynamic updates of TXT records, signed with TSIG (RFC 8945): what the rfc2136
// DNS-01 provider sends to a primary server (BIND, Knot, PowerDNS, Windows DNS).
//
// Adding a TXT record that exists and deleting one that does not are no-ops for the server
// (RFC 2136 §3.4.2), so an update that timed out may be sent again.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/response.h"
#include "dns/server_address.h"
#include "dns/tsig_key.h"
#include "util/result.h"

namespace mailcert::dns {

struct TxtChange {
  enum class Action {
    kAdd,          // add the record `value` (RFC 2136 §2.5.1)
    kDeleteValue,  // delete the record `value` only (§2.5.4), leaving other values in place
    kDeleteAll,    // delete every TXT record at `name` (§2.5.2)
  };
  Action action = Action::kAdd;
  std::string name;   // the owner, e.g. "_acme-challenge.example.com"; must lie in the zone
  std::string value;  // the TXT text; longer than 255 octets is split into strings (RFC 1035)
  uint32_t ttl = 60;  // for kAdd; short, so a stale challenge record ages out of caches fast
};

struct UpdateOptions {
  std::chrono::milliseconds timeout{5000};  // per message sent
  int attempts = 2;                         // sends on timeout
  uint16_t fudge_seconds = 300;             // TSIG clock skew allowed (RFC 8945 §5.2.3)
};

class Rfc2136Client {
 public:
  Rfc2136Client(ServerAddress server, TsigKey key, UpdateOptions options = {});

  // Sends all `changes` to `zone` in one update message (applied atomically by the server,
  // RFC 2136 §3.4) and checks the server's TSIG signature on the answer.
  // Errors (QueryError, type SOA, name = zone): the server's RCODE in plain words, e.g.
  // "update of example.com refused by 127.0.0.1:53: NOTAUTH (TSIG key 'x' not accepted:
  // BADSIG, the secret differs from the server's)"; kTimeout / kUnreachable from the transport;
  // kMalformed for an unsigned or wrongly signed answer; kInvalidName for names outside the zone.
  QueryResult<void> Apply(std::string_view zone, const std::vector<TxtChange>& changes);

  QueryResult<void> AddTxt(std::string_view zone, std::string_view name, std::string_view value,
                           uint32_t ttl = 60);
  QueryResult<void> DeleteTxt(std::string_view zone, std::string_view name, std::string_view value);
  QueryResult<void> DeleteAllTxt(std::string_view zone, std::string_view name);

  const ServerAddress& server() const { return server_; }

 private:
  ServerAddress server_;
  TsigKey key_;
  UpdateOptions options_;
};

}  // namespace mailcert::dns
