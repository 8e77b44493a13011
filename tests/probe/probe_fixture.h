#pragma once
// The fixture the probe tests against real servers (Postfix, Dovecot, nginx) share: a test PKI
// made afresh for each test, leaves written into one temporary directory, and the checks that
// every listener of a server serves one leaf.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "probe/check.h"
#include "probe/probe.h"
#include "process.h"
#include "served_files.h"
#include "util/time.h"

namespace mailcert::probe {

class ServerProbeTest : public ::testing::Test {
 protected:
  // Creates the PKI; a failure there is fatal to the test.
  void SetUp() override;

  // Issues a leaf and writes its files into certs_ under `stem`, replacing those of the same
  // stem. On failure: a test failure and an empty LeafFiles.
  LeafFiles Leaf(const std::string& stem, LeafSpec spec);

  // CheckServed for `served` against `name`, trusting the test root, judged at `now`.
  CheckReport Check(const Served& served, const std::string& name,
                    util::TimePoint now = std::chrono::system_clock::now()) const;

  // Probes each endpoint once and expects the leaf with `fingerprint`. A failed probe is a fatal
  // failure that ends this call, its message with `server_log()` when given: wrap the call in
  // ASSERT_NO_FATAL_FAILURE to end the test too.
  static void ExpectEachServes(const std::vector<Endpoint>& endpoints,
                               const std::string& fingerprint,
                               const std::function<std::string()>& server_log = {});

  // The same after a reload: each endpoint is probed until it serves that leaf or
  // ProbeUntilServed's timeout passes (servers reload at their own pace).
  static void ExpectEachServesAfterReload(const std::vector<Endpoint>& endpoints,
                                          const std::string& fingerprint);

  mailcert::testing::TempDir certs_{"mailcert-probe-certs"};
  std::optional<TestPki> pki_;
};

}  // namespace mailcert::probe
