#pragma once
// Shared set-up of the end-to-end dns-01 tests: authoritative servers on loopback (BIND with a
// TSIG-updatable zone, or PowerDNS), a Pebble that resolves through them (pebble -dnsserver),
// and the mailcert binary configured with [[dns]] tables that point at them.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "bind.h"
#include "cli_support.h"

namespace mailcert::testing {

// `[[dns]]` lines that route lookups and propagation checks to servers on this host: resolvers
// and each name server's addresses (IPv4 and, when the host has it, IPv6).
inline std::string DnsServerLines(const std::vector<std::string>& resolvers,
                                  const std::vector<std::pair<std::string, int>>& name_servers) {
  std::string lines = "resolvers = [";
  for (size_t i = 0; i < resolvers.size(); ++i) {
    lines += (i ? ", \"" : "\"") + resolvers[i] + "\"";
  }
  lines += "]\nnameserver_addresses = { ";
  for (size_t i = 0; i < name_servers.size(); ++i) {
    const auto& [host, port] = name_servers[i];
    lines += (i ? ", \"" : "\"") + host + "\" = [\"127.0.0.1:" + std::to_string(port) + "\"";
    if (HostHasIpv6Loopback()) lines += ", \"[::1]:" + std::to_string(port) + "\"";
    lines += "]";
  }
  return lines + " }\n";
}

class Dns01CliTest : public ::testing::Test {
 protected:
  // A primary BIND for example.test with the TSIG key key_ (its key file in key_file_), NS
  // ns1 (and ns2 when `two_servers`); `records` are added to the zone.
  void StartPrimary(const std::string& records = "", bool two_servers = false, int port = 0) {
    key_ = BindKey{"mailcert-acme", "hmac-sha256", RandomTsigSecret()};
    BindOptions options;
    options.port = port;
    options.keys = {key_};
    std::vector<std::pair<std::string, std::string>> name_servers = {
        {"ns1.example.test", "127.0.0.1"}};
    if (two_servers) name_servers.push_back({"ns2.example.test", "127.0.0.1"});
    options.zones.push_back(
        PrimaryZone("example.test", SimpleZoneFile("example.test", name_servers, records),
                    {key_.name}));
    primary_ = std::make_unique<BindServer>(options);
    ASSERT_TRUE(primary_->Start());
    key_file_ = primary_->WriteKeyFile(key_, "mailcert-acme.key");
  }

  // Pebble, resolving every name through `dns_server` ("127.0.0.1:PORT").
  void StartPebble(const std::string& dns_server) {
    PebbleOptions options;
    options.dns_server = dns_server;
    options.authz_reuse_percent = 0;  // every order really validates
    pebble_ = std::make_unique<PebbleServer>(options);
    ASSERT_TRUE(pebble_->Start());
  }

  // The rfc2136 table for example.test on the primary, with `more` lines appended.
  std::string Rfc2136Table(const std::string& more = "") const {
    return "[[dns]]\nzones = [\"example.test\"]\nprovider = \"rfc2136\"\nserver = \"" +
           primary_->Address() + "\"\nkey_file = \"" + key_file_.string() + "\"\n" +
           DnsServerLines({primary_->Address()}, {{"ns1.example.test", primary_->Port()}}) + more;
  }

  // Writes a config (mode 0600: it may hold settings) with state_dir set; returns its path.
  std::string Config(const std::string& body) {
    const auto path = work_ / "mailcert.toml";
    EXPECT_TRUE(WriteFile(path, "state_dir = \"" + state_.path().string() + "\"\n" + body));
    std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write);
    return path.string();
  }

  // A KEY=VALUE credentials file with mode 0600.
  std::string Credentials(const std::string& name, const std::string& text) {
    const auto path = work_ / name;
    EXPECT_TRUE(WriteFile(path, text));
    std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write);
    return path.string();
  }

  CommandResult Mailcert(std::vector<std::string> args) {
    for (const auto& arg : pebble_->MailcertServerArgs()) args.push_back(arg);
    return RunMailcert(args);
  }

  void ExpectVerifies(const std::string& lineage) {
    EXPECT_TRUE(VerifyChainWithOpenssl(Current(state_.path(), lineage) / "fullchain.pem",
                                       pebble_->RootPem()));
  }

  // Notes of records the crash journal still holds (0 once every record was removed).
  size_t JournalNotes() const {
    size_t notes = 0;
    const auto dir = state_.path() / "dns-01";
    if (!std::filesystem::exists(dir)) return 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      notes += entry.path().extension() == ".json";
    }
    return notes;
  }

  BindKey key_;
  std::filesystem::path key_file_;
  std::unique_ptr<BindServer> primary_;
  std::unique_ptr<PebbleServer> pebble_;
  TempDir state_{"mailcert-dns01-state"};
  TempDir work_{"mailcert-dns01-work"};
};

}  // namespace mailcert::testing
