// Random draws on the device. Compiled with --fmad=false (see CMake): the CPU build does not
// contract a·b + c into fused multiply–adds, so neither may we, or the log/sin/cos polynomials
// of fastmath.hpp would round differently and the streams would differ in the last bits.
#include <cuda_runtime.h>

#include <algorithm>

#include "check.hpp"
#include "isometry/cuda/kernels.hpp"
#include "isometry/rng/normal.hpp"

namespace isometry::cuda {
namespace {

constexpr int kThreads = 256;
constexpr std::uint64_t kMaxBlocks = 65536;  // grid-stride loops cover the rest

__device__ __forceinline__ double normal_element(const rng::StreamId& id, std::uint64_t element) {
    const rng::NormalPair z = rng::normal_pair(id.seed, id.stream, id.substream, element / 2);
    return (element & 1u) ? z.z1 : z.z0;
}

// One thread per Philox block (two elements), so each block is computed once; the blocks that
// straddle `first` or `first + count` write only their element inside the range.
template <typename T>
__global__ void fill_normal_kernel(T* out, std::uint64_t count, rng::StreamId id, std::uint64_t first,
                                   double scale) {
    const std::uint64_t first_block = first / 2;
    const std::uint64_t blocks = (first + count + 1) / 2 - first_block;
    const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
    for (std::uint64_t b = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; b < blocks;
         b += stride) {
        const std::uint64_t block = first_block + b;
        const rng::NormalPair z = rng::normal_pair(id.seed, id.stream, id.substream, block);
        const std::uint64_t e0 = 2 * block;
        if (e0 >= first && e0 - first < count) out[e0 - first] = static_cast<T>(scale * z.z0);
        if (e0 + 1 >= first && e0 + 1 - first < count) out[e0 + 1 - first] = static_cast<T>(scale * z.z1);
    }
}

// One thread block per reflector j: x_j[i - j] = element j·n + i (i = j..n-1). Pass 1 sums the
// squares of the tail, thread 0 forms beta, tau and 1/(alpha - beta) as the CPU does, pass 2
// regenerates the tail (cheaper than storing it in float64 for float32 output) and scales it.
template <typename T>
__global__ void haar_reflectors_kernel(std::int64_t n, rng::StreamId id, T* v, std::int64_t ldv, T* tau) {
    __shared__ double partial[kThreads];
    __shared__ double inv_shift;
    __shared__ int trivial;
    const std::int64_t j = blockIdx.x;
    const std::uint64_t base = static_cast<std::uint64_t>(j) * static_cast<std::uint64_t>(n);
    T* column = v + j * ldv;
    double sum = 0.0;
    for (std::int64_t i = j + 1 + threadIdx.x; i < n; i += kThreads) {
        const double z = normal_element(id, base + static_cast<std::uint64_t>(i));
        sum += z * z;
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int width = kThreads / 2; width > 0; width /= 2) {
        if (threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        // positive_reflector() of cpp/src/ensembles/haar.cpp, step for step.
        const double tail_sq = partial[0];
        const double alpha = normal_element(id, base + static_cast<std::uint64_t>(j));
        const double beta = sqrt(alpha * alpha + tail_sq);
        if (tail_sq == 0.0) {
            tau[j] = static_cast<T>(alpha >= 0.0 ? 0.0 : 2.0);
            column[j] = static_cast<T>(fabs(alpha));
            trivial = 1;
            inv_shift = 0.0;
        } else {
            const double shift = alpha >= 0.0 ? -tail_sq / (alpha + beta) : alpha - beta;
            tau[j] = static_cast<T>(-shift / beta);
            column[j] = static_cast<T>(beta);
            trivial = 0;
            inv_shift = 1.0 / shift;
        }
    }
    __syncthreads();
    for (std::int64_t i = j + 1 + threadIdx.x; i < n; i += kThreads) {
        column[i] =
            trivial ? T(0)
                    : static_cast<T>(normal_element(id, base + static_cast<std::uint64_t>(i)) * inv_shift);
    }
}

}  // namespace

template <typename T>
void fill_normal(T* out, std::size_t count, rng::StreamId id, std::uint64_t first, double scale,
                 Stream stream) {
    if (count == 0) return;
    const std::uint64_t blocks = (first + count + 1) / 2 - first / 2;
    const auto grid =
        static_cast<unsigned>(std::min<std::uint64_t>((blocks + kThreads - 1) / kThreads, kMaxBlocks));
    fill_normal_kernel<T><<<grid, kThreads, 0, detail::native(stream)>>>(out, count, id, first, scale);
    detail::check_launch("fill_normal_kernel");
}

template <typename T>
void haar_reflectors(std::int64_t n, std::int64_t m, rng::StreamId id, T* v, std::int64_t ldv, T* tau,
                     Stream stream) {
    if (m > n) throw std::invalid_argument("haar_reflectors: need n >= m");
    if (m == 0) return;
    haar_reflectors_kernel<T>
        <<<static_cast<unsigned>(m), kThreads, 0, detail::native(stream)>>>(n, id, v, ldv, tau);
    detail::check_launch("haar_reflectors_kernel");
}

template void fill_normal<double>(double*, std::size_t, rng::StreamId, std::uint64_t, double, Stream);
template void fill_normal<float>(float*, std::size_t, rng::StreamId, std::uint64_t, double, Stream);
template void haar_reflectors<double>(std::int64_t, std::int64_t, rng::StreamId, double*, std::int64_t,
                                      double*, Stream);
template void haar_reflectors<float>(std::int64_t, std::int64_t, rng::StreamId, float*, std::int64_t, float*,
                                     Stream);

}  // namespace isometry::cuda
