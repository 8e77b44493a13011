#pragma once
// What a DNS query returns: typed records, the header bits callers decide on, and the error
// type that keeps SERVFAIL, REFUSED and timeouts apart (a CA treats a CAA SERVFAIL as a refusal
// to issue, a timeout as a retry; callers must be able to tell them apart).

#include <cstdint>
#include <string>
#include <tl/expected.hpp>
#include <variant>
#include <vector>

#include "util/result.h"

namespace mailcert::dns {

// The record types mailcert reads (IANA "Resource Record (RR) TYPEs"). Other values are valid
// too: an unknown type is carried as OtherRecord.
enum class RrType : uint16_t {
  kA = 1,
  kNs = 2,
  kCname = 5,
  kSoa = 6,
  kTxt = 16,
  kAaaa = 28,
  kTlsa = 52,
  kCaa = 257,
};

// "A", "CAA", or "TYPE65" (RFC 3597 §5) for others.
std::string RrTypeName(RrType type);

// RCODE values (RFC 1035 §4.1.1, RFC 2136 §2.2, and the TSIG errors of RFC 8945 §5.3, which
// travel in the TSIG record rather than the header).
enum class Rcode : uint16_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
  kYxDomain = 6,
  kYxRrset = 7,
  kNxRrset = 8,
  kNotAuth = 9,
  kNotZone = 10,
  kBadSig = 16,
  kBadKey = 17,
  kBadTime = 18,
};

// "NOERROR", "SERVFAIL", "BADSIG", or "RCODE23" for values without a name here.
std::string RcodeName(Rcode rcode);

struct ARecord {
  std::string address;  // "192.0.2.1"
};
struct AaaaRecord {
  std::string address;  // "2001:db8::1"
};
struct CnameRecord {
  std::string target;  // canonical form (see name.h)
};
struct NsRecord {
  std::string host;
};
struct SoaRecord {  // RFC 1035 §3.3.13
  std::string mname;
  std::string rname;
  uint32_t serial = 0;
  uint32_t refresh = 0;
  uint32_t retry = 0;
  uint32_t expire = 0;
  uint32_t minimum = 0;
};
struct TxtRecord {  // RFC 1035 §3.3.14: one or more <character-string>s
  std::vector<std::string> strings;
  // The strings concatenated, as ACME and most consumers read a TXT record (RFC 7208 §3.3).
  std::string Joined() const;
};
struct CaaRecord {  // RFC 8659 §4.1
  uint8_t flags = 0;
  std::string tag;    // as received; compare case-insensitively (RFC 8659 §4.1)
  std::string value;  // raw octets of the value
  bool critical() const { return (flags & 0x80) != 0; }  // Issuer Critical Flag
};
struct TlsaRecord {  // RFC 6698 §2.1
  uint8_t usage = 0;
  uint8_t selector = 0;
  uint8_t matching_type = 0;
  std::string data;  // raw octets (hex-encode for display)
};
struct OtherRecord {
  std::string rdata;  // raw RDATA octets
};

using RecordData = std::variant<ARecord, AaaaRecord, CnameRecord, NsRecord, SoaRecord, TxtRecord,
                                CaaRecord, TlsaRecord, OtherRecord>;

struct Record {
  std::string name;  // owner, canonical form
  RrType type = RrType::kA;
  uint32_t ttl = 0;
  RecordData data;

  template <typename T>
  const T* As() const {
    return std::get_if<T>(&data);
  }
  // "www.example.test 60 A 192.0.2.1", for messages and test failures.
  std::string ToString() const;
};

enum class Transport { kUdp, kTcp };

struct Response {
  std::string server;  // the server that answered, "127.0.0.1:53" / "[::1]:53"
  Rcode rcode = Rcode::kNoError;
  bool authoritative = false;             // AA (RFC 1035 §4.1.1)
  bool truncated = false;                 // TC on the answer kept (false once TCP answered)
  bool recursion_available = false;       // RA
  Transport transport = Transport::kUdp;  // kTcp after a truncated UDP answer (RFC 7766 §5)
  std::vector<Record> answer;
  std::vector<Record> authority;
  std::vector<Record> additional;

  // The data of every answer record of type T, in order (including records of a CNAME's target
  // when the server followed the alias).
  template <typename T>
  std::vector<T> Answers() const {
    std::vector<T> found;
    for (const Record& record : answer) {
      if (const T* data = record.As<T>()) found.push_back(*data);
    }
    return found;
  }
};

// Why a query produced no usable answer.
enum class QueryFailure {
  kTimeout,       // no answer within the time allowed, after every retry
  kUnreachable,   // the server refused the connection or the network is unreachable
  kServFail,      // RCODE SERVFAIL: the server tried and failed (often DNSSEC or a lame delegation)
  kRefused,       // RCODE REFUSED: the server will not answer this (not authoritative, ACL)
  kRcode,         // any other error RCODE (FORMERR, NOTIMP, NOTAUTH, ...): see `rcode`
  kMalformed,     // an answer that could not be parsed, or does not match the question
  kInconsistent,  // answers that contradict each other: a CNAME loop, a chain too long
  kInvalidName,   // the name asked about is not a valid DNS name
};

const char* QueryFailureName(QueryFailure failure);

// A util::Error that also says which kind of failure happened, at which server, for which
// question. It converts to util::Error (slicing away the extra fields) so MC_RETURN_IF_ERROR
// works in functions returning util::Result.
struct QueryError : util::Error {
  QueryFailure failure = QueryFailure::kTimeout;
  Rcode rcode = Rcode::kNoError;  // for kServFail, kRefused, kRcode
  std::string server;             // "" when no server was asked (kInvalidName)
  std::string name;
  RrType type = RrType::kA;
};

template <typename T>
using QueryResult = tl::expected<T, QueryError>;

// Builds a QueryError with a message of the form
// "<name> <TYPE> at <server>: <what>" and the util::ErrorCode that fits the failure.
QueryError MakeQueryError(QueryFailure failure, std::string_view name, RrType type,
                          std::string_view server, std::string_view what, Rcode rcode = {});

}  // namespace mailcert::dns
