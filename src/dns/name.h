#pragma once
// Domain name helpers. mailcert's canonical form for a name is lowercase ASCII without the
// trailing dot ("mail.example.com"), as ACME identifiers are written (RFC 8555 §7.1.4); the root
// is ".". DNS compares names case-insensitively (RFC 4343 §3), so normalising once at the edge
// lets every later comparison be a plain string compare.

#include <string>
#include <string_view>

#include "util/result.h"

namespace mailcert::dns {

// Lowercases, drops one trailing dot and checks the limits of RFC 1035 §2.3.4 (labels of 1–63
// octets, at most 253 characters written out). Accepts "*" as a leftmost label and "_" anywhere
// (service labels such as _acme-challenge, RFC 8552), but no spaces, control characters,
// backslashes or empty labels.
// Errors: kInvalidInput naming the name and the rule it breaks.
util::Result<std::string> NormalizeName(std::string_view name);

// The name with its leftmost label removed: "a.b.c" → "b.c", "c" → ".", "." → ".".
std::string ParentName(std::string_view name);

// True when `name` equals `ancestor` or lies below it ("a.b.c" is within "b.c" and "."),
// comparing whole labels case-insensitively.
bool IsWithin(std::string_view name, std::string_view ancestor);

// True for a wildcard identifier ("*.example.com", RFC 8555 §7.1.3).
bool IsWildcard(std::string_view name);

// "*.example.com" → "example.com"; other names unchanged.
std::string StripWildcard(std::string_view name);

// The owner of the dns-01 TXT record for an identifier (RFC 8555 §8.4): "_acme-challenge."
// prefixed to the name, without a wildcard label (a wildcard and its base share one name).
std::string AcmeChallengeName(std::string_view identifier);

// The name with a trailing dot, as ldns and zone files want it: "a.b" → "a.b.", "." → ".".
std::string AbsoluteName(std::string_view name);

}  // namespace mailcert::dns
