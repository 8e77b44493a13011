#pragma once
// The DANE guard (RFC 7672 §3.1, RFC 7671 §8.1): before a certificate goes in front of an MTA,
// the TLSA records published for it must match it. Senders that validate DANE defer every
// message to a server whose certificate matches none of its TLSA records, so a renewal with a
// new key, deployed before its TLSA record is published, stops inbound mail for the domain.
// The guard holds such a deploy back (the deployed certificate keeps working) and says which
// record to publish; it lets through what does not make things worse.
//
// A pure decision over an injected lookup, so it is tested without DNS; cli/ wires the real
// resolver (deploy/ does not use dns/, design.md).

#include <functional>
#include <string>
#include <vector>

#include "crypto/dane.h"
#include "deploy/layout.h"
#include "util/result.h"

namespace mailcert::deploy {

// The TLSA records at an owner name ("_25._tcp.mail.example.org"); empty when there are none
// (NXDOMAIN or no TLSA data). An error when the lookup failed (SERVFAIL, timeout): unknown.
using TlsaLookup =
    std::function<util::Result<std::vector<crypto::TlsaAssociation>>(const std::string& owner)>;

// `lookup`, but once it has timed out it is not asked again: its timeout answers every later
// owner. A certificate with many names then waits out one timeout, not one per name.
TlsaLookup StopAfterTimeout(TlsaLookup lookup);

struct DaneVerdict {
  std::string refusal;                // non-empty: do not deploy, and why (with the fix)
  std::vector<std::string> warnings;  // deploy, but say these
};

// For each port in `ports` and each non-wildcard name of `material`, looks up the TLSA records
// at _<port>._tcp.<name> and compares them with the new chain and with `deployed_chain_der`
// (what the target holds now; empty when nothing is deployed). Nothing is looked up when the
// target already holds this very certificate. Otherwise:
//   - no records, or a record matches the new chain: fine;
//   - a record matches the deployed chain but none the new one: refused (deploying would break
//     DANE for that name; the message gives the 3 1 1 record to publish first);
//   - no record matches either: a warning (DANE is already broken; the deploy does not change
//     that), with the record to publish;
//   - the lookup failed: refused when the new leaf's key differs from the deployed one's (it
//     cannot be known to be safe), a warning when the key is the same.
DaneVerdict CheckDane(const std::vector<int>& ports, const Material& material,
                      const std::vector<std::string>& deployed_chain_der, const TlsaLookup& lookup);

}  // namespace mailcert::deploy
