#include "isometry/linalg/blas_threads.hpp"

#include <algorithm>

#include "isometry/core/threads.hpp"

extern "C" {
int scipy_openblas_get_num_threads(void);
void scipy_openblas_set_num_threads(int);
}

namespace isometry::linalg {
namespace {

// `guards` orders serial guards against teams; `state` protects the variables below.
std::shared_mutex& guards() {
    static std::shared_mutex m;
    return m;
}
std::mutex& state() {
    static std::mutex m;
    return m;
}
int serial_holders = 0;  // SerialBlas guards alive
bool replaced = false;   // a guard holds the library's count
int saved_setting = 1;   // while replaced: the user's count, put back when the guard ends
int guard_count = 1;     // while replaced: the count the guard installed

// Under state(): replace the library's count by `count`, remembering the user's.
void replace_count(int count) {
    saved_setting = scipy_openblas_get_num_threads();
    guard_count = count;
    replaced = true;
    if (count != saved_setting) scipy_openblas_set_num_threads(count);
}

// Under state(): put the user's count back. If the library no longer has the guard's count,
// another library (threadpoolctl, or anything calling OpenBLAS's setter) changed it meanwhile:
// that is the user's count now, and it stays.
void restore_count() {
    const int now = scipy_openblas_get_num_threads();
    if (now == guard_count && now != saved_setting) scipy_openblas_set_num_threads(saved_setting);
    replaced = false;
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

void SerialBlas::keep_serial() const {
    if (scipy_openblas_get_num_threads() == 1) return;  // the usual case: no lock taken
    const std::lock_guard<std::mutex> hold(state());
    const int now = scipy_openblas_get_num_threads();
    if (now != 1) {
        saved_setting = now;  // set by someone else meanwhile: the user's count from now on
        scipy_openblas_set_num_threads(1);
    }
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
    const int now = scipy_openblas_get_num_threads();
    return replaced && now == guard_count ? saved_setting : now;
}

void set_blas_threads_setting(int n) {
    const std::lock_guard<std::mutex> hold(state());
    if (replaced) {
        saved_setting = n;  // the last guard to end puts this count in place
    } else {
        scipy_openblas_set_num_threads(n);
    }
}

}  // namespace isometry::linalg
