#pragma once
// Digest implementations fetched once per process. In OpenSSL 3 the legacy getters
// (EVP_sha256()) make every operation do an implicit provider lookup; an explicitly fetched
// EVP_MD skips that. Private to crypto/.

#include <openssl/evp.h>

namespace mailcert::crypto {

const EVP_MD* Sha256Md();
const EVP_MD* Sha384Md();

}  // namespace mailcert::crypto
