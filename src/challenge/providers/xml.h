#pragma once
// Just enough XML (XML 1.0) for the two providers whose APIs speak it, Route 53 and Namecheap:
// elements, attributes, character data, the five predefined entities and character references,
// CDATA, comments and processing instructions. A DOCTYPE is refused (no entity expansion), so
// a hostile answer cannot grow without bound. Internal to challenge/providers/.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace mailcert::challenge::api {

struct XmlElement {
  std::string name;  // local name: a "ns:" prefix is dropped
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;  // the character data directly inside, entities decoded
  std::vector<XmlElement> children;

  // Names compare case-insensitively: Namecheap has answered both <host> and <Host>.
  const XmlElement* Child(std::string_view child_name) const;
  std::vector<const XmlElement*> Children(std::string_view child_name) const;
  // The text of the first child named so, or "" when there is none.
  std::string ChildText(std::string_view child_name) const;
  // The first element of that name at any depth, this one included.
  const XmlElement* Find(std::string_view element_name) const;
  std::optional<std::string> Attribute(std::string_view attribute_name) const;
};

// Parses a whole document and returns its root element.
// Errors: kProtocol "not valid XML (<reason> at offset N)".
util::Result<XmlElement> ParseXml(std::string_view text);

// Escapes &, <, >, " and ' for element content and attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace mailcert::challenge::api
