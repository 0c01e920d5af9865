#include "isometry/core/threads.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <climits>

#include "isometry/core/free_cores.hpp"

namespace isometry {
namespace {
// Relaxed is enough: the value is a hint read at the start of each region, and a region that
// starts while another thread changes it may use either the old or the new count.
std::atomic<int> limit{0};
std::atomic<int> adaptation{static_cast<int>(Adaptation::openmp)};
}  // namespace

void set_thread_adaptation(Adaptation mode) {
    adaptation.store(static_cast<int>(mode), std::memory_order_relaxed);
}

Adaptation thread_adaptation() {
    return static_cast<Adaptation>(adaptation.load(std::memory_order_relaxed));
}

int openmp_adaptive_limit() {
    return thread_adaptation() != Adaptation::off ? free_cores() : INT_MAX;
}

int blas_adaptive_limit() {
    return thread_adaptation() == Adaptation::all ? free_cores() : INT_MAX;
}

void set_openmp_limit(int n) {
    limit.store(n > 0 ? n : 0, std::memory_order_relaxed);
}

int openmp_limit() {
    return limit.load(std::memory_order_relaxed);
}

int openmp_configured_team_size() {
    const int own = omp_get_max_threads();
    const int cap = openmp_limit();
    return cap > 0 ? std::min(cap, own) : own;
}

int openmp_team_size() {
    const int team = openmp_configured_team_size();
    return team > 1 ? std::min(team, openmp_adaptive_limit()) : team;
}

}  // namespace isometry
