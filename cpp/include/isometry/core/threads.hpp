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
// problem size, never by the thread count, and sums in a fixed order.

namespace isometry {

// Process-wide cap on our OpenMP teams; n <= 0 removes the cap.
void set_openmp_limit(int n);
// The cap, 0 when none is set.
int openmp_limit();
// Threads a parallel region opened now, from this thread, gets: min(cap, omp_get_max_threads()).
int openmp_team_size();

}  // namespace isometry
