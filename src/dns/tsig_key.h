#pragma once
// TSIG keys (RFC 8945) for RFC 2136 updates, from values or from a BIND key file such as
// `tsig-keygen` writes:
//
//   key "mailcert" {
//     algorithm hmac-sha256;
//     secret "base64...";
//   };
//
// The file is read as data (named.conf(5) syntax: quoted strings, '#', '//' and '/* */'
// comments), never run. The secret never appears in a message: TsigKey has no streaming
// operator, and parse errors name the file and line but never quote what stands there.

#include <string>
#include <string_view>
#include <vector>

#include "sys/fs.h"
#include "util/result.h"

namespace mailcert::dns {

// The HMAC algorithms mailcert signs with: the two every server supports that are not
// deprecated (RFC 8945 §6 lists hmac-sha256 as mandatory; hmac-md5 and hmac-sha1 are legacy).
enum class TsigAlgorithm { kHmacSha256, kHmacSha512 };

// "hmac-sha256" / "hmac-sha512", as named.conf and the TSIG record write them.
const char* TsigAlgorithmName(TsigAlgorithm algorithm);

class TsigKey {
 public:
  // Checks and builds a key. `name` is a domain name (case-insensitive); `algorithm` is
  // "hmac-sha256" or "hmac-sha512" (any case, trailing dot allowed); `secret_base64` is the
  // base64 secret.
  // Errors: kInvalidInput saying which value is wrong (never quoting the secret).
  static util::Result<TsigKey> FromValues(std::string_view name, std::string_view algorithm,
                                          std::string_view secret_base64);

  const std::string& name() const { return name_; }  // canonical: lowercase, no trailing dot
  TsigAlgorithm algorithm() const { return algorithm_; }
  // "TSIG key 'mailcert' (hmac-sha256)": what messages may say about a key.
  std::string Describe() const;
  // The secret in canonical base64, for the signer only. Never log it or put it in a message.
  const std::string& secret_base64() const { return secret_base64_; }

 private:
  TsigKey() = default;
  std::string name_;
  TsigAlgorithm algorithm_ = TsigAlgorithm::kHmacSha256;
  std::string secret_base64_;
};

// Every `key` statement in `text`, in order. `source` (a file name) prefixes error messages:
// "/etc/mailcert/tsig.key:3: key 'x' has no secret clause".
// Errors: kInvalidInput for a syntax error, an unknown statement or clause, a missing or
// repeated algorithm/secret, an unsupported algorithm, a secret that is not base64, two keys of
// one name, or no key at all.
util::Result<std::vector<TsigKey>> ParseBindKeys(std::string_view text, std::string_view source);

// Reads the key file at `path` and returns the key named `key_name`, or the only key when
// `key_name` is empty. Refuses a file that other users may read (chmod o-r), since it holds a
// secret; group access is allowed because BIND's own key files are root:bind 0640.
// Errors: kNotFound / kIo from reading, kInvalidInput from parsing, for a world-readable file,
// for a missing key name, or when the file holds several keys and `key_name` is empty.
util::Result<TsigKey> LoadBindKeyFile(sys::Fs& fs, const std::string& path,
                                      std::string_view key_name = {});

}  // namespace mailcert::dns
