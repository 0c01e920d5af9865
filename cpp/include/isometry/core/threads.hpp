#pragma once
// How many threads isometry's own OpenMP loops use.
//
// Two thread pools do our work: libgomp's (the `#pragma omp parallel` regions in cpp/src) and
// OpenBLAS's own pthread pool (BLAS/LAPACK calls; see blas_set_num_threads in build_info.hpp).
// They never run at the same time: no BLAS/LAPACK call is made inside one of our parallel
// regions, and no parallel region is opened from inside BLAS, so each call is either "our
// team" or "OpenBLAS's team", never both. (Both pools are told to sleep quickly once idle, by
// environment variables set before the libraries load: python/isometry/_internal/threads.py.)
//
// OpenMP's own control, omp_set_num_threads, only changes the calling thread's setting, so a
// count set from Python's main thread would not reach a call made from a worker thread (a Dask
// or concurrent.futures worker). A process-wide cap fixes that: every parallel region asks for
// openmp_team_size() threads, the smaller of the cap and the calling thread's OpenMP setting
// (which OMP_NUM_THREADS, omp_set_num_threads and threadpoolctl control).
//
// Results do not depend on the team size: every loop splits its work into pieces fixed by the
// problem size, never by the thread count, and sums in a fixed order. That is what lets our
// teams adapt to the machine by default: a region gets at most free_cores() threads, the cores
// other processes leave free (free_cores.hpp), and the numbers stay the same bits.
//
// OpenBLAS's results are not independent of its thread count for every routine and shape
// (measured: SYEVD, GESDD, TRMM and transposed GEMMs with a small output split their sums; the
// ORMQR of the orthogonal Jacobian inherits that), so its pool adapts only when asked
// (Adaptation::all): faster on a busy machine, with BLAS-based results then equal to rounding,
// not bitwise, between runs at different loads.

namespace isometry {

// Process-wide cap on our OpenMP teams; n <= 0 removes the cap.
void set_openmp_limit(int n);
// The cap, 0 when none is set.
int openmp_limit();
// Threads a parallel region opened now from this thread may have: min(cap, omp_get_max_threads()).
int openmp_configured_team_size();
// Threads a parallel region opened now gets: the configured size, at most adaptive_thread_limit().
int openmp_team_size();

// Which teams shrink to the free cores: none, our OpenMP teams (the default: bitwise safe), or
// also OpenBLAS's pool for each call.
enum class Adaptation { off = 0, openmp = 1, all = 2 };
void set_thread_adaptation(Adaptation mode);
Adaptation thread_adaptation();
// The most threads an OpenMP team / an OpenBLAS call may have now: free_cores() when the mode
// adapts it, else no limit (INT_MAX).
int openmp_adaptive_limit();
int blas_adaptive_limit();

}  // namespace isometry
