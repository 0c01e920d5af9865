// Element-wise matrix kernels of the Jacobian product: row scaling with an overflow check, the
// check of J Jᵀ, and a diagonal start matrix.
#include <cuda_runtime.h>

#include <algorithm>

#include "check.hpp"
#include "isometry/cuda/kernels.hpp"

namespace isometry::cuda {
namespace {

constexpr int kThreads = 256;

// Rows along x (coalesced), columns along y; grid-stride loops in both.
dim3 grid_for(std::int64_t rows, std::int64_t cols) {
    const auto x = static_cast<unsigned>(std::min<std::int64_t>((rows + kThreads - 1) / kThreads, 1024));
    const auto y = static_cast<unsigned>(std::min<std::int64_t>(cols, 65535));
    return dim3(std::max(x, 1u), std::max(y, 1u));
}

template <typename T>
__global__ void scale_rows_kernel(std::int64_t n, std::int64_t cols, T* a, std::int64_t lda,
                                  const double* scale, int* nonfinite) {
    bool bad = false;
    for (std::int64_t j = blockIdx.y; j < cols; j += gridDim.y) {
        T* column = a + j * lda;
        for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
             i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
            const T value = static_cast<T>(static_cast<double>(column[i]) * scale[i]);
            column[i] = value;
            bad = bad || !isfinite(value);
        }
    }
    if (bad) *nonfinite = 1;  // benign race: every writer stores the same value
}

template <typename T>
__global__ void check_lower_kernel(std::int64_t n, const T* a, std::int64_t lda, int* nonfinite) {
    bool bad = false;
    for (std::int64_t j = blockIdx.y; j < n; j += gridDim.y) {
        const T* column = a + j * lda;
        for (std::int64_t i = j + static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
             i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
            bad = bad || !isfinite(column[i]);
        }
    }
    if (bad) *nonfinite = 1;
}

template <typename T>
__global__ void set_diagonal_kernel(std::int64_t n, T* a, std::int64_t lda, const double* d) {
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
        a[i + i * lda] = static_cast<T>(d[i]);
    }
}

}  // namespace

template <typename T>
void scale_rows(std::int64_t n, std::int64_t cols, T* a, std::int64_t lda, const double* scale,
                int* nonfinite, Stream stream) {
    if (n == 0 || cols == 0) return;
    scale_rows_kernel<T>
        <<<grid_for(n, cols), kThreads, 0, detail::native(stream)>>>(n, cols, a, lda, scale, nonfinite);
    detail::check_launch("scale_rows_kernel");
}

template <typename T>
void check_lower_finite(std::int64_t n, const T* a, std::int64_t lda, int* nonfinite, Stream stream) {
    if (n == 0) return;
    check_lower_kernel<T><<<grid_for(n, n), kThreads, 0, detail::native(stream)>>>(n, a, lda, nonfinite);
    detail::check_launch("check_lower_kernel");
}

template <typename T>
void set_diagonal(std::int64_t n, T* a, std::int64_t lda, const double* d, Stream stream) {
    if (n == 0) return;
    fill_zero(a, static_cast<std::size_t>(lda) * static_cast<std::size_t>(n) * sizeof(T), stream);
    set_diagonal_kernel<T><<<grid_for(n, 1).x, kThreads, 0, detail::native(stream)>>>(n, a, lda, d);
    detail::check_launch("set_diagonal_kernel");
}

template void scale_rows<double>(std::int64_t, std::int64_t, double*, std::int64_t, const double*, int*,
                                 Stream);
template void scale_rows<float>(std::int64_t, std::int64_t, float*, std::int64_t, const double*, int*,
                                Stream);
template void check_lower_finite<double>(std::int64_t, const double*, std::int64_t, int*, Stream);
template void check_lower_finite<float>(std::int64_t, const float*, std::int64_t, int*, Stream);
template void set_diagonal<double>(std::int64_t, double*, std::int64_t, const double*, Stream);
template void set_diagonal<float>(std::int64_t, float*, std::int64_t, const double*, Stream);

}  // namespace isometry::cuda
