// The real Resolver: ldns builds and parses the messages, transport.cc moves them.

#include <algorithm>
#include <optional>
#include <utility>

#include "dns/ldns_util.h"
#include "dns/name.h"
#include "dns/resolver.h"
#include "dns/transport.h"
#include "sys/fs.h"
#include "util/log.h"
#include "util/strings.h"

namespace mailcert::dns {
namespace {

// A sentence per RCODE, so the message says what the server meant and not only its code.
std::string ExplainRcode(Rcode rcode) {
  switch (rcode) {
    case Rcode::kServFail:
      return "SERVFAIL: the server failed to produce an answer (commonly a broken DNSSEC chain, "
             "or no authoritative server of the zone answering it)";
    case Rcode::kRefused:
      return "REFUSED: the server declines to answer (it is not authoritative for the name, or "
             "does not recurse for this client)";
    case Rcode::kNotImp:
      return "NOTIMP: the server does not implement this query";
    case Rcode::kFormErr:
      return "FORMERR: the server could not parse the query";
    default:
      return RcodeName(rcode);
  }
}

QueryFailure FailureForRcode(Rcode rcode) {
  switch (rcode) {
    case Rcode::kServFail:
      return QueryFailure::kServFail;
    case Rcode::kRefused:
      return QueryFailure::kRefused;
    default:
      return QueryFailure::kRcode;
  }
}

class LdnsResolver final : public Resolver {
 public:
  explicit LdnsResolver(ResolverOptions options) : options_(std::move(options)) {}

  QueryResult<Response> Query(std::string_view name, RrType type) override {
    auto normalized = NormalizeName(name);
    if (!normalized) return InvalidName(name, type, normalized.error());
    std::vector<std::string> outcomes;
    std::optional<QueryError> reported;
    for (int round = 0; round < options_.attempts; ++round) {
      for (const ServerAddress& server : options_.servers) {
        auto result = AskOnce(server, *normalized, type, Recursion::kDesired);
        if (result) return result;
        std::string outcome = server.ToString() + ": " + ShortReason(result.error());
        if (std::find(outcomes.begin(), outcomes.end(), outcome) == outcomes.end()) {
          outcomes.push_back(outcome);
        }
        // A server that answered (SERVFAIL, REFUSED...) says more than one that stayed silent,
        // so its error is the one reported; the others are listed in the detail.
        if (!reported || (!FromAServer(*reported) && FromAServer(result.error()))) {
          reported = std::move(result.error());
        }
      }
    }
    reported->detail = "asked " + util::Join(outcomes, "; ");
    return tl::unexpected(std::move(*reported));
  }

  QueryResult<Response> QueryServer(const ServerAddress& server, std::string_view name, RrType type,
                                    Recursion recursion) override {
    auto normalized = NormalizeName(name);
    if (!normalized) return InvalidName(name, type, normalized.error());
    QueryResult<Response> result;
    for (int attempt = 0; attempt < options_.attempts; ++attempt) {
      result = AskOnce(server, *normalized, type, recursion);
      // Only silence is worth asking again; an RCODE is the server's considered answer.
      if (result || result.error().failure != QueryFailure::kTimeout) return result;
    }
    result.error().message += " (" + std::to_string(options_.attempts) + " attempts)";
    return result;
  }

 private:
  static tl::unexpected<QueryError> InvalidName(std::string_view name, RrType type,
                                                const util::Error& error) {
    QueryError query_error = MakeQueryError(QueryFailure::kInvalidName, name, type, "", "");
    query_error.message = error.message;
    return tl::unexpected(std::move(query_error));
  }

  static bool FromAServer(const QueryError& error) {
    return error.failure == QueryFailure::kServFail || error.failure == QueryFailure::kRefused ||
           error.failure == QueryFailure::kRcode;
  }

  static std::string ShortReason(const QueryError& error) {
    if (error.failure == QueryFailure::kServFail || error.failure == QueryFailure::kRefused ||
        error.failure == QueryFailure::kRcode) {
      return RcodeName(error.rcode);
    }
    return QueryFailureName(error.failure);
  }

  // One question to one server: UDP, then TCP when the UDP answer is truncated (RFC 1035
  // §4.2.1, RFC 7766 §5).
  QueryResult<Response> AskOnce(const ServerAddress& server, const std::string& name, RrType type,
                                Recursion recursion) {
    auto result = AskOnceUnlogged(server, name, type, recursion);
    if (util::GetLogLevel() <= util::LogLevel::kDebug) {
      std::string line = "dns: " + name + " " + RrTypeName(type) + " at " + server.ToString() +
                         (recursion == Recursion::kDesired ? "" : " (RD=0)") + ": ";
      if (result) {
        line += RcodeName(result->rcode) + ", " + std::to_string(result->answer.size()) +
                " answers" + (result->transport == Transport::kTcp ? " over TCP" : "");
      } else {
        line += QueryFailureName(result.error().failure);
      }
      util::LogDebug(line);
    }
    return result;
  }

  QueryResult<Response> AskOnceUnlogged(const ServerAddress& server, const std::string& name,
                                        RrType type, Recursion recursion) {
    std::string where = server.ToString();
    auto query = internal::BuildQuery(name, type, recursion == Recursion::kDesired,
                                      options_.udp_payload_size, internal::RandomMessageId());
    if (!query) {
      return tl::unexpected(
          MakeQueryError(QueryFailure::kInvalidName, name, type, "", query.error().message));
    }
    Transport transport = Transport::kUdp;
    auto pkt = Exchange(server, *query, transport, name, type);
    if (!pkt) return tl::unexpected(std::move(pkt.error()));
    if (ldns_pkt_tc(pkt->get())) {
      transport = Transport::kTcp;
      pkt = Exchange(server, *query, transport, name, type);
      if (!pkt) return tl::unexpected(std::move(pkt.error()));
    }
    Response response = internal::ToResponse(pkt->get(), where);
    response.transport = transport;
    if (response.rcode != Rcode::kNoError && response.rcode != Rcode::kNxDomain) {
      return tl::unexpected(MakeQueryError(FailureForRcode(response.rcode), name, type, where,
                                           ExplainRcode(response.rcode), response.rcode));
    }
    return response;
  }

  QueryResult<internal::PktPtr> Exchange(const ServerAddress& server,
                                         const std::vector<uint8_t>& query, Transport transport,
                                         const std::string& name, RrType type) {
    std::string where = server.ToString();
    auto reply = internal::Exchange(server, query, transport, options_.timeout);
    if (!reply) {
      return tl::unexpected(
          MakeQueryError(reply.error().failure, name, type, where, reply.error().what));
    }
    auto pkt = internal::FromWire(*reply);
    if (!pkt) {
      return tl::unexpected(
          MakeQueryError(QueryFailure::kMalformed, name, type, where, pkt.error().message));
    }
    return std::move(*pkt);
  }

  ResolverOptions options_;
};

}  // namespace

util::Result<std::unique_ptr<Resolver>> MakeResolver(ResolverOptions options) {
  if (options.attempts < 1) {
    return util::Fail(util::ErrorCode::kInvalidInput, "DNS attempts must be at least 1");
  }
  if (options.timeout.count() <= 0) {
    return util::Fail(util::ErrorCode::kInvalidInput, "DNS timeout must be positive");
  }
  if (options.servers.empty()) {
    auto text = sys::RealFs().ReadFile(options.resolv_conf);
    if (!text) {
      return util::Fail(util::ErrorCode::kIo,
                        "cannot read " + options.resolv_conf + " to find the DNS resolver: " +
                            text.error().message + "; configure the DNS servers explicitly");
    }
    MC_ASSIGN_OR_RETURN(options.servers, ParseResolvConf(*text, options.resolv_conf));
  }
  return std::unique_ptr<Resolver>(new LdnsResolver(std::move(options)));
}

}  // namespace mailcert::dns
