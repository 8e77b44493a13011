#pragma once
// Shared helpers for the end-to-end tests of the mailcert binary: argument lists for a private
// Pebble, reading the store the way an administrator would (files, openssl), and snapshots that
// prove a failed command changed nothing.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mailcert_cli.h"
#include "pebble.h"
#include "process.h"

namespace mailcert::testing {

// "--server URL --ca-bundle FILE --state-dir DIR --http-listen :PORT" plus `extra`.
inline std::vector<std::string> Args(const PebbleServer& pebble, const std::filesystem::path& state,
                                     std::vector<std::string> extra) {
  std::vector<std::string> args = std::move(extra);
  for (const auto& arg : pebble.MailcertServerArgs()) args.push_back(arg);
  args.push_back("--state-dir");
  args.push_back(state.string());
  return args;
}

inline std::string Listen(const PebbleServer& pebble) {
  // Every address: Pebble resolves test names through challtestsrv, which may answer A or AAAA.
  return ":" + std::to_string(pebble.HttpPort());
}

// Items of a TOML array of strings, without the brackets: "\"a\", \"b\"" (no escaping: test
// paths have no quotes or backslashes).
inline std::string TomlItems(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "\"" : ", \"") + item + "\"";
  return text;
}

// A shell command making a throw-away self-signed ECDSA certificate in the current directory,
// STEM.key and STEM.crt, valid two days, subject CN=STEM: the snakeoil a fresh server starts on.
inline std::string SnakeoilCommand(const std::string& stem) {
  return "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + stem +
         ".key -out " + stem + ".crt -days 2 -subj /CN=" + stem + " 2>/dev/null";
}

inline std::string Describe(const CommandResult& result) {
  return "exit " + std::to_string(result.exit_code) + "\nstdout:\n" + result.stdout_text +
         "\nstderr:\n" + result.stderr_text;
}

inline nlohmann::json ParseJsonOutput(const CommandResult& result) {
  nlohmann::json json = nlohmann::json::parse(result.stdout_text, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << "not JSON: " << Describe(result);
  return json;
}

inline std::filesystem::path Current(const std::filesystem::path& state,
                                     const std::string& lineage) {
  return state / "certs" / lineage / "current";
}

// SHA-256 of the certificate's SubjectPublicKeyInfo (what DANE 3 1 1 publishes), via openssl.
inline std::string SpkiSha256(const std::filesystem::path& cert) {
  CommandResult result = RunCommand(
      {"sh", "-c",
       "openssl x509 -in '" + cert.string() +
           "' -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1"});
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
  return result.stdout_text;
}

// `openssl x509 -noout <option>` output, e.g. "-issuer", "-serial", "-text".
inline std::string X509Field(const std::filesystem::path& cert, const std::string& option) {
  CommandResult result =
      RunCommand({"openssl", "x509", "-in", cert.string(), "-noout", option, "-nameopt", "RFC2253"});
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
  return result.stdout_text;
}

// Every path under `root` with its mode and content (symlinks by target), to compare a store
// before and after a command that must not change it.
inline std::map<std::string, std::string> Snapshot(const std::filesystem::path& root) {
  std::map<std::string, std::string> entries;
  if (!std::filesystem::exists(root)) return entries;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    struct stat st {};
    ::lstat(entry.path().c_str(), &st);
    std::string value = "mode " + std::to_string(st.st_mode & 07777) + " ";
    if (entry.is_symlink()) {
      value += "-> " + std::filesystem::read_symlink(entry.path()).string();
    } else if (entry.is_regular_file()) {
      value += ReadFile(entry.path());
    } else {
      value += "dir";
    }
    entries[std::filesystem::relative(entry.path(), root).string()] = value;
  }
  return entries;
}

// Number of lines in a text (a trailing newline does not start a new line).
inline int LineCount(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  if (!text.empty() && text.back() != '\n') ++lines;
  return lines;
}

}  // namespace mailcert::testing
