#pragma once
// How many threads isometry's own OpenMP loops use.
//
// Our own OpenMP teams (the `#pragma omp parallel` regions in cpp/src) do all our parallel
// work, including the parallel BLAS-3 work: linalg/parallel.hpp splits it into tiles and calls
// OpenBLAS on one thread per tile. OpenBLAS's own pthread pool runs only the eigensolvers, and
// only in Adaptation::all (linalg/blas_threads.hpp). So the two pools never run at the same
// time. (Both are told to sleep quickly once idle, by environment variables set before the
// libraries load: python/isometry/_internal/threads.py.)
//
// OpenMP's own control, omp_set_num_threads, only changes the calling thread's setting, so a
// count set from Python's main thread would not reach a call made from a worker thread (a Dask
// or concurrent.futures worker). A process-wide cap fixes that: every parallel region asks for
// openmp_team_size() threads, the smaller of the cap and the calling thread's OpenMP setting
// (which OMP_NUM_THREADS, omp_set_num_threads and threadpoolctl control).
//
// Results do not depend on the team size: every loop, and every tiled BLAS routine, splits its
// work into pieces fixed by the problem size, never by the thread count, and sums in a fixed
// order. That is what lets our teams adapt to the machine by default: a region gets at most
// free_cores() threads, the cores other processes leave free (free_cores.hpp), and the numbers
// stay the same bits. The tiled BLAS routines are the exception: their tiles are independent,
// so a team larger than the free cores loses nothing and gains CPU share; they keep the set
// count (openmp_configured_team_size; linalg/parallel.cpp says what was measured).
//
// The eigensolvers cannot be split that way. By default they run on one thread, so that every
// result is the same bits for any thread count and load; Adaptation::all gives them OpenBLAS's
// pool (as many threads as the set count and the free cores allow): faster for large matrices
// on many cores, with eigenvalues then equal to rounding, not bitwise, across loads.

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
// also those of the eigensolvers, which then use OpenBLAS's pool.
enum class Adaptation { off = 0, openmp = 1, all = 2 };
void set_thread_adaptation(Adaptation mode);
Adaptation thread_adaptation();
// The most threads an OpenMP team / an OpenBLAS call may have now: free_cores() when the mode
// adapts it, else no limit (INT_MAX).
int openmp_adaptive_limit();
int blas_adaptive_limit();

}  // namespace isometry
