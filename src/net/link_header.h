#pragma once
// Link header parsing (RFC 8288): ACME uses rel="index", "up", "alternate" and
// "terms-of-service" (RFC 8555 §7.1, §7.4.2).

#include <string>
#include <string_view>
#include <vector>

namespace mailcert::net {

struct Link {
  std::string target;  // resolved against the request URL when relative
  std::string rel;     // lowercased; a link with several rels appears once per rel
};

// Parses every value of the Link headers of one response.
std::vector<Link> ParseLinks(const std::vector<std::string>& header_values,
                             std::string_view request_url);

// Targets of the links whose rel equals `rel`, in order.
std::vector<std::string> LinksWithRel(const std::vector<Link>& links, std::string_view rel);

// Resolves `reference` against `base` (RFC 3986 §5.2, enough for absolute URLs, absolute paths
// and relative paths).
std::string ResolveUrl(std::string_view base, std::string_view reference);

}  // namespace mailcert::net
