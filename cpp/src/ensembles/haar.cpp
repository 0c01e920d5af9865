#include "isometry/ensembles/haar.hpp"
#include "isometry/core/threads.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "isometry/linalg/parallel.hpp"
#include "isometry/rng/fill.hpp"

namespace isometry::ensembles {
namespace {

// One reflector from the Gaussian vector x (length len), dlarfgp convention: H x = beta e_1 with
// beta = ||x|| > 0, H = I - tau v v^T, v = (1, x_tail / (alpha - beta)). Returns beta.
template <typename T>
double positive_reflector(const double* x, std::int64_t len, T* v_tail, T& tau) {
    const double alpha = x[0];
    double tail_sq = 0.0;
    for (std::int64_t i = 1; i < len; ++i) tail_sq += x[i] * x[i];
    const double beta = std::sqrt(alpha * alpha + tail_sq);
    if (tail_sq == 0.0) {  // x is a multiple of e_1 (always the case for len == 1)
        tau = static_cast<T>(alpha >= 0.0 ? 0.0 : 2.0);
        for (std::int64_t i = 1; i < len; ++i) v_tail[i - 1] = T(0);
        return std::fabs(alpha);
    }
    // alpha - beta without cancellation when alpha > 0.
    const double shift = alpha >= 0.0 ? -tail_sq / (alpha + beta) : alpha - beta;
    tau = static_cast<T>(-shift / beta);
    const double inv_shift = 1.0 / shift;
    for (std::int64_t i = 1; i < len; ++i) v_tail[i - 1] = static_cast<T>(x[i] * inv_shift);
    return beta;
}

}  // namespace

template <typename T>
void haar_reflectors(std::int64_t n, std::int64_t m, rng::StreamId id, T* v, std::int64_t ldv, T* tau) {
    if (m > n) throw std::invalid_argument("haar_reflectors: need n >= m");
#pragma omp parallel num_threads(openmp_team_size())
    {
        std::vector<double> x(static_cast<std::size_t>(n));  // draws in float64 for every T
#pragma omp for schedule(dynamic, 16)
        for (std::int64_t j = 0; j < m; ++j) {
            const std::int64_t len = n - j;
            rng::fill_normal_serial(x.data(), static_cast<std::size_t>(len), id,
                                    static_cast<std::uint64_t>(j * n + j), 1.0);
            T* column = v + j * ldv;
            const double beta = positive_reflector(x.data(), len, column + j + 1, tau[j]);
            column[j] = static_cast<T>(beta);
        }
    }
}

template <typename T>
void haar_orthogonal_columns(std::int64_t n, std::int64_t m, rng::StreamId id, T* q,
                             linalg::Workspace<T>& work) {
    // The reflectors go to the workspace and Q straight to q: tiled_orgqr reads every reflector
    // while it writes Q's tiles in parallel, so they cannot share storage.
    T* reflectors = work.get(static_cast<std::size_t>(n) * static_cast<std::size_t>(m));
    std::vector<T> tau(static_cast<std::size_t>(m));
    haar_reflectors(n, m, id, reflectors, n, tau.data());
    linalg::Workspace<T> factors;
    const auto bn = static_cast<linalg::blas_int>(n), bm = static_cast<linalg::blas_int>(m);
    linalg::tiled_orgqr<T>(bn, bm, bm, reflectors, bn, tau.data(), q, bn, factors);
}

template void haar_reflectors<double>(std::int64_t, std::int64_t, rng::StreamId, double*, std::int64_t,
                                      double*);
template void haar_reflectors<float>(std::int64_t, std::int64_t, rng::StreamId, float*, std::int64_t, float*);
template void haar_orthogonal_columns<double>(std::int64_t, std::int64_t, rng::StreamId, double*,
                                              linalg::Workspace<double>&);
template void haar_orthogonal_columns<float>(std::int64_t, std::int64_t, rng::StreamId, float*,
                                             linalg::Workspace<float>&);

}  // namespace isometry::ensembles
