#pragma once
// Which OpenBLAS threads run a call.
//
// OpenBLAS's thread count is one setting for the whole process, and some of its routines split
// their sums between its threads (measured: SYEVD, GESDD, TRMM, transposed GEMMs with a small
// output), so a result computed on its pool depends on how many threads the pool had. isometry
// therefore runs its parallel BLAS work in its own OpenMP teams instead (parallel.hpp): every
// library call runs on the calling thread, under a SerialBlas, on a piece of the problem fixed
// by the problem size. The results are then the same bits for any thread count and any load,
// and the teams can shrink to the cores that other processes leave free (threads.hpp).
//
// The one exception is the symmetric eigensolver and the SVD, which cannot be split this way:
// they run on one thread, except in Adaptation::all, where a BlasTeam gives them OpenBLAS's
// pool, as many threads as the set count and the free cores allow (faster for large matrices on
// many cores; their last bits then depend on the load).
//
// Either guard changes the library's count only while it lives and then puts back the count the
// user set (isometry.set_num_threads, threadpoolctl, OPENBLAS_NUM_THREADS). Serial guards may
// overlap each other (several OpenMP threads, or several Python threads, each calling the
// library on one thread); a BlasTeam waits until no serial guard is active, and vice versa.
//
// The count is one global setting, so another library that sets it while a guard holds it
// (threadpoolctl from another Python thread) cannot be kept out. Its count then becomes the
// user's count, which the guard leaves in place when it ends, and the tiles take the library
// back to one thread before each of their calls (keep_serial). Library calls already running at
// that moment may use OpenBLAS's pool, so their results are equal to rounding rather than
// bitwise; and a threadpoolctl limit entered then reads the guard's temporary count of one as
// the count to restore.
#include <mutex>
#include <shared_mutex>

namespace isometry::linalg {

class SerialBlas {
  public:
    SerialBlas();
    ~SerialBlas();
    SerialBlas(const SerialBlas&) = delete;
    SerialBlas& operator=(const SerialBlas&) = delete;
    // Before a library call: if someone else has raised the library's count since the guard
    // started, take it back to one (and keep their count as the user's).
    void keep_serial() const;

  private:
    std::shared_lock<std::shared_mutex> lock_;
};

class BlasTeam {
  public:
    BlasTeam();
    ~BlasTeam();
    BlasTeam(const BlasTeam&) = delete;
    BlasTeam& operator=(const BlasTeam&) = delete;

  private:
    std::unique_lock<std::shared_mutex> lock_;
};

// The count the user set for OpenBLAS (not the temporary count of an active guard).
int blas_threads_setting();
// Set it; while a guard is active it takes effect when the last guard ends.
void set_blas_threads_setting(int n);

}  // namespace isometry::linalg
