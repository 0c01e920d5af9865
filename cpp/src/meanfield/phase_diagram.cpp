#include "isometry/meanfield/phase_diagram.hpp"
#include "isometry/core/threads.hpp"

#include <atomic>
#include <exception>
#include <limits>
#include <mutex>
#include <sstream>

#include "isometry/core/errors.hpp"
#include "isometry/meanfield/activation_moments.hpp"
#include "isometry/meanfield/criticality.hpp"
#include "isometry/meanfield/depth_scales.hpp"

namespace isometry::meanfield {

PhaseDiagram phase_diagram(const Nonlinearity& a, const std::vector<double>& sigma_w,
                           const std::vector<double>& sigma_b) {
    for (double w : sigma_w) check_sigmas(w, 0.0, "phase_diagram");
    for (double b : sigma_b) check_sigmas(1.0, b, "phase_diagram");
    PhaseDiagram out;
    out.rows = sigma_b.size();
    out.cols = sigma_w.size();
    const std::size_t n = out.rows * out.cols;
    for (auto* field : {&out.q_star, &out.chi1, &out.c_star, &out.xi_q, &out.xi_c}) field->assign(n, 0.0);

    std::exception_ptr first_error;
    std::mutex error_mutex;
    std::atomic<bool> failed{false};
    auto record = [&](std::exception_ptr error) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = error;
        failed.store(true, std::memory_order_relaxed);
    };
    // Exactly what the pointwise functions compute, so the grid equals them entry by entry.
    auto compute = [&](std::size_t index) {
        if (failed.load(std::memory_order_relaxed)) return;
        const double w = sigma_w[index % out.cols], b = sigma_b[index / out.cols];
        try {
            const FixedPoint fp = q_star(a, w, b);
            const DepthScales scales = depth_scales(a, w, b, fp);
            out.q_star[index] = fp.kind == FixedPointKind::positive || fp.kind == FixedPointKind::zero
                                    ? fp.q
                                    : std::numeric_limits<double>::quiet_NaN();
            out.chi1[index] = chi1(a, w, fp);
            out.c_star[index] = scales.c_star;
            out.xi_q[index] = scales.xi_q;
            out.xi_c[index] = scales.xi_c;
        } catch (const ConvergenceError& error) {
            std::ostringstream msg;
            msg << "phase_diagram at sigma_w = " << w << ", sigma_b = " << b << ": " << error.what();
            record(std::make_exception_ptr(ConvergenceError(msg.str())));
        } catch (...) {
            record(std::current_exception());
        }
    };
    const auto total = static_cast<long long>(n);
    if (a.is_builtin()) {
        // Points near the critical line cost far more (c* solves) than ordered ones: dynamic schedule.
#pragma omp parallel for num_threads(openmp_team_size()) schedule(dynamic, 4)
        for (long long i = 0; i < total; ++i) compute(static_cast<std::size_t>(i));
    } else {
        for (long long i = 0; i < total; ++i) compute(static_cast<std::size_t>(i));
    }
    if (first_error) std::rethrow_exception(first_error);
    return out;
}

}  // namespace isometry::meanfield
