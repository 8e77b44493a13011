#pragma once
// The hook provider: a program of the administrator's writes the record, called the way lego's
// `exec` provider calls one, with certbot's manual-hook variables set as well, so scripts people
// already have keep working (style.md, "a hook contract a shell script can honour"):
//
//   PROGRAM present _acme-challenge.example.org. VALUE     add the TXT record VALUE
//   PROGRAM cleanup _acme-challenge.example.org. VALUE     remove it
//
// The name is absolute (trailing dot) as lego passes it; it is where the record goes, after any
// _acme-challenge CNAME was followed. Exit status 0 means done; anything else fails with the
// first line the program wrote to stderr. The program need not wait for propagation: mailcert
// checks every authoritative server itself afterwards.
//
// Environment:
//   CERTBOT_DOMAIN        the name being validated, without "*." (certbot's manual hooks)
//   CERTBOT_VALIDATION    the TXT value
//   CERTBOT_TOKEN         the ACME challenge token (empty when cleaning up after a crash)
//   CERTBOT_ALL_DOMAINS   every name of the certificate, comma separated
//   CERTBOT_AUTH_OUTPUT   cleanup only: what the present call printed on stdout
//   MAILCERT_ACTION       present | cleanup
//   MAILCERT_IDENTIFIER   the identifier as ordered, "*.example.org" for a wildcard
//   MAILCERT_FQDN         the record's name without the trailing dot
//   MAILCERT_ZONE         the zone holding it
//   MAILCERT_VALUE        the TXT value
//
// Settings (mailcert's name, then lego's exec name accepted; lego's EXEC_MODE is refused):
//   program   EXEC_PATH      the program to call
//   timeout   EXEC_TIMEOUT   seconds it may take; default 120, at most 3600

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "challenge/dns_provider.h"
#include "challenge/dns_provider_factory.h"
#include "sys/process.h"

namespace mailcert::challenge {

class HookProvider final : public DnsProvider {
 public:
  // Errors: kInvalidInput when program is not set, for EXEC_MODE or a bad timeout; kNotFound
  // when the program does not exist or cannot be executed.
  static DnsProviderResult Make(const ProviderSettings& settings, const ProviderDeps& deps);

  std::string Describe() const override;
  util::Result<void> AddTxt(const std::string& zone, const std::string& fqdn,
                            const std::string& value) override;
  util::Result<void> RemoveTxt(const std::string& zone, const std::string& fqdn,
                               const std::string& value) override;
  util::Result<void> AddTxtRecord(const TxtRecordRequest& request) override;
  util::Result<void> RemoveTxtRecord(const TxtRecordRequest& request) override;

 private:
  HookProvider(sys::ProcessRunner& runner, std::string program, std::chrono::seconds timeout);
  util::Result<std::string> Run(const std::string& action, const TxtRecordRequest& request,
                                const std::string& auth_output);

  sys::ProcessRunner& runner_;
  std::string program_;
  std::chrono::seconds timeout_;
  std::mutex mutex_;
  std::map<std::string, std::string> outputs_;  // fqdn + value → present's stdout
};

}  // namespace mailcert::challenge
