#include "isometry/matfree/layer_products.hpp"
#include "isometry/core/threads.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "isometry/matfree/walsh_hadamard.hpp"
#include "isometry/rng/fill.hpp"
#include "isometry/rng/signs.hpp"

namespace isometry::matfree {
namespace {

// Rows per task for W X and row chunk for Wᵀ X: a column piece of 512 doubles (4 KiB) stays in
// L1 while the k vectors use it.
constexpr std::int64_t kRows = 512;

// Y = W X where column(j, i0, rows, buffer) returns a pointer to W[i0 : i0+rows, j] (either
// into stored memory or into `buffer`, freshly generated). Parallel over row blocks; each
// y_i accumulates over j = 0..N-1 in order.
template <typename Column>
void product_rows(const Column& column, std::int64_t n, const double* x, double* y, std::int64_t k) {
    const std::int64_t row_blocks = (n + kRows - 1) / kRows;
#pragma omp parallel num_threads(openmp_team_size())
    {
        std::vector<double> buffer(static_cast<std::size_t>(kRows));
        std::vector<double> acc(static_cast<std::size_t>(kRows * k));
#pragma omp for schedule(static)
        for (std::int64_t rb = 0; rb < row_blocks; ++rb) {
            const std::int64_t i0 = rb * kRows;
            const std::int64_t rows = std::min(kRows, n - i0);
            std::fill(acc.begin(), acc.end(), 0.0);
            for (std::int64_t j = 0; j < n; ++j) {
                const double* w = column(j, i0, rows, buffer.data());
                for (std::int64_t p = 0; p < k; ++p) {
                    const double xj = x[j + p * n];
                    double* a = acc.data() + p * kRows;
#pragma omp simd
                    for (std::int64_t i = 0; i < rows; ++i) a[i] += w[i] * xj;
                }
            }
            for (std::int64_t p = 0; p < k; ++p)
                std::copy(acc.data() + p * kRows, acc.data() + p * kRows + rows, y + i0 + p * n);
        }
    }
}

// Y = Wᵀ X: y_j = Σ_i W_ij x_i, one column j per task, summed over row chunks in order (within a
// chunk, in the fixed order of the simd reduction, which does not depend on the thread count).
template <typename Column>
void product_columns(const Column& column, std::int64_t n, const double* x, double* y, std::int64_t k) {
#pragma omp parallel num_threads(openmp_team_size())
    {
        std::vector<double> buffer(static_cast<std::size_t>(kRows));
        std::vector<double> sums(static_cast<std::size_t>(k));
#pragma omp for schedule(static)
        for (std::int64_t j = 0; j < n; ++j) {
            std::fill(sums.begin(), sums.end(), 0.0);
            for (std::int64_t i0 = 0; i0 < n; i0 += kRows) {
                const std::int64_t rows = std::min(kRows, n - i0);
                const double* w = column(j, i0, rows, buffer.data());
                for (std::int64_t p = 0; p < k; ++p) {
                    const double* xp = x + p * n + i0;
                    double s = 0.0;
#pragma omp simd reduction(+ : s)
                    for (std::int64_t i = 0; i < rows; ++i) s += w[i] * xp[i];
                    sums[static_cast<std::size_t>(p)] += s;
                }
            }
            for (std::int64_t p = 0; p < k; ++p) y[j + p * n] = sums[static_cast<std::size_t>(p)];
        }
    }
}

template <typename Column>
void product(const Column& column, std::int64_t n, const double* x, double* y, std::int64_t k,
             bool transpose) {
    if (transpose) {
        product_columns(column, n, x, y, k);
    } else {
        product_rows(column, n, x, y, k);
    }
}

// x <- scale · s ⊙ x for the signs s_first.. of `signs`, in parallel chunks of whole blocks.
void multiply_signs(rng::StreamId signs, std::uint64_t first, double scale, std::int64_t n, double* x) {
    constexpr std::int64_t kChunk = 1 << 12;  // a multiple of 128: chunks share no Philox block
    const std::int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel num_threads(openmp_team_size()) if (chunks > 1)
    {
        std::vector<double> s(static_cast<std::size_t>(kChunk));
#pragma omp for schedule(static)
        for (std::int64_t c = 0; c < chunks; ++c) {
            const std::int64_t begin = c * kChunk;
            const std::int64_t size = std::min(kChunk, n - begin);
            rng::fill_signs_serial(s.data(), static_cast<std::size_t>(size), signs,
                                   first + static_cast<std::uint64_t>(begin), scale);
            double* xc = x + begin;
#pragma omp simd
            for (std::int64_t i = 0; i < size; ++i) xc[i] *= s[static_cast<std::size_t>(i)];
        }
    }
}

}  // namespace

void dense_product(const double* w, std::int64_t n, const double* x, double* y, std::int64_t k,
                   bool transpose) {
    const auto column = [w, n](std::int64_t j, std::int64_t i0, std::int64_t, double*) {
        return w + j * n + i0;
    };
    product(column, n, x, y, k, transpose);
}

void gaussian_onthefly_product(rng::StreamId id, double scale, std::int64_t n, const double* x, double* y,
                               std::int64_t k, bool transpose) {
    const auto column = [id, scale, n](std::int64_t j, std::int64_t i0, std::int64_t rows, double* buffer) {
        rng::fill_normal_serial(buffer, static_cast<std::size_t>(rows), id,
                                static_cast<std::uint64_t>(j * n + i0), scale);
        return static_cast<const double*>(buffer);
    };
    product(column, n, x, y, k, transpose);
}

void structured_orthogonal_product(rng::StreamId signs, int blocks, double sigma_w, std::int64_t n, double* x,
                                   bool transpose, const double* pre_diagonal) {
    // H = Hadamard/√N: the 1/√N and σ_w ride on the sign multiplications, which (with the
    // diagonal) are fused into the first pass of each transform.
    const double normalise = 1.0 / std::sqrt(static_cast<double>(n));
    const auto first_of = [n](int d) {
        return static_cast<std::uint64_t>(d) * static_cast<std::uint64_t>(n);
    };
    if (!transpose) {  // W = σ_w (H S_B) ... (H S_1): S_1 first
        for (int d = 0; d < blocks; ++d) {
            Prescale p;
            p.diagonal = d == 0 ? pre_diagonal : nullptr;
            p.signs = true;
            p.stream = signs;
            p.first = first_of(d);
            p.scale = normalise * (d == 0 ? sigma_w : 1.0);
            walsh_hadamard(x, n, p);
        }
        return;
    }
    // Wᵀ = σ_w S_1 H S_2 H ... S_B H: H first, then (S_d, H) pairs, S_1 alone at the end.
    Prescale p;
    p.diagonal = pre_diagonal;
    walsh_hadamard(x, n, p);
    for (int d = blocks - 1; d >= 1; --d) {
        Prescale q;
        q.signs = true;
        q.stream = signs;
        q.first = first_of(d);
        q.scale = normalise;
        walsh_hadamard(x, n, q);
    }
    multiply_signs(signs, first_of(0), normalise * sigma_w, n, x);
}

}  // namespace isometry::matfree
