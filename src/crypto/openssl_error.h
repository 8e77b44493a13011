#pragma once
// The one place where OpenSSL's thread-local error queue becomes a util::Error (style.md: OS and
// OpenSSL errors are converted at the boundary, each in one function).
// Private to crypto/ and net/: callers outside never see OpenSSL.

#include <string>

#include "util/result.h"

namespace mailcert::crypto {

// Drains the calling thread's OpenSSL error queue (ERR_get_error) and returns an Error whose
// message is `context` and whose detail lists the queued reasons, oldest first, e.g.
// "error:1E08010C:DECODER routines::unsupported". The reasons come from OpenSSL's static
// string tables, so they never contain key material or input bytes.
util::Error OpenSslError(std::string context, util::ErrorCode code = util::ErrorCode::kCrypto);

// Discards whatever is queued, so that a later failure reports only its own reasons (OpenSSL
// leaves entries behind on some successful paths, e.g. the PEM reader probing for more blocks).
void ClearOpenSslErrors();

}  // namespace mailcert::crypto
