#pragma once
// One DNS message exchange with one server over UDP or TCP (RFC 1035 §4.2, RFC 7766). Internal
// to dns/.
//
// We do the socket work ourselves rather than through ldns_send(): ldns reports a timeout, a
// refused connection and an unreachable network all as LDNS_STATUS_NETWORK_ERR, and callers here
// must tell "nothing listens there" from "no answer in time". ldns still builds and parses every
// message.

#include <chrono>
#include <cstdint>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "dns/response.h"
#include "dns/server_address.h"

namespace mailcert::dns::internal {

struct TransportError {
  QueryFailure failure = QueryFailure::kTimeout;  // kTimeout, kUnreachable or kMalformed
  std::string what;                               // "no answer over UDP within 2000 ms"
};

// Sends `query` (a whole message in wire format) and waits at most `timeout` for the reply whose
// ID and question match it; over UDP, replies that do not match are ignored (RFC 5452 §9.1),
// over TCP they are an error. Returns the reply in wire format.
tl::expected<std::vector<uint8_t>, TransportError> Exchange(const ServerAddress& server,
                                                            const std::vector<uint8_t>& query,
                                                            Transport transport,
                                                            std::chrono::milliseconds timeout);

// True when `reply` answers `query`: same ID, QR set, and the same question (compared
// case-insensitively) unless the reply carries none, as some error replies do.
bool ReplyMatches(const std::vector<uint8_t>& query, const std::vector<uint8_t>& reply);

}  // namespace mailcert::dns::internal
