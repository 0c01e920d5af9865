#include "isometry/matfree/walsh_hadamard.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace isometry::matfree {
namespace {

constexpr int kBlockLog = 13;  // contiguous blocks of 2^13 doubles (64 KiB): in L2
constexpr int kGroupLog = 7;   // stages per later pass: 2^7 rows ...
constexpr int kTileWidth = 32;  // ... of 32 contiguous doubles each (32 KiB tile)

int log2_exact(std::int64_t n) {
    int log = 0;
    while ((std::int64_t{1} << log) < n) ++log;
    return log;
}

// All stages 0..log-1 on a contiguous block of 2^log doubles.
void transform_block(double* x, int log) {
    const std::int64_t n = std::int64_t{1} << log;
    for (int s = 0; s < log; ++s) {
        const std::int64_t half = std::int64_t{1} << s;
        for (std::int64_t start = 0; start < n; start += 2 * half) {
            double* a = x + start;
            double* b = a + half;
#pragma omp simd
            for (std::int64_t i = 0; i < half; ++i) hadamard_butterfly(a[i], b[i]);
        }
    }
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
#pragma omp parallel
    {
        std::vector<double> tile(static_cast<std::size_t>(rows * width));
#pragma omp for schedule(static)
        for (std::int64_t t = 0; t < tiles; ++t) {
            double* base = x + (t / tiles_per_high) * stride * rows + (t % tiles_per_high) * width;
            for (std::int64_t r = 0; r < rows; ++r)
                std::copy(base + r * stride, base + r * stride + width, tile.data() + r * width);
            for (std::int64_t half = 1; half < rows; half *= 2) {
                for (std::int64_t start = 0; start < rows; start += 2 * half) {
                    for (std::int64_t r = start; r < start + half; ++r) {
                        double* a = tile.data() + r * width;
                        double* b = a + half * width;
#pragma omp simd
                        for (std::int64_t i = 0; i < width; ++i) hadamard_butterfly(a[i], b[i]);
                    }
                }
            }
            for (std::int64_t r = 0; r < rows; ++r)
                std::copy(tile.data() + r * width, tile.data() + (r + 1) * width, base + r * stride);
        }
    }
}

}  // namespace

void walsh_hadamard(double* x, std::int64_t n) {
    if (!is_power_of_two(n)) {
        throw std::invalid_argument("the Walsh–Hadamard transform needs a power-of-two length, got " +
                                    std::to_string(n));
    }
    const int log = log2_exact(n);
    const int block_log = std::min(log, kBlockLog);
    const std::int64_t blocks = n >> block_log;
#pragma omp parallel for schedule(static) if (blocks > 1)
    for (std::int64_t b = 0; b < blocks; ++b) transform_block(x + (b << block_log), block_log);
    for (int first = block_log; first < log; first += kGroupLog) {
        transform_stage_group(x, n, first, std::min(kGroupLog, log - first));
    }
}

}  // namespace isometry::matfree
