// What one issued certificate costs mailcert itself, step by step (no network): the key, the
// CSR, the JWS signatures of its seven ACME requests, parsing the leaf, and storing the version.
//   cmake --build build --target per_certificate_bench && build/bench/per_certificate_bench
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include "crypto/csr.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "crypto/test_ca.h"
#include "crypto/x509.h"
#include "store/store.h"

namespace mailcert {
namespace {

void BM_GenerateEc256Key(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(crypto::PrivateKey::Generate(crypto::KeyType::kEc256));
}
BENCHMARK(BM_GenerateEc256Key);

void BM_KeyToPem(benchmark::State& state) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEc256).value();
  for (auto _ : state) benchmark::DoNotOptimize(key.ToPem());
}
BENCHMARK(BM_KeyToPem);

void BM_KeyFromPem(benchmark::State& state) {
  std::string pem = crypto::PrivateKey::Generate(crypto::KeyType::kEc256)->ToPem().value();
  for (auto _ : state) benchmark::DoNotOptimize(crypto::PrivateKey::FromPem(pem));
}
BENCHMARK(BM_KeyFromPem);

void BM_Csr(benchmark::State& state) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEc256).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::MakeCsrDer(key, {"mail.example.test"}));
  }
}
BENCHMARK(BM_Csr);

void BM_SignJwsEs256(benchmark::State& state) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEc256).value();
  auto signer = crypto::MakeKeySigner(key).value();
  const std::string header =
      R"({"alg":"ES256","kid":"https://127.0.0.1:14000/my-account/1","nonce":"abc","url":"https://127.0.0.1:14000/order-plz"})";
  const std::string payload = R"({"identifiers":[{"type":"dns","value":"mail.example.test"}]})";
  for (auto _ : state) benchmark::DoNotOptimize(crypto::SignFlattenedJws(*signer, header, payload));
}
BENCHMARK(BM_SignJwsEs256);

void BM_ParseLeaf(benchmark::State& state) {
  auto chain = crypto::testing::MakeTestChain({"mail.example.test"}).value();
  for (auto _ : state) benchmark::DoNotOptimize(crypto::ParseCertificate(chain.leaf_der));
}
BENCHMARK(BM_ParseLeaf);

// Writing one version with its state: 5 files, 3 directory syncs, the `current` switch.
void BM_StoreAddVersion(benchmark::State& state) {
  char pattern[] = "/tmp/mailcert-bench-store-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  store::Store store(sys::RealFs(), pattern);
  auto chain = crypto::testing::MakeTestChain({"mail.example.test"}).value();
  store::VersionFiles files{chain.leaf_key.ToPem().value(), crypto::DerToPem(chain.leaf_der),
                            chain.ChainPem(), chain.FullChainPem()};
  store::LineageState lineage_state;
  int lineage = 0;
  for (auto _ : state) {
    store::VersionMeta meta;
    benchmark::DoNotOptimize(
        store.AddVersion("l" + std::to_string(lineage++ % 64), files, meta, &lineage_state));
  }
  (void)sys::RealFs().RemoveAll(pattern);
}
BENCHMARK(BM_StoreAddVersion)->Iterations(200);

}  // namespace
}  // namespace mailcert

BENCHMARK_MAIN();
