#include "isometry/matfree/walsh_hadamard.hpp"
#include "isometry/core/threads.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "isometry/rng/signs.hpp"

namespace isometry::matfree {
namespace {

constexpr int kBlockLog = 12;   // contiguous blocks of 2^12 doubles (32 KiB): in L1/L2
constexpr int kGroupLog = 8;    // stages per later pass: 2^8 rows ...
constexpr int kTileWidth = 16;  // ... of 16 contiguous doubles each (32 KiB tile)

int log2_exact(std::int64_t n) {
    int log = 0;
    while ((std::int64_t{1} << log) < n) ++log;
    return log;
}

// Stages s and s+1 at once on rows of `width` contiguous doubles: rows r, r+h, r+2h, r+3h
// (h = 2^s rows) go through both butterfly levels while in registers. The same additions in
// the same order as two separate stages, so the bits do not change; half the memory sweeps.
void radix4_rows(double* x, std::int64_t rows, std::int64_t width, std::int64_t h) {
    for (std::int64_t start = 0; start < rows; start += 4 * h) {
        for (std::int64_t r = start; r < start + h; ++r) {
            double* a = x + r * width;
            double* b = a + h * width;
            double* c = b + h * width;
            double* d = c + h * width;
#pragma omp simd
            for (std::int64_t i = 0; i < width; ++i) {
                double a0 = a[i], b0 = b[i], c0 = c[i], d0 = d[i];
                hadamard_butterfly(a0, b0);
                hadamard_butterfly(c0, d0);
                hadamard_butterfly(a0, c0);
                hadamard_butterfly(b0, d0);
                a[i] = a0;
                b[i] = b0;
                c[i] = c0;
                d[i] = d0;
            }
        }
    }
}

void radix2_rows(double* x, std::int64_t rows, std::int64_t width, std::int64_t h) {
    for (std::int64_t start = 0; start < rows; start += 2 * h) {
        for (std::int64_t r = start; r < start + h; ++r) {
            double* a = x + r * width;
            double* b = a + h * width;
#pragma omp simd
            for (std::int64_t i = 0; i < width; ++i) hadamard_butterfly(a[i], b[i]);
        }
    }
}

// All stages of a transform of length `rows` along rows of `width` doubles (row r at r·width).
void transform_rows(double* x, std::int64_t rows, std::int64_t width) {
    std::int64_t h = 1;
    for (; 4 * h <= rows; h *= 4) radix4_rows(x, rows, width, h);
    if (h < rows) radix2_rows(x, rows, width, h);
}

// All stages 0..log-1 on a contiguous block of 2^log doubles: the first three stages on groups
// of 8 in registers, the rest as rows of 8 (so every inner loop is 8 wide and vectorises).
void transform_block(double* x, int log) {
    const std::int64_t n = std::int64_t{1} << log;
    if (n < 8) {
        transform_rows(x, n, 1);
        return;
    }
    for (std::int64_t g = 0; g < n; g += 8) {
        double* v = x + g;
        hadamard_butterfly(v[0], v[1]);
        hadamard_butterfly(v[2], v[3]);
        hadamard_butterfly(v[4], v[5]);
        hadamard_butterfly(v[6], v[7]);
        hadamard_butterfly(v[0], v[2]);
        hadamard_butterfly(v[1], v[3]);
        hadamard_butterfly(v[4], v[6]);
        hadamard_butterfly(v[5], v[7]);
        hadamard_butterfly(v[0], v[4]);
        hadamard_butterfly(v[1], v[5]);
        hadamard_butterfly(v[2], v[6]);
        hadamard_butterfly(v[3], v[7]);
    }
    transform_rows(x, n / 8, 8);
}

// Stages first..first+count-1: index i = low + 2^first·mid + 2^(first+count)·high with
// low < 2^first, mid < 2^count. A tile fixes `high` and a run of `width` consecutive `low`s and
// holds all `mid`s: tile[mid·width + t]. The butterflies run along `mid`, vectorised over t.
void transform_stage_group(double* x, std::int64_t n, int first, int count) {
    const std::int64_t stride = std::int64_t{1} << first;  // distance between mid rows
    const std::int64_t rows = std::int64_t{1} << count;
    const std::int64_t width = std::min<std::int64_t>(kTileWidth, stride);
    const std::int64_t tiles_per_high = stride / width;
    const std::int64_t highs = n / (stride * rows);
    const std::int64_t tiles = highs * tiles_per_high;
#pragma omp parallel num_threads(openmp_team_size())
    {
        std::vector<double> tile(static_cast<std::size_t>(rows * width));
#pragma omp for schedule(static)
        for (std::int64_t t = 0; t < tiles; ++t) {
            double* base = x + (t / tiles_per_high) * stride * rows + (t % tiles_per_high) * width;
            for (std::int64_t r = 0; r < rows; ++r)
                std::copy(base + r * stride, base + r * stride + width, tile.data() + r * width);
            transform_rows(tile.data(), rows, width);
            for (std::int64_t r = 0; r < rows; ++r)
                std::copy(tile.data() + r * width, tile.data() + (r + 1) * width, base + r * stride);
        }
    }
}

}  // namespace

void walsh_hadamard(double* x, std::int64_t n) {
    walsh_hadamard(x, n, Prescale{});
}

void walsh_hadamard(double* x, std::int64_t n, const Prescale& prescale) {
    if (!is_power_of_two(n)) {
        throw std::invalid_argument("the Walsh–Hadamard transform needs a power-of-two length, got " +
                                    std::to_string(n));
    }
    const int log = log2_exact(n);
    const int block_log = std::min(log, kBlockLog);
    const std::int64_t block = std::int64_t{1} << block_log;
    const std::int64_t blocks = n >> block_log;
    const bool scaled = prescale.diagonal != nullptr || prescale.signs || prescale.scale != 1.0;
#pragma omp parallel num_threads(openmp_team_size()) if (blocks > 1)
    {
        std::vector<double> factor(scaled ? static_cast<std::size_t>(block) : 0);
#pragma omp for schedule(static)
        for (std::int64_t b = 0; b < blocks; ++b) {
            double* xb = x + b * block;
            if (scaled) {
                if (prescale.signs) {
                    rng::fill_signs_serial(factor.data(), static_cast<std::size_t>(block), prescale.stream,
                                           prescale.first + static_cast<std::uint64_t>(b * block),
                                           prescale.scale);
                } else {
                    std::fill(factor.begin(), factor.end(), prescale.scale);
                }
                if (prescale.diagonal != nullptr) {
                    const double* d = prescale.diagonal + b * block;
#pragma omp simd
                    for (std::int64_t i = 0; i < block; ++i)
                        xb[i] = (xb[i] * d[i]) * factor[static_cast<std::size_t>(i)];
                } else {
#pragma omp simd
                    for (std::int64_t i = 0; i < block; ++i) xb[i] *= factor[static_cast<std::size_t>(i)];
                }
            }
            transform_block(xb, block_log);
        }
    }
    for (int first = block_log; first < log; first += kGroupLog) {
        transform_stage_group(x, n, first, std::min(kGroupLog, log - first));
    }
}

}  // namespace isometry::matfree
