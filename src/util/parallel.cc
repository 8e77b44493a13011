#include "util/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace mailcert::util {

void ParallelFor(size_t count, size_t max_threads, const std::function<void(size_t)>& work) {
  if (count == 0) return;
  size_t threads = std::clamp<size_t>(max_threads, 1, count);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) work(i);
  };
  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(worker);
  worker();
  for (auto& helper : helpers) helper.join();
}

}  // namespace mailcert::util
