#include "dns/tsig_key.h"

#include <sys/stat.h>

#include "dns/name.h"
#include "util/base64.h"
#include "util/strings.h"

namespace mailcert::dns {
namespace {

enum class TokenKind { kWord, kString, kOpen, kClose, kSemicolon, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  int line = 0;
};

class Tokenizer {
 public:
  Tokenizer(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  util::Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      MC_RETURN_IF_ERROR(SkipSpaceAndComments());
      if (at_ >= text_.size()) break;
      char c = text_[at_];
      if (c == '{' || c == '}' || c == ';') {
        tokens.push_back({c == '{'   ? TokenKind::kOpen
                          : c == '}' ? TokenKind::kClose
                                     : TokenKind::kSemicolon,
                          std::string(1, c), line_});
        ++at_;
      } else if (c == '"') {
        MC_ASSIGN_OR_RETURN(Token token, QuotedString());
        tokens.push_back(std::move(token));
      } else {
        tokens.push_back(Word());
      }
    }
    tokens.push_back({TokenKind::kEnd, "", line_});
    return tokens;
  }

 private:
  bool StartsComment() const {
    if (text_[at_] == '#') return true;
    return text_[at_] == '/' && at_ + 1 < text_.size() &&
           (text_[at_ + 1] == '/' || text_[at_ + 1] == '*');
  }

  util::Result<void> SkipSpaceAndComments() {
    while (at_ < text_.size()) {
      char c = text_[at_];
      if (c == '\n') {
        ++line_;
        ++at_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++at_;
      } else if (c == '#' || (c == '/' && at_ + 1 < text_.size() && text_[at_ + 1] == '/')) {
        while (at_ < text_.size() && text_[at_] != '\n') ++at_;
      } else if (c == '/' && at_ + 1 < text_.size() && text_[at_ + 1] == '*') {
        int start_line = line_;
        size_t end = text_.find("*/", at_ + 2);
        if (end == std::string_view::npos) return Error(start_line, "unterminated /* comment");
        for (size_t i = at_; i < end; ++i) line_ += text_[i] == '\n' ? 1 : 0;
        at_ = end + 2;
      } else {
        break;
      }
    }
    return {};
  }

  util::Result<Token> QuotedString() {
    Token token{TokenKind::kString, "", line_};
    ++at_;  // opening quote
    while (at_ < text_.size() && text_[at_] != '"') {
      if (text_[at_] == '\\' && at_ + 1 < text_.size()) ++at_;
      if (text_[at_] == '\n') ++line_;
      token.text += text_[at_++];
    }
    if (at_ >= text_.size()) return Error(token.line, "unterminated quoted string");
    ++at_;  // closing quote
    return token;
  }

  Token Word() {
    Token token{TokenKind::kWord, "", line_};
    while (at_ < text_.size()) {
      char c = text_[at_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '{' || c == '}' || c == ';' ||
          c == '"' || StartsComment()) {
        break;
      }
      token.text += c;
      ++at_;
    }
    return token;
  }

  tl::unexpected<util::Error> Error(int line, const std::string& what) const {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      std::string(source_) + ":" + std::to_string(line) + ": " + what);
  }

  std::string_view text_;
  std::string_view source_;
  size_t at_ = 0;
  int line_ = 1;
};

// The three checks of TsigKey::FromValues, separately so the file parser can blame the line
// that holds the bad value.
util::Result<std::string> CheckKeyName(std::string_view name) {
  auto normalized = NormalizeName(name);
  if (!normalized || *normalized == ".") {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "invalid TSIG key name " + util::Quote(name) +
                          ": a key name is a domain name such as mailcert-update or "
                          "update.example.com");
  }
  return *normalized;
}

util::Result<TsigAlgorithm> ParseAlgorithm(std::string_view algorithm,
                                           const std::string& key_name) {
  std::string name = util::ToLower(util::Trim(algorithm));
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name == "hmac-sha256") return TsigAlgorithm::kHmacSha256;
  if (name == "hmac-sha512") return TsigAlgorithm::kHmacSha512;
  return util::Fail(util::ErrorCode::kInvalidInput,
                    "TSIG algorithm " + util::Quote(algorithm) + " of key '" + key_name +
                        "' is not supported: use hmac-sha256 or hmac-sha512 "
                        "(tsig-keygen -a hmac-sha256 NAME makes a new key)");
}

util::Result<std::string> CanonicalSecret(std::string_view secret_base64,
                                          const std::string& key_name) {
  auto secret = util::Base64Decode(util::Trim(secret_base64));
  if (!secret || secret->empty()) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "the secret of TSIG key '" + key_name + "' is not valid base64");
  }
  // Re-encoded: ldns wants standard base64 with padding, whatever alphabet the file used.
  return util::Base64Encode(*secret);
}

// Parses `key NAME { algorithm ALG; secret "SECRET"; };` statements. Messages describe what
// was expected and never echo a token: a misplaced token may be the secret.
class KeyParser {
 public:
  KeyParser(std::vector<Token> tokens, std::string_view source)
      : tokens_(std::move(tokens)), source_(source) {}

  util::Result<std::vector<TsigKey>> Run() {
    std::vector<TsigKey> keys;
    while (Peek().kind != TokenKind::kEnd) {
      MC_ASSIGN_OR_RETURN(TsigKey key, Key());
      for (const TsigKey& known : keys) {
        if (known.name() == key.name()) {
          return Error(last_key_line_, "key '" + key.name() + "' is defined twice");
        }
      }
      keys.push_back(std::move(key));
    }
    if (keys.empty()) {
      return Error(Peek().line,
                   "no key statement (key \"NAME\" { algorithm hmac-sha256; "
                   "secret \"BASE64\"; };)");
    }
    return keys;
  }

 private:
  const Token& Peek() const { return tokens_[at_]; }
  const Token& Next() { return tokens_[at_ < tokens_.size() - 1 ? at_++ : at_]; }

  util::Result<void> Expect(TokenKind kind, const std::string& what) {
    const Token& token = Next();
    if (token.kind != kind) return Error(token.line, "expected " + what);
    return {};
  }

  util::Result<TsigKey> Key() {
    const Token& keyword = Next();
    if (keyword.kind != TokenKind::kWord || keyword.text != "key") {
      return Error(keyword.line, "expected a key statement (key \"NAME\" { ... };)");
    }
    last_key_line_ = keyword.line;
    const Token& name = Next();
    if (name.kind != TokenKind::kWord && name.kind != TokenKind::kString) {
      return Error(name.line, "expected the key name after 'key'");
    }
    MC_RETURN_IF_ERROR(Expect(TokenKind::kOpen, "'{' after the key name"));
    const Token* algorithm = nullptr;
    const Token* secret = nullptr;
    while (Peek().kind != TokenKind::kClose) {
      const Token& clause = Next();
      if (clause.kind == TokenKind::kEnd) {
        return Error(clause.line, "key '" + name.text + "' is not closed with '};'");
      }
      bool is_algorithm = clause.kind == TokenKind::kWord && clause.text == "algorithm";
      bool is_secret = clause.kind == TokenKind::kWord && clause.text == "secret";
      if (!is_algorithm && !is_secret) {
        return Error(clause.line,
                     "unexpected clause in key '" + name.text + "' (expected algorithm or secret)");
      }
      const Token*& slot = is_algorithm ? algorithm : secret;
      if (slot != nullptr) {
        return Error(clause.line,
                     "key '" + name.text + "' has more than one " + clause.text + " clause");
      }
      const Token& value = Next();
      if (value.kind != TokenKind::kWord && value.kind != TokenKind::kString) {
        return Error(value.line, "expected a value after " + clause.text);
      }
      slot = &value;
      MC_RETURN_IF_ERROR(Expect(TokenKind::kSemicolon, "';' after the " + clause.text));
    }
    Next();  // '}'
    MC_RETURN_IF_ERROR(Expect(TokenKind::kSemicolon, "';' after the key's closing '}'"));
    if (algorithm == nullptr) {
      return Error(last_key_line_, "key '" + name.text + "' has no algorithm clause");
    }
    if (secret == nullptr) {
      return Error(last_key_line_, "key '" + name.text + "' has no secret clause");
    }
    auto key_name = CheckKeyName(name.text);
    if (!key_name) return Error(name.line, key_name.error().message);
    if (auto parsed = ParseAlgorithm(algorithm->text, *key_name); !parsed) {
      return Error(algorithm->line, parsed.error().message);
    }
    if (auto decoded = CanonicalSecret(secret->text, *key_name); !decoded) {
      return Error(secret->line, decoded.error().message);
    }
    return TsigKey::FromValues(name.text, algorithm->text, secret->text);
  }

  tl::unexpected<util::Error> Error(int line, const std::string& what) const {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      std::string(source_) + ":" + std::to_string(line) + ": " + what);
  }

  std::vector<Token> tokens_;
  std::string_view source_;
  size_t at_ = 0;
  int last_key_line_ = 0;
};

}  // namespace

const char* TsigAlgorithmName(TsigAlgorithm algorithm) {
  switch (algorithm) {
    case TsigAlgorithm::kHmacSha256:
      return "hmac-sha256";
    case TsigAlgorithm::kHmacSha512:
      return "hmac-sha512";
  }
  return "unknown";
}

util::Result<TsigKey> TsigKey::FromValues(std::string_view name, std::string_view algorithm,
                                          std::string_view secret_base64) {
  TsigKey key;
  MC_ASSIGN_OR_RETURN(key.name_, CheckKeyName(name));
  MC_ASSIGN_OR_RETURN(key.algorithm_, ParseAlgorithm(algorithm, key.name_));
  MC_ASSIGN_OR_RETURN(key.secret_base64_, CanonicalSecret(secret_base64, key.name_));
  return key;
}

std::string TsigKey::Describe() const {
  return "TSIG key '" + name_ + "' (" + TsigAlgorithmName(algorithm_) + ")";
}

util::Result<std::vector<TsigKey>> ParseBindKeys(std::string_view text, std::string_view source) {
  MC_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenizer(text, source).Run());
  return KeyParser(std::move(tokens), source).Run();
}

util::Result<TsigKey> LoadBindKeyFile(sys::Fs& fs, const std::string& path,
                                      std::string_view key_name) {
  MC_ASSIGN_OR_RETURN(sys::FileStat stat, fs.Stat(path));
  if ((stat.mode & S_IROTH) != 0) {
    return util::Fail(
        util::ErrorCode::kInvalidInput,
        path + " holds a TSIG secret but every user may read it: run chmod o-r " + path);
  }
  MC_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  MC_ASSIGN_OR_RETURN(std::vector<TsigKey> keys, ParseBindKeys(text, path));
  if (key_name.empty()) {
    if (keys.size() == 1) return keys.front();
    std::vector<std::string> names;
    for (const TsigKey& key : keys) names.push_back(key.name());
    return util::Fail(util::ErrorCode::kInvalidInput,
                      path + " holds " + std::to_string(keys.size()) + " keys (" +
                          util::Join(names, ", ") + "): say which one to use");
  }
  auto wanted = NormalizeName(key_name);
  for (const TsigKey& key : keys) {
    if (wanted && key.name() == *wanted) return key;
  }
  return util::Fail(util::ErrorCode::kInvalidInput,
                    path + " has no key named " + util::Quote(key_name));
}

}  // namespace mailcert::dns
