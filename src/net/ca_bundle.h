#pragma once
// Checks on the extra CA bundle file (HttpClientOptions::extra_ca_bundle_file). Internal to net/.

#include <string>

#include "util/result.h"

namespace mailcert::net {

// Succeeds when `path` is a readable regular file holding at least one PEM certificate block.
// The certificates themselves are parsed by the TLS library when the first connection needs
// them; this check exists so that a wrong --ca-bundle is reported when the program starts, not
// as a TLS failure minutes later.
// Errors: kInvalidInput naming the file and what to pass instead.
util::Result<void> CheckCaBundleFile(const std::string& path);

}  // namespace mailcert::net
