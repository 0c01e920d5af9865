#include "isometry/linalg/parallel.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>

#include "isometry/core/threads.hpp"
#include "isometry/linalg/blas_threads.hpp"

namespace isometry::linalg {
namespace {

// Columns per tile of a block-reflector product: wide enough that each library call runs near
// full speed, narrow enough to give a 16-core team work at the widths people run (16 tiles at
// width 2048).
constexpr blas_int kTile = 128;
// Columns per tile of a plain product. Each tile's gemm repacks all of A, which costs about
// 1/width of the multiplication itself (measured on one thread, Gaussian layers at width 1024:
// 128-column tiles 6-7 % slower than one gemm call, 256-column tiles 3-5 %).
constexpr blas_int kProductTile = 256;
// Reflectors per block reflector. 64 rather than LAPACK's default of 32: the update of a tile by
// one block reflector streams the tile through memory once, so fewer, larger blocks are faster
// (measured: the Haar matrix at 2048 on one thread 3-5 % faster); forming each T costs a little
// more, but that is done once per block, not per tile.
constexpr blas_int kPanel = 64;

// How many pieces of `size` cover `count` (the last may be shorter).
blas_int pieces(blas_int count, blas_int size) {
    return (count + size - 1) / size;
}

// Calls body(item, scratch) for item = 0 .. count - 1 on our OpenMP team, each on one thread with
// single-threaded BLAS; `scratch` is a per-thread workspace. The first exception is rethrown here.
//
// The team has the set count even on a busy machine (openmp_configured_team_size, not the
// adapted openmp_team_size): the items are independent and handed out one at a time, so no
// thread ever waits for a descheduled one until the very end, and a team larger than the free
// cores simply gets the larger share of CPU time the scheduler gives it. Measured beside one
// busy-loop process on 2 cores: haar_orthogonal(4096) 1.28 s on 2 threads against 1.78 s on one
// thread, the orthogonal jacobian_spectrum(2048, 32) 8.96 s against 11.41 s. (Loops that
// synchronise at every step, like the matrix-free products, are the opposite case and adapt.)
template <typename T, typename Body>
void for_each(blas_int count, Body&& body) {
    if (count <= 0) return;
    const SerialBlas serial;
    std::exception_ptr error;
    const int team = std::max(1, std::min<int>(openmp_configured_team_size(), count));
#pragma omp parallel num_threads(team)
    {
        Workspace<T> scratch;
#pragma omp for schedule(dynamic, 1)
        for (blas_int item = 0; item < count; ++item) {
            try {
                serial.keep_serial();
                body(item, scratch);
            } catch (...) {
#pragma omp critical(isometry_tile_error)
                if (!error) error = std::current_exception();
            }
        }
    }
    if (error) std::rethrow_exception(error);
}

std::size_t at(blas_int row, blas_int column, blas_int ld) {
    return static_cast<std::size_t>(row) + static_cast<std::size_t>(column) * static_cast<std::size_t>(ld);
}

// The T factors of all block reflectors (panel p: reflectors p*kPanel ...), computed in parallel
// (each depends on its own reflectors only) into `t`, kPanel x kPanel per panel.
template <typename T>
void block_reflector_factors(blas_int m, blas_int k, const T* v, blas_int ldv, const T* tau, T* t) {
    for_each<T>(pieces(k, kPanel), [&](blas_int p, Workspace<T>&) {
        const blas_int i = p * kPanel, width = std::min(kPanel, k - i);
        larft_forward<T>(m - i, width, v + at(i, i, ldv), ldv, tau + i,
                         t + static_cast<std::size_t>(p) * kPanel * kPanel, kPanel);
    });
}

// C (m x width) <- H_1 ... H_k C, one block reflector at a time, the last first; each touches
// only the rows from its first reflector down. With `identity_from` = c0, C starts as columns
// c0.. of the identity, and a block reflector starting at row i skips the columns left of i:
// they are still unit vectors zero from row i down, which it would leave exactly as they are.
template <typename T>
void apply_panels(blas_int m, blas_int k, const T* v, blas_int ldv, const T* t, T* c, blas_int ldc,
                  blas_int width, Workspace<T>& scratch, blas_int identity_from = -1) {
    T* work = scratch.get(static_cast<std::size_t>(width) * kPanel);
    for (blas_int p = pieces(k, kPanel) - 1; p >= 0; --p) {
        const blas_int i = p * kPanel, ib = std::min(kPanel, k - i);
        const blas_int skip = identity_from >= 0 ? std::max(0, i - identity_from) : 0;
        if (skip >= width) continue;
        larfb_left<T>(m - i, width - skip, ib, v + at(i, i, ldv), ldv,
                      t + static_cast<std::size_t>(p) * kPanel * kPanel, kPanel, c + at(i, skip, ldc), ldc,
                      work, width - skip);
    }
}

}  // namespace

template <typename T>
void tiled_gemm_nn(blas_int m, blas_int n, blas_int k, T alpha, const T* a, blas_int lda, const T* b,
                   blas_int ldb, T beta, T* c, blas_int ldc) {
    for_each<T>(pieces(n, kProductTile), [&](blas_int tile, Workspace<T>&) {
        const blas_int c0 = tile * kProductTile, width = std::min(kProductTile, n - c0);
        gemm<T>('N', 'N', m, width, k, alpha, a, lda, b + at(0, c0, ldb), ldb, beta, c + at(0, c0, ldc), ldc);
    });
}

template <typename T>
void tiled_syrk_lower(blas_int n, blas_int k, T alpha, const T* a, blas_int lda, T beta, T* c, blas_int ldc) {
    // Tile j holds columns [c0, c1) of the lower triangle: its diagonal block (syrk) and the
    // rows below it (gemm with A's rows c1.. and c0..c1). The first tiles are the largest.
    for_each<T>(pieces(n, kProductTile), [&](blas_int tile, Workspace<T>&) {
        const blas_int c0 = tile * kProductTile, width = std::min(kProductTile, n - c0), c1 = c0 + width;
        syrk_lower<T>(width, k, alpha, a + c0, lda, beta, c + at(c0, c0, ldc), ldc);
        if (c1 < n)
            gemm<T>('N', 'T', n - c1, width, k, alpha, a + c1, lda, a + c0, lda, beta, c + at(c1, c0, ldc),
                    ldc);
    });
}

template <typename T>
void tiled_ormqr_left(blas_int m, blas_int n, blas_int k, const T* v, blas_int ldv, const T* tau, T* c,
                      blas_int ldc, Workspace<T>& work) {
    T* t = work.get(static_cast<std::size_t>(pieces(k, kPanel)) * kPanel * kPanel);
    block_reflector_factors(m, k, v, ldv, tau, t);
    for_each<T>(pieces(n, kTile), [&](blas_int tile, Workspace<T>& scratch) {
        const blas_int c0 = tile * kTile, width = std::min(kTile, n - c0);
        apply_panels(m, k, v, ldv, t, c + at(0, c0, ldc), ldc, width, scratch);
    });
}

template <typename T>
void tiled_orgqr(blas_int m, blas_int n, blas_int k, const T* v, blas_int ldv, const T* tau, T* q,
                 blas_int ldq, Workspace<T>& work) {
    T* t = work.get(static_cast<std::size_t>(pieces(k, kPanel)) * kPanel * kPanel);
    block_reflector_factors(m, k, v, ldv, tau, t);
    // Column c of Q is H_1 ... H_{c+1} e_c: the later reflectors are zero in row c. So tile
    // [c0, c1) starts as the identity's columns and needs only the panels below min(c1, k).
    // The rightmost tiles need the most panels: hand them out first.
    const blas_int count = pieces(n, kTile);
    for_each<T>(count, [&](blas_int item, Workspace<T>& scratch) {
        const blas_int tile = count - 1 - item;
        const blas_int c0 = tile * kTile, width = std::min(kTile, n - c0);
        T* block = q + at(0, c0, ldq);
        for (blas_int j = 0; j < width; ++j) {
            std::fill(block + at(0, j, ldq), block + at(0, j, ldq) + m, T(0));
            block[at(c0 + j, j, ldq)] = T(1);
        }
        apply_panels(m, std::min(c0 + width, k), v, ldv, t, block, ldq, width, scratch, c0);
    });
}

#define ISOMETRY_TILED(T)                                                                                   \
    template void tiled_gemm_nn<T>(blas_int, blas_int, blas_int, T, const T*, blas_int, const T*, blas_int, \
                                   T, T*, blas_int);                                                        \
    template void tiled_syrk_lower<T>(blas_int, blas_int, T, const T*, blas_int, T, T*, blas_int);          \
    template void tiled_ormqr_left<T>(blas_int, blas_int, blas_int, const T*, blas_int, const T*, T*,       \
                                      blas_int, Workspace<T>&);                                             \
    template void tiled_orgqr<T>(blas_int, blas_int, blas_int, const T*, blas_int, const T*, T*, blas_int,  \
                                 Workspace<T>&);
ISOMETRY_TILED(double)
ISOMETRY_TILED(float)
#undef ISOMETRY_TILED

}  // namespace isometry::linalg
