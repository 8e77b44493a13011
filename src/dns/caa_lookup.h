#pragma once
// The CAA lookup of RFC 8659 §3: the identifier's base name, then each parent up to (not
// including) the root, stopping at the first non-empty CAA RRset or the first failure. Aliases
// are followed at every step (RFC 8659 §3 "chasing aliases"), whether or not the resolver
// chases them itself.

#include <string_view>
#include <vector>

#include "dns/caa.h"
#include "dns/resolver.h"

namespace mailcert::dns {

// The steps of the climb for `identifier` ("mail.example.com" or "*.example.com"), ready for
// EvaluateCaa. Never fails as a whole: a failed query is the last step, with `failure` set.
std::vector<CaaStep> LookupCaa(Resolver& resolver, std::string_view identifier);

// LookupCaa + EvaluateCaa.
CaaDecision CheckCaa(Resolver& resolver, const CaaRequest& request);

}  // namespace mailcert::dns
