#include "isometry/linalg/blas_threads.hpp"

#include <algorithm>

#include "isometry/core/threads.hpp"

extern "C" {
int scipy_openblas_get_num_threads(void);
void scipy_openblas_set_num_threads(int);
}

namespace isometry::linalg {
namespace {

// `guards` orders serial guards against teams; `state` protects the two counters below.
std::shared_mutex& guards() {
    static std::shared_mutex m;
    return m;
}
std::mutex& state() {
    static std::mutex m;
    return m;
}
int serial_holders = 0;  // SerialBlas guards alive
int saved_setting = 0;   // the user's count while a guard holds the library's (0: no guard)

// Under state(): replace the library's count by `count`, remembering the user's.
void replace_count(int count) {
    saved_setting = scipy_openblas_get_num_threads();
    if (count != saved_setting) scipy_openblas_set_num_threads(count);
}
// Under state(): put the user's count back.
void restore_count() {
    if (scipy_openblas_get_num_threads() != saved_setting) scipy_openblas_set_num_threads(saved_setting);
    saved_setting = 0;
}

}  // namespace

SerialBlas::SerialBlas() : lock_(guards()) {
    const std::lock_guard<std::mutex> hold(state());
    if (serial_holders++ == 0) replace_count(1);
}

SerialBlas::~SerialBlas() {
    const std::lock_guard<std::mutex> hold(state());
    if (--serial_holders == 0) restore_count();
}

BlasTeam::BlasTeam() : lock_(guards()) {
    const std::lock_guard<std::mutex> hold(state());
    const int count = scipy_openblas_get_num_threads();
    replace_count(thread_adaptation() == Adaptation::all ? std::max(1, std::min(count, blas_adaptive_limit()))
                                                         : 1);
}

BlasTeam::~BlasTeam() {
    const std::lock_guard<std::mutex> hold(state());
    restore_count();
}

int blas_threads_setting() {
    const std::lock_guard<std::mutex> hold(state());
    return saved_setting > 0 ? saved_setting : scipy_openblas_get_num_threads();
}

void set_blas_threads_setting(int n) {
    const std::lock_guard<std::mutex> hold(state());
    if (saved_setting > 0) {
        saved_setting = n;  // the last guard to end restores this count
    } else {
        scipy_openblas_set_num_threads(n);
    }
}

}  // namespace isometry::linalg
