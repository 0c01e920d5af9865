#include "isometry/core/threads.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>

namespace isometry {
namespace {
// Relaxed is enough: the value is a hint read at the start of each region, and a region that
// starts while another thread changes it may use either the old or the new count.
std::atomic<int> limit{0};
}  // namespace

void set_openmp_limit(int n) {
    limit.store(n > 0 ? n : 0, std::memory_order_relaxed);
}

int openmp_limit() {
    return limit.load(std::memory_order_relaxed);
}

int openmp_team_size() {
    const int own = omp_get_max_threads();
    const int cap = openmp_limit();
    return cap > 0 ? std::min(cap, own) : own;
}

}  // namespace isometry
