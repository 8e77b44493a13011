#pragma once
// Bounded parallelism for blocking work (each item mostly waits on the network).

#include <cstddef>
#include <functional>

namespace mailcert::util {

// Calls work(i) for every i in [0, count) on at most `max_threads` threads (the calling thread
// is one of them) and returns when all are done. work must not throw.
void ParallelFor(size_t count, size_t max_threads, const std::function<void(size_t)>& work);

}  // namespace mailcert::util
