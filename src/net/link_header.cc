#include "net/link_header.h"

#include <optional>

#include "util/strings.h"

namespace mailcert::net {
namespace {

// ---------------------------------------------------------------------------------------------
// RFC 3986 references.

// The five components of RFC 3986 Appendix B; a component that is absent (as opposed to empty)
// is nullopt, which matters for §5.2.2 ("if defined(R.query)").
struct UriParts {
  std::optional<std::string_view> scheme;
  std::optional<std::string_view> authority;
  std::string_view path;
  std::optional<std::string_view> query;
  std::optional<std::string_view> fragment;
};

bool IsSchemeChar(char c, bool first) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (first) return alpha;
  return alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

// Splits like the regular expression of RFC 3986 Appendix B, except that a scheme must match
// §3.1's grammar (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )); otherwise the ':' belongs to the
// path.
UriParts SplitUri(std::string_view uri) {
  UriParts parts;
  size_t colon = uri.find_first_of(":/?#");
  if (colon != std::string_view::npos && colon > 0 && uri[colon] == ':') {
    bool valid = true;
    for (size_t i = 0; i < colon; ++i) valid = valid && IsSchemeChar(uri[i], i == 0);
    if (valid) {
      parts.scheme = uri.substr(0, colon);
      uri.remove_prefix(colon + 1);
    }
  }
  if (uri.starts_with("//")) {
    size_t end = uri.find_first_of("/?#", 2);
    parts.authority = uri.substr(2, end == std::string_view::npos ? end : end - 2);
    uri.remove_prefix(end == std::string_view::npos ? uri.size() : end);
  }
  size_t hash = uri.find('#');
  if (hash != std::string_view::npos) {
    parts.fragment = uri.substr(hash + 1);
    uri = uri.substr(0, hash);
  }
  size_t question = uri.find('?');
  if (question != std::string_view::npos) {
    parts.query = uri.substr(question + 1);
    uri = uri.substr(0, question);
  }
  parts.path = uri;
  return parts;
}

// RFC 3986 §5.2.4.
std::string RemoveDotSegments(std::string_view input) {
  std::string output;
  while (!input.empty()) {
    if (input.starts_with("../")) {  // A
      input.remove_prefix(3);
    } else if (input.starts_with("./")) {
      input.remove_prefix(2);
    } else if (input.starts_with("/./")) {  // B
      input.remove_prefix(2);
    } else if (input == "/.") {
      input = "/";
    } else if (input.starts_with("/../") || input == "/..") {  // C
      input = input.size() == 3 ? std::string_view("/") : input.substr(3);
      size_t last = output.rfind('/');
      output.erase(last == std::string::npos ? 0 : last);
    } else if (input == "." || input == "..") {  // D
      input = {};
    } else {  // E: move the first segment, with its leading '/', to the output
      size_t next = input.find('/', input.front() == '/' ? 1 : 0);
      if (next == std::string_view::npos) next = input.size();
      output.append(input.substr(0, next));
      input.remove_prefix(next);
    }
  }
  return output;
}

// RFC 3986 §5.2.3.
std::string MergePaths(const UriParts& base, std::string_view reference_path) {
  if (base.authority && base.path.empty()) return "/" + std::string(reference_path);
  size_t slash = base.path.rfind('/');
  if (slash == std::string_view::npos) return std::string(reference_path);
  return std::string(base.path.substr(0, slash + 1)) + std::string(reference_path);
}

// ---------------------------------------------------------------------------------------------
// RFC 8288 §3 Link header values.

bool IsOws(char c) { return c == ' ' || c == '\t'; }

class LinkParser {
 public:
  LinkParser(std::string_view text, std::string_view base, std::vector<Link>& out)
      : text_(text), base_(base), out_(out) {}

  // Link = #link-value, i.e. comma-separated, empty elements allowed (RFC 9110 §5.6.1).
  void ParseAll() {
    while (true) {
      while (pos_ < text_.size() && (IsOws(text_[pos_]) || text_[pos_] == ',')) ++pos_;
      if (pos_ >= text_.size()) return;
      if (text_[pos_] != '<') {  // not a link-value: skip the element
        SkipElement();
        continue;
      }
      size_t close = text_.find('>', pos_ + 1);
      if (close == std::string_view::npos) return;  // unterminated: nothing usable follows
      std::string_view target = util::Trim(text_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
      ParseParams(target);
    }
  }

 private:
  // link-value's parameters: *( OWS ";" OWS link-param ), up to the next top-level comma.
  void ParseParams(std::string_view target) {
    std::optional<std::string> rel;
    while (pos_ < text_.size()) {
      SkipOws();
      if (pos_ >= text_.size()) break;
      char c = text_[pos_];
      if (c == ',') {
        ++pos_;
        break;
      }
      if (c != ';') {  // junk after the target or a parameter: resynchronise
        SkipUntilSeparator();
        continue;
      }
      ++pos_;
      SkipOws();
      std::string name = util::ToLower(ReadToken());
      SkipOws();
      std::string value;
      if (pos_ < text_.size() && text_[pos_] == '=') {
        ++pos_;
        SkipOws();
        value = (pos_ < text_.size() && text_[pos_] == '"') ? ReadQuoted() : ReadToken();
      }
      // §3.3: occurrences of rel after the first MUST be ignored.
      if (name == "rel" && !rel) rel = std::move(value);
    }
    if (!rel) return;
    std::string resolved = ResolveUrl(base_, target);
    // §3.3: rel may hold several relation types separated by whitespace; §2.1.1: compared
    // case-insensitively, so they are stored lowercased.
    for (const std::string& type : util::Split(*rel, ' ')) {
      std::string_view trimmed = util::Trim(type);
      if (trimmed.empty()) continue;
      out_.push_back(Link{resolved, util::ToLower(trimmed)});
    }
  }

  void SkipOws() {
    while (pos_ < text_.size() && IsOws(text_[pos_])) ++pos_;
  }

  std::string ReadToken() {
    size_t start = pos_;
    while (pos_ < text_.size() && !IsOws(text_[pos_]) && text_[pos_] != ';' && text_[pos_] != ',' &&
           text_[pos_] != '=' && text_[pos_] != '"') {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  // quoted-string with quoted-pair (RFC 9110 §5.6.4); pos_ is at the opening quote.
  std::string ReadQuoted() {
    std::string value;
    ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return value;
      if (c == '\\' && pos_ < text_.size()) c = text_[pos_++];
      value.push_back(c);
    }
    return value;  // unterminated: keep what there was
  }

  // Skips one character and then up to the next ';' or ',' outside quotes and <>.
  void SkipUntilSeparator() {
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != ';' && text_[pos_] != ',') {
      if (text_[pos_] == '"') {
        ReadQuoted();
      } else if (text_[pos_] == '<') {
        size_t close = text_.find('>', pos_);
        pos_ = close == std::string_view::npos ? text_.size() : close + 1;
      } else {
        ++pos_;
      }
    }
  }

  void SkipElement() {
    while (pos_ < text_.size() && text_[pos_] != ',') {
      SkipUntilSeparator();
    }
  }

  std::string_view text_;
  std::string_view base_;
  std::vector<Link>& out_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Link> ParseLinks(const std::vector<std::string>& header_values,
                             std::string_view request_url) {
  std::vector<Link> links;
  for (const std::string& value : header_values) {
    LinkParser(value, request_url, links).ParseAll();
  }
  return links;
}

std::vector<std::string> LinksWithRel(const std::vector<Link>& links, std::string_view rel) {
  std::vector<std::string> targets;
  for (const Link& link : links) {
    if (util::EqualsIgnoreCase(link.rel, rel)) targets.push_back(link.target);
  }
  return targets;
}

// RFC 3986 §5.2.2 (strict parser) and §5.3 recomposition.
std::string ResolveUrl(std::string_view base, std::string_view reference) {
  UriParts r = SplitUri(reference);
  UriParts b = SplitUri(base);
  if (!b.scheme && !r.scheme) return std::string(reference);  // nothing to resolve against

  std::optional<std::string_view> scheme, authority, query;
  std::string path;
  if (r.scheme) {
    scheme = r.scheme;
    authority = r.authority;
    path = RemoveDotSegments(r.path);
    query = r.query;
  } else {
    scheme = b.scheme;
    if (r.authority) {
      authority = r.authority;
      path = RemoveDotSegments(r.path);
      query = r.query;
    } else {
      authority = b.authority;
      if (r.path.empty()) {
        path = std::string(b.path);
        query = r.query ? r.query : b.query;
      } else {
        path =
            RemoveDotSegments(r.path.front() == '/' ? std::string(r.path) : MergePaths(b, r.path));
        query = r.query;
      }
    }
  }

  std::string result;
  result.reserve(base.size() + reference.size());
  if (scheme) result.append(*scheme).push_back(':');
  if (authority) result.append("//").append(*authority);
  result.append(path);
  if (query) result.append("?").append(*query);
  if (r.fragment) result.append("#").append(*r.fragment);
  return result;
}

}  // namespace mailcert::net
