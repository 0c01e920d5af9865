// Matrix-free building blocks on the device (see isometry/cuda/matfree_kernels.hpp). Compiled with
// --fmad=false (CMake): Philox/Box–Muller and the products must round as on the CPU, which does
// not fuse multiply–adds.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "check.hpp"
#include "isometry/cuda/matfree_kernels.hpp"
#include "isometry/matfree/walsh_hadamard.hpp"
#include "isometry/rng/normal.hpp"
#include "isometry/rng/signs.hpp"

namespace isometry::cuda {
namespace {

constexpr int kThreads = 256;
constexpr std::uint64_t kMaxGrid = 65535;    // grid-stride loops cover the rest
constexpr int kChunkLog = 11;                // shared-memory transform: 2^11 doubles = 16 KiB
constexpr int kColumns = 8;                  // vectors per pass of the Gaussian product (registers)
constexpr int kRowsPerBlock = 2 * kThreads;  // forward Gaussian product: two rows per thread

unsigned grid_for(std::uint64_t work) {
    return static_cast<unsigned>(std::min<std::uint64_t>((work + kThreads - 1) / kThreads, kMaxGrid));
}

int log2_exact(std::int64_t n) {
    int log = 0;
    while ((std::int64_t{1} << log) < n) ++log;
    return log;
}

__global__ void random_signs_kernel(double* out, std::int64_t count, rng::StreamId id, std::uint64_t first,
                                    double scale) {
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += stride)
        out[i] =
            scale * rng::random_sign(id.seed, id.stream, id.substream, first + static_cast<std::uint64_t>(i));
}

// One block per (chunk, column): load the chunk with the prescale applied exactly as the CPU
// does ((x·d)·(scale·sign)), run stages 0..log(chunk)-1 in shared memory, store. The chunk's
// signs come from chunk/128 Philox blocks computed once into shared memory, not one per element.
__global__ void hadamard_chunk_kernel(double* x, std::int64_t n, int chunk_log, DevicePrescale p,
                                      bool scaled) {
    extern __shared__ double shared[];
    const std::int64_t chunk = std::int64_t{1} << chunk_log;
    double* v = shared;
    auto* words = reinterpret_cast<std::uint32_t*>(shared + chunk);  // 4 words per 128 signs
    double* column = x + static_cast<std::int64_t>(blockIdx.y) * n;
    const std::int64_t begin = static_cast<std::int64_t>(blockIdx.x) * chunk;
    if (scaled && p.signs) {
        // first + begin is a multiple of 128 when n >= 128 (first is a multiple of n); else
        // fall back to one Philox block per element below.
        if (chunk >= 128 && (p.first + static_cast<std::uint64_t>(begin)) % 128 == 0) {
            for (std::int64_t b = threadIdx.x; b < chunk / 128; b += blockDim.x) {
                const std::uint64_t block = (p.first + static_cast<std::uint64_t>(begin)) / 128 + b;
                const rng::Word4 w =
                    rng::philox_block(p.stream.seed, p.stream.stream, p.stream.substream, block);
                for (int t = 0; t < 4; ++t) words[4 * b + t] = w.v[t];
            }
        }
        __syncthreads();
    }
    const bool shared_words = chunk >= 128 && (p.first + static_cast<std::uint64_t>(begin)) % 128 == 0;
    for (std::int64_t i = threadIdx.x; i < chunk; i += blockDim.x) {
        double value = column[begin + i];
        if (scaled) {
            double factor = p.scale;
            if (p.signs) {
                const double sign = shared_words
                                        ? rng::sign_from_bit(words[i / 32], static_cast<unsigned>(i % 32))
                                        : rng::random_sign(p.stream.seed, p.stream.stream, p.stream.substream,
                                                           p.first + static_cast<std::uint64_t>(begin + i));
                factor = p.scale * sign;
            }
            if (p.diagonal != nullptr) value = value * p.diagonal[begin + i];
            value = value * factor;
        }
        v[i] = value;
    }
    __syncthreads();
    for (int s = 0; s < chunk_log; ++s) {
        const std::int64_t h = std::int64_t{1} << s;
        for (std::int64_t t = threadIdx.x; t < chunk / 2; t += blockDim.x) {
            const std::int64_t i = (t / h) * 2 * h + t % h;
            matfree::hadamard_butterfly(v[i], v[i + h]);
        }
        __syncthreads();
    }
    for (std::int64_t i = threadIdx.x; i < chunk; i += blockDim.x) column[begin + i] = v[i];
}

// Stages s and s+1 in one pass: the CPU's radix-4 butterfly order (a,b), (c,d), (a,c), (b,d).
__global__ void hadamard_radix4_kernel(double* x, std::int64_t n, std::int64_t k, std::int64_t h) {
    const std::int64_t quarter = n / 4;
    const std::int64_t total = quarter * k;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t t = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total;
         t += stride) {
        double* column = x + (t / quarter) * n;
        const std::int64_t r = t % quarter;
        const std::int64_t i = (r / h) * 4 * h + r % h;
        double a = column[i], b = column[i + h], c = column[i + 2 * h], d = column[i + 3 * h];
        matfree::hadamard_butterfly(a, b);
        matfree::hadamard_butterfly(c, d);
        matfree::hadamard_butterfly(a, c);
        matfree::hadamard_butterfly(b, d);
        column[i] = a;
        column[i + h] = b;
        column[i + 2 * h] = c;
        column[i + 3 * h] = d;
    }
}

__global__ void hadamard_radix2_kernel(double* x, std::int64_t n, std::int64_t k, std::int64_t h) {
    const std::int64_t half = n / 2;
    const std::int64_t total = half * k;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t t = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total;
         t += stride) {
        double* column = x + (t / half) * n;
        const std::int64_t r = t % half;
        const std::int64_t i = (r / h) * 2 * h + r % h;
        matfree::hadamard_butterfly(column[i], column[i + h]);
    }
}

__global__ void multiply_signs_kernel(double* x, std::int64_t n, std::int64_t k, rng::StreamId id,
                                      std::uint64_t first, double scale) {
    const std::int64_t total = n * k;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t t = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total;
         t += stride) {
        const std::int64_t i = t % n;
        const double factor =
            scale * rng::random_sign(id.seed, id.stream, id.substream, first + static_cast<std::uint64_t>(i));
        x[t] *= factor;
    }
}

// W_ij = scale · z_e, e = j·n + i, for two consecutive rows i, i + 1 of column j: one Box–Muller
// pair serves both when e is even (always, for even n).
__device__ __forceinline__ void gaussian_pair(const rng::StreamId& id, double scale, std::uint64_t e,
                                              double& w0, double& w1) {
    const rng::NormalPair z = rng::normal_pair(id.seed, id.stream, id.substream, e / 2);
    if ((e & 1u) == 0) {
        w0 = scale * z.z0;
        w1 = scale * z.z1;
    } else {
        w0 = scale * z.z1;
        w1 = scale * rng::normal_pair(id.seed, id.stream, id.substream, e / 2 + 1).z0;
    }
}

// Y = W X, partial sums over the column range of blockIdx.y: thread t of block b owns rows
// i = 512 b + 2t and i + 1 and accumulates over j in order (as the CPU's product_rows).
__global__ void gaussian_rows_kernel(rng::StreamId id, double scale, std::int64_t n, const double* x, int kc,
                                     std::int64_t columns_per_split, double* partial) {
    const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * kRowsPerBlock + 2 * threadIdx.x;
    const std::int64_t j0 = static_cast<std::int64_t>(blockIdx.y) * columns_per_split;
    const std::int64_t j1 = min(n, j0 + columns_per_split);
    double acc0[kColumns], acc1[kColumns];
#pragma unroll
    for (int p = 0; p < kColumns; ++p) acc0[p] = acc1[p] = 0.0;
    if (i < n) {
        for (std::int64_t j = j0; j < j1; ++j) {
            double w0, w1;
            gaussian_pair(id, scale, static_cast<std::uint64_t>(j * n + i), w0, w1);
#pragma unroll
            for (int p = 0; p < kColumns; ++p) {
                if (p < kc) {
                    const double xj = __ldg(x + j + p * n);
                    acc0[p] += w0 * xj;
                    acc1[p] += w1 * xj;
                }
            }
        }
    }
    double* out = partial + static_cast<std::int64_t>(blockIdx.y) * n * kColumns;
    for (int p = 0; p < kc; ++p) {
        if (i < n) out[i + p * n] = acc0[p];
        if (i + 1 < n) out[i + 1 + p * n] = acc1[p];
    }
}

// Y[:, p] = Σ_s partial_s[:, p], the splits added in order.
__global__ void sum_splits_kernel(const double* partial, int splits, std::int64_t n, int kc, double* y,
                                  std::int64_t ldy) {
    const std::int64_t total = n * kc;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t t = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total;
         t += stride) {
        double s = 0.0;
        for (int q = 0; q < splits; ++q) s += partial[static_cast<std::int64_t>(q) * n * kColumns + t];
        y[(t / n) * ldy + t % n] = s;
    }
}

// Fixed-order tree over the block's threads, for kc values per thread at once.
__device__ void block_reduce(double* shared, int kc) {
    for (int width = kThreads / 2; width > 0; width /= 2) {
        if (static_cast<int>(threadIdx.x) < width)
            for (int p = 0; p < kc; ++p)
                shared[p * kThreads + threadIdx.x] += shared[p * kThreads + threadIdx.x + width];
        __syncthreads();
    }
}

// Y = Wᵀ X: block j computes y_j = Σ_i W_ij x_i for the kc vectors, each thread over row pairs
// i = 2t, 2t + 512, ..., then a fixed tree over the threads.
__global__ void gaussian_columns_kernel(rng::StreamId id, double scale, std::int64_t n, const double* x,
                                        int kc, double* y) {
    __shared__ double shared[kColumns * kThreads];
    const std::int64_t j = blockIdx.x;
    double acc[kColumns];
#pragma unroll
    for (int p = 0; p < kColumns; ++p) acc[p] = 0.0;
    for (std::int64_t i = 2 * threadIdx.x; i < n; i += kRowsPerBlock) {
        double w0, w1;
        gaussian_pair(id, scale, static_cast<std::uint64_t>(j * n + i), w0, w1);
        const bool second = i + 1 < n;
#pragma unroll
        for (int p = 0; p < kColumns; ++p) {
            if (p < kc) {
                acc[p] += w0 * x[i + p * n];
                if (second) acc[p] += w1 * x[i + 1 + p * n];
            }
        }
    }
    for (int p = 0; p < kc; ++p) shared[p * kThreads + threadIdx.x] = acc[p];
    __syncthreads();
    block_reduce(shared, kc);
    if (threadIdx.x == 0)
        for (int p = 0; p < kc; ++p) y[j + p * n] = shared[p * kThreads];
}

__global__ void scale_rows_kernel(double* x, const double* d, std::int64_t n, std::int64_t k) {
    const std::int64_t total = n * k;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t t = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total;
         t += stride)
        x[t] *= d[t % n];
}

__global__ void column_dots_kernel(const double* basis, std::int64_t n, const double* w, double* out) {
    __shared__ double shared[kThreads];
    const double* q = basis + static_cast<std::int64_t>(blockIdx.x) * n;
    double s = 0.0;
    for (std::int64_t i = threadIdx.x; i < n; i += kThreads) s += q[i] * w[i];
    shared[threadIdx.x] = s;
    __syncthreads();
    block_reduce(shared, 1);
    if (threadIdx.x == 0) out[blockIdx.x] = shared[0];
}

__global__ void subtract_columns_kernel(const double* basis, std::int64_t count, std::int64_t n,
                                        const double* c, double* w) {
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += stride) {
        double value = w[i];
        for (std::int64_t v = 0; v < count; ++v) value -= c[v] * basis[v * n + i];
        w[i] = value;
    }
}

__global__ void subtract_scaled_kernel(double a, const double* q, double* w, std::int64_t n) {
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += stride)
        w[i] -= a * q[i];
}

__global__ void scale_into_kernel(double* out, const double* in, double factor, std::int64_t n) {
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += stride)
        out[i] = in[i] * factor;
}

// Column ranges of the forward Gaussian product: enough blocks to fill an H100 (132 SMs) twice
// even when N/512 row blocks alone would not, but at least 256 columns per range.
int gaussian_splits(std::int64_t n) {
    const std::int64_t row_blocks = (n + kRowsPerBlock - 1) / kRowsPerBlock;
    const std::int64_t wanted = (528 + row_blocks - 1) / row_blocks;
    return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(wanted, n / 256)));
}

}  // namespace

void random_signs(double* out, std::int64_t count, rng::StreamId id, std::uint64_t first, double scale,
                  Stream stream) {
    if (count <= 0) return;
    random_signs_kernel<<<grid_for(count), kThreads, 0, detail::native(stream)>>>(out, count, id, first,
                                                                                  scale);
    detail::check_launch("random_signs_kernel");
}

void walsh_hadamard_columns(double* x, std::int64_t n, std::int64_t k, const DevicePrescale& prescale,
                            Stream stream) {
    if (!matfree::is_power_of_two(n))
        throw std::invalid_argument("the Walsh–Hadamard transform needs a power-of-two length, got " +
                                    std::to_string(n));
    if (k <= 0) return;
    if (k > 65535) throw std::invalid_argument("walsh_hadamard_columns: at most 65535 columns per call");
    const int log = log2_exact(n);
    const int chunk_log = std::min(log, kChunkLog);
    const std::int64_t chunk = std::int64_t{1} << chunk_log;
    const bool scaled = prescale.diagonal != nullptr || prescale.signs || prescale.scale != 1.0;
    const std::size_t shared = static_cast<std::size_t>(chunk) * sizeof(double) +
                               static_cast<std::size_t>(chunk / 32 + 4) * sizeof(std::uint32_t);
    const dim3 grid(static_cast<unsigned>(n / chunk), static_cast<unsigned>(k));
    hadamard_chunk_kernel<<<grid, kThreads, shared, detail::native(stream)>>>(x, n, chunk_log, prescale,
                                                                              scaled);
    detail::check_launch("hadamard_chunk_kernel");
    for (int s = chunk_log; s < log;) {
        const std::int64_t h = std::int64_t{1} << s;
        if (s + 1 < log) {
            hadamard_radix4_kernel<<<grid_for(static_cast<std::uint64_t>(n / 4 * k)), kThreads, 0,
                                     detail::native(stream)>>>(x, n, k, h);
            detail::check_launch("hadamard_radix4_kernel");
            s += 2;
        } else {
            hadamard_radix2_kernel<<<grid_for(static_cast<std::uint64_t>(n / 2 * k)), kThreads, 0,
                                     detail::native(stream)>>>(x, n, k, h);
            detail::check_launch("hadamard_radix2_kernel");
            s += 1;
        }
    }
}

void multiply_signs_columns(double* x, std::int64_t n, std::int64_t k, rng::StreamId id, std::uint64_t first,
                            double scale, Stream stream) {
    if (n * k <= 0) return;
    multiply_signs_kernel<<<grid_for(static_cast<std::uint64_t>(n * k)), kThreads, 0,
                            detail::native(stream)>>>(x, n, k, id, first, scale);
    detail::check_launch("multiply_signs_kernel");
}

void structured_orthogonal_columns(rng::StreamId signs, int blocks, double sigma_w, std::int64_t n, double* x,
                                   std::int64_t k, bool transpose, const double* pre_diagonal,
                                   Stream stream) {
    // The same factor order and scalings as matfree::structured_orthogonal_product.
    const double normalise = 1.0 / std::sqrt(static_cast<double>(n));
    const auto first_of = [n](int d) {
        return static_cast<std::uint64_t>(d) * static_cast<std::uint64_t>(n);
    };
    if (!transpose) {  // W = σ_w (H S_B) ... (H S_1)
        for (int d = 0; d < blocks; ++d) {
            DevicePrescale p;
            p.diagonal = d == 0 ? pre_diagonal : nullptr;
            p.signs = true;
            p.stream = signs;
            p.first = first_of(d);
            p.scale = normalise * (d == 0 ? sigma_w : 1.0);
            walsh_hadamard_columns(x, n, k, p, stream);
        }
        return;
    }
    DevicePrescale p;  // Wᵀ = σ_w S_1 H S_2 H ... S_B H
    p.diagonal = pre_diagonal;
    walsh_hadamard_columns(x, n, k, p, stream);
    for (int d = blocks - 1; d >= 1; --d) {
        DevicePrescale q;
        q.signs = true;
        q.stream = signs;
        q.first = first_of(d);
        q.scale = normalise;
        walsh_hadamard_columns(x, n, k, q, stream);
    }
    multiply_signs_columns(x, n, k, signs, first_of(0), normalise * sigma_w, stream);
}

std::size_t gaussian_onthefly_workspace(std::int64_t n, std::int64_t) {
    return static_cast<std::size_t>(gaussian_splits(n)) * static_cast<std::size_t>(n) * kColumns;
}

void gaussian_onthefly_columns(rng::StreamId id, double scale, std::int64_t n, const double* x, double* y,
                               std::int64_t k, bool transpose, double* workspace, Stream stream) {
    if (n > 0x7FFFFFFFll) throw std::invalid_argument("gaussian_onthefly_columns: width must be below 2**31");
    for (std::int64_t c0 = 0; c0 < k; c0 += kColumns) {  // kColumns vectors per regeneration of W
        const int kc = static_cast<int>(std::min<std::int64_t>(kColumns, k - c0));
        const double* xc = x + c0 * n;
        double* yc = y + c0 * n;
        if (transpose) {
            gaussian_columns_kernel<<<static_cast<unsigned>(n), kThreads, 0, detail::native(stream)>>>(
                id, scale, n, xc, kc, yc);
            detail::check_launch("gaussian_columns_kernel");
            continue;
        }
        const int splits = gaussian_splits(n);
        const std::int64_t per_split = (n + splits - 1) / splits;
        const dim3 grid(static_cast<unsigned>((n + kRowsPerBlock - 1) / kRowsPerBlock),
                        static_cast<unsigned>(splits));
        gaussian_rows_kernel<<<grid, kThreads, 0, detail::native(stream)>>>(id, scale, n, xc, kc, per_split,
                                                                            workspace);
        detail::check_launch("gaussian_rows_kernel");
        sum_splits_kernel<<<grid_for(static_cast<std::uint64_t>(n * kc)), kThreads, 0,
                            detail::native(stream)>>>(workspace, splits, n, kc, yc, n);
        detail::check_launch("sum_splits_kernel");
    }
}

void scale_rows_columns(double* x, const double* d, std::int64_t n, std::int64_t k, Stream stream) {
    if (n * k <= 0) return;
    scale_rows_kernel<<<grid_for(static_cast<std::uint64_t>(n * k)), kThreads, 0, detail::native(stream)>>>(
        x, d, n, k);
    detail::check_launch("scale_rows_kernel");
}

void column_dots(const double* basis, std::int64_t count, std::int64_t n, const double* w, double* out,
                 Stream stream) {
    if (count <= 0) return;
    column_dots_kernel<<<static_cast<unsigned>(count), kThreads, 0, detail::native(stream)>>>(basis, n, w,
                                                                                              out);
    detail::check_launch("column_dots_kernel");
}

void subtract_columns(const double* basis, std::int64_t count, std::int64_t n, const double* c, double* w,
                      Stream stream) {
    if (count <= 0 || n <= 0) return;
    subtract_columns_kernel<<<grid_for(static_cast<std::uint64_t>(n)), kThreads, 0, detail::native(stream)>>>(
        basis, count, n, c, w);
    detail::check_launch("subtract_columns_kernel");
}

void subtract_scaled(double a, const double* q, double* w, std::int64_t n, Stream stream) {
    if (n <= 0) return;
    subtract_scaled_kernel<<<grid_for(static_cast<std::uint64_t>(n)), kThreads, 0, detail::native(stream)>>>(
        a, q, w, n);
    detail::check_launch("subtract_scaled_kernel");
}

void scale_into(double* out, const double* in, double factor, std::int64_t n, Stream stream) {
    if (n <= 0) return;
    scale_into_kernel<<<grid_for(static_cast<std::uint64_t>(n)), kThreads, 0, detail::native(stream)>>>(
        out, in, factor, n);
    detail::check_launch("scale_into_kernel");
}

}  // namespace isometry::cuda
