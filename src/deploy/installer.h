#pragma once
// Installing a Layout: validate first, then change only what differs, atomically, keeping what
// was there so a failed reload or verification can put it back byte for byte.

#include <optional>
#include <string>
#include <vector>

#include "deploy/layout.h"
#include "sys/fs.h"
#include "util/result.h"
#include "util/time.h"

namespace mailcert::deploy {

// Checks a material before anything is touched (issue #3 "validate"): the key matches the
// certificate by public key (RSA, ECDSA, Ed25519 alike), the certificate covers every name, the
// chain builds to a trusted root (`trusted_roots_pem`, or the system store when empty), and
// `now` is inside the validity period. Errors: kCrypto naming the lineage and what is wrong.
util::Result<void> ValidateMaterial(const Material& material, const std::string& trusted_roots_pem,
                                    util::TimePoint now);

struct PreviousFile {
  std::string path;
  bool existed = false;
  std::string content;  // may be a key: kept in memory only, never logged
  mode_t mode = 0;
};

struct InstallResult {
  std::vector<std::string> written;    // paths whose content or mode changed
  std::vector<std::string> unchanged;  // identical already (SHA-256 and mode)
  std::vector<std::string> removed_dirs;
  std::vector<PreviousFile> previous;  // for Restore()
  bool changed() const { return !written.empty() || !removed_dirs.empty(); }
};

struct Ownership {
  uid_t uid = static_cast<uid_t>(-1);  // -1: leave as created (the running user)
  gid_t gid = static_cast<gid_t>(-1);
};

// Writes every file that differs (each atomically, with its mode set before any byte, then
// owner), then removes `layout.remove_dirs`. On a failure part-way everything already written is
// restored before the error is returned, so the target never holds a mix.
util::Result<InstallResult> Install(sys::Fs& fs, const Layout& layout, const Ownership& owner);

// Puts back what Install replaced or removed (files that did not exist before are deleted).
util::Result<void> Restore(sys::Fs& fs, const InstallResult& installed);

}  // namespace mailcert::deploy
