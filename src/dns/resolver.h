#pragma once
// The Resolver seam (design.md: effects behind small interfaces with one real implementation).
// Callers ask questions; the real implementation sends them with ldns-built messages over UDP,
// repeats them over TCP when the answer is truncated, and bounds every wait. Tests of code above
// dns/ may substitute a fake; dns/'s own integration tests use the real one against BIND and
// pebble-challtestsrv.
//
// Answers with RCODE NOERROR or NXDOMAIN are results (NXDOMAIN is an answer: the name does not
// exist). Every other outcome is a QueryError whose `failure` says what happened, so a CAA check
// can treat SERVFAIL as "the CA will refuse" and a timeout as "try again".

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns/response.h"
#include "dns/server_address.h"
#include "util/result.h"

namespace mailcert::dns {

// The RD bit (RFC 1035 §4.1.1). kNotDesired asks a server for what it holds itself, which is
// what a check against an authoritative server wants.
enum class Recursion { kDesired, kNotDesired };

// Implementations must be safe to call from several threads at once: QueryEachAuthoritative
// asks all authoritative servers in parallel through one Resolver.
class Resolver {
 public:
  virtual ~Resolver() = default;

  // Asks the configured servers with RD=1: each server in order, `attempts` rounds. A server
  // that times out, is unreachable, or answers SERVFAIL, REFUSED or another error RCODE is
  // skipped for the next one (as the C library's resolver does).
  // Returns the first NOERROR/NXDOMAIN response. Errors: the QueryError of the first server
  // that answered with an error RCODE, else of the first that failed, with every server's
  // outcome in `detail`; kInvalidName before anything is sent.
  virtual QueryResult<Response> Query(std::string_view name, RrType type) = 0;

  // Asks exactly `server`, with RD as given, `attempts` times on timeouts only. For checks of
  // what one authoritative server serves. Same result and errors as Query().
  virtual QueryResult<Response> QueryServer(const ServerAddress& server, std::string_view name,
                                            RrType type,
                                            Recursion recursion = Recursion::kNotDesired) = 0;
};

struct ResolverOptions {
  // Servers asked by Query(), in order. Empty: the nameserver lines of `resolv_conf`.
  std::vector<ServerAddress> servers;
  std::string resolv_conf = "/etc/resolv.conf";
  // Wait for one answer to one message; a truncated answer's TCP retry gets its own.
  std::chrono::milliseconds timeout{2000};
  int attempts = 2;  // rounds over the servers (Query) or tries of one server (QueryServer)
  // EDNS(0) UDP payload size advertised (RFC 6891 §6.2.5); 1232 avoids IP fragmentation
  // (DNS Flag Day 2020). 0 sends no OPT record, limiting UDP answers to 512 octets.
  uint16_t udp_payload_size = 1232;
};

// The real resolver. Reads `resolv_conf` once, now, when `servers` is empty.
// Errors: kIo when resolv.conf cannot be read, kInvalidInput for a malformed nameserver line or
// attempts < 1.
util::Result<std::unique_ptr<Resolver>> MakeResolver(ResolverOptions options);

}  // namespace mailcert::dns
