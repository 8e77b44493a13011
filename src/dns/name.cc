#include "dns/name.h"

#include "util/strings.h"

namespace mailcert::dns {
namespace {

constexpr size_t kMaxLabel = 63;  // RFC 1035 §2.3.4
constexpr size_t kMaxName = 253;  // 255 octets on the wire = 253 characters written out

bool IsNameCharacter(char c) {
  // Host names are letters, digits and hyphens (RFC 1123 §2.1); '_' appears in service names
  // (RFC 8552) and '*' as a wildcard label. Anything else would need escaping in zone files and
  // is never a name a mail server certificate holds.
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*';
}

}  // namespace

util::Result<std::string> NormalizeName(std::string_view name) {
  std::string lower = util::ToLower(util::Trim(name));
  if (lower == ".") return std::string(".");
  if (!lower.empty() && lower.back() == '.') lower.pop_back();
  auto invalid = [&](const std::string& why) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "invalid DNS name " + util::Quote(name) + ": " + why);
  };
  if (lower.empty()) return invalid("it is empty");
  if (lower.size() > kMaxName) {
    return invalid("longer than " + std::to_string(kMaxName) + " characters (RFC 1035 §2.3.4)");
  }
  size_t label_start = 0;
  for (size_t i = 0; i <= lower.size(); ++i) {
    if (i == lower.size() || lower[i] == '.') {
      size_t length = i - label_start;
      if (length == 0) return invalid("empty label (two dots in a row, or a leading dot)");
      if (length > kMaxLabel) {
        return invalid("label longer than 63 characters (RFC 1035 §2.3.4)");
      }
      std::string_view label(lower.data() + label_start, length);
      if (label.find('*') != std::string_view::npos && (label != "*" || label_start != 0)) {
        return invalid("'*' is only allowed as the whole leftmost label");
      }
      label_start = i + 1;
      continue;
    }
    if (static_cast<unsigned char>(lower[i]) >= 0x80) {
      return invalid(
          "non-ASCII characters: write internationalized names in their xn-- form "
          "(RFC 5891)");
    }
    if (!IsNameCharacter(lower[i])) {
      return invalid("character " + util::Quote(std::string(1, lower[i])) +
                     " is not allowed (letters, digits, '-', '_')");
    }
  }
  return lower;
}

std::string ParentName(std::string_view name) {
  if (name.empty() || name == ".") return ".";
  size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot + 1 >= name.size()) return ".";
  return std::string(name.substr(dot + 1));
}

bool IsWithin(std::string_view name, std::string_view ancestor) {
  if (ancestor == "." || ancestor.empty()) return true;
  if (name.size() < ancestor.size()) return false;
  std::string_view tail = name.substr(name.size() - ancestor.size());
  if (!util::EqualsIgnoreCase(tail, ancestor)) return false;
  // A whole-label match: "xexample.com" is not within "example.com".
  return name.size() == ancestor.size() || name[name.size() - ancestor.size() - 1] == '.';
}

bool IsWildcard(std::string_view name) { return name.size() > 2 && name.substr(0, 2) == "*."; }

std::string StripWildcard(std::string_view name) {
  return std::string(IsWildcard(name) ? name.substr(2) : name);
}

std::string AcmeChallengeName(std::string_view identifier) {
  return "_acme-challenge." + StripWildcard(identifier);
}

std::string AbsoluteName(std::string_view name) {
  if (name.empty() || name == ".") return ".";
  if (name.back() == '.') return std::string(name);
  return std::string(name) + ".";
}

}  // namespace mailcert::dns
