#include "challenge/providers/xml.h"

#include <charconv>

#include "util/strings.h"

namespace mailcert::challenge::api {
namespace {

constexpr int kMaxDepth = 64;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsNameChar(char c) {
  return !IsSpace(c) && c != '>' && c != '/' && c != '=' && c != '<' && c != '"' && c != '\'';
}

std::string LocalName(std::string_view name) {
  size_t colon = name.find(':');
  return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
}

// Appends `code` as UTF-8.
bool AppendCodePoint(uint32_t code, std::string& out) {
  if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
  return true;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  util::Result<XmlElement> Document() {
    MC_RETURN_IF_ERROR(SkipMisc());
    if (!Peek("<")) return Fail("no root element");
    XmlElement root;
    MC_RETURN_IF_ERROR(Element(root, 0));
    MC_RETURN_IF_ERROR(SkipMisc());
    if (pos_ != text_.size()) return Fail("content after the root element");
    return root;
  }

 private:
  util::Result<void> Element(XmlElement& element, int depth) {
    if (depth > kMaxDepth) return Fail("elements nested too deeply");
    ++pos_;  // '<'
    size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    if (pos_ == start) return Fail("element without a name");
    element.name = LocalName(text_.substr(start, pos_ - start));
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size()) return Fail("unterminated start tag");
      if (Peek("/>")) {
        pos_ += 2;
        return {};
      }
      if (text_[pos_] == '>') {
        ++pos_;
        break;
      }
      size_t name_start = pos_;
      while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
      std::string attribute = LocalName(text_.substr(name_start, pos_ - name_start));
      SkipSpace();
      if (attribute.empty() || pos_ >= text_.size() || text_[pos_] != '=') {
        return Fail("malformed attribute");
      }
      ++pos_;
      SkipSpace();
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
        return Fail("attribute value without quotes");
      }
      char quote = text_[pos_++];
      size_t end = text_.find(quote, pos_);
      if (end == std::string_view::npos) return Fail("unterminated attribute value");
      std::string value;
      MC_RETURN_IF_ERROR(Decode(text_.substr(pos_, end - pos_), value));
      element.attributes.emplace_back(std::move(attribute), std::move(value));
      pos_ = end + 1;
    }
    // Content: character data, child elements, CDATA, comments, PIs, then the end tag.
    while (true) {
      if (pos_ >= text_.size()) return Fail("unterminated element " + element.name);
      if (Peek("</")) {
        pos_ += 2;
        size_t start_name = pos_;
        while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
        if (LocalName(text_.substr(start_name, pos_ - start_name)) != element.name) {
          return Fail("mismatched end tag for " + element.name);
        }
        SkipSpace();
        if (pos_ >= text_.size() || text_[pos_] != '>') return Fail("malformed end tag");
        ++pos_;
        return {};
      }
      if (Peek("<![CDATA[")) {
        size_t end = text_.find("]]>", pos_);
        if (end == std::string_view::npos) return Fail("unterminated CDATA");
        element.text.append(text_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
      } else if (Peek("<!--") || Peek("<?")) {
        MC_RETURN_IF_ERROR(SkipCommentOrPi());
      } else if (Peek("<!")) {
        return Fail("declarations are not accepted");
      } else if (text_[pos_] == '<') {
        XmlElement child;
        MC_RETURN_IF_ERROR(Element(child, depth + 1));
        element.children.push_back(std::move(child));
      } else {
        size_t end = text_.find('<', pos_);
        if (end == std::string_view::npos) end = text_.size();
        MC_RETURN_IF_ERROR(Decode(text_.substr(pos_, end - pos_), element.text));
        pos_ = end;
      }
    }
  }

  // The prolog and epilog: whitespace, the XML declaration, comments, PIs. No DOCTYPE.
  util::Result<void> SkipMisc() {
    while (true) {
      SkipSpace();
      if (Peek("<?") || Peek("<!--")) {
        MC_RETURN_IF_ERROR(SkipCommentOrPi());
      } else if (Peek("<!")) {
        return Fail("a DOCTYPE is not accepted");
      } else {
        return {};
      }
    }
  }

  util::Result<void> SkipCommentOrPi() {
    std::string_view close = Peek("<!--") ? "-->" : "?>";
    size_t end = text_.find(close, pos_ + 2);
    if (end == std::string_view::npos) return Fail("unterminated comment or instruction");
    pos_ = end + close.size();
    return {};
  }

  // Character data with entity and character references decoded (XML 1.0 §4.1, §4.6).
  util::Result<void> Decode(std::string_view raw, std::string& out) {
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out.push_back(raw[i]);
        continue;
      }
      size_t semicolon = raw.find(';', i);
      if (semicolon == std::string_view::npos) return Fail("unterminated entity reference");
      std::string_view entity = raw.substr(i + 1, semicolon - i - 1);
      if (entity == "amp") {
        out.push_back('&');
      } else if (entity == "lt") {
        out.push_back('<');
      } else if (entity == "gt") {
        out.push_back('>');
      } else if (entity == "quot") {
        out.push_back('"');
      } else if (entity == "apos") {
        out.push_back('\'');
      } else if (entity.starts_with("#")) {
        bool hex = entity.starts_with("#x");
        std::string_view digits = entity.substr(hex ? 2 : 1);
        uint32_t code = 0;
        auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
            !AppendCodePoint(code, out)) {
          return Fail("bad character reference");
        }
      } else {
        return Fail("unknown entity &" + std::string(entity) + ";");
      }
      i = semicolon;
    }
    return {};
  }

  bool Peek(std::string_view literal) const { return text_.substr(pos_).starts_with(literal); }
  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }
  tl::unexpected<util::Error> Fail(const std::string& reason) const {
    return util::Fail(util::ErrorCode::kProtocol,
                      "not valid XML (" + reason + " at offset " + std::to_string(pos_) + ")");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (util::EqualsIgnoreCase(child.name, child_name)) return &child;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::Children(std::string_view child_name) const {
  std::vector<const XmlElement*> found;
  for (const XmlElement& child : children) {
    if (util::EqualsIgnoreCase(child.name, child_name)) found.push_back(&child);
  }
  return found;
}

std::string XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* child = Child(child_name);
  return child ? child->text : std::string();
}

const XmlElement* XmlElement::Find(std::string_view element_name) const {
  if (util::EqualsIgnoreCase(name, element_name)) return this;
  for (const XmlElement& child : children) {
    if (const XmlElement* found = child.Find(element_name)) return found;
  }
  return nullptr;
}

std::optional<std::string> XmlElement::Attribute(std::string_view attribute_name) const {
  for (const auto& [key, value] : attributes) {
    if (util::EqualsIgnoreCase(key, attribute_name)) return value;
  }
  return std::nullopt;
}

util::Result<XmlElement> ParseXml(std::string_view text) { return Parser(text).Document(); }

std::string XmlEscape(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&apos;";
        break;
      default:
        escaped.push_back(c);
    }
  }
  return escaped;
}

}  // namespace mailcert::challenge::api
