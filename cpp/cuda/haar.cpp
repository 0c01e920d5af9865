#include "isometry/cuda/haar.hpp"

#include <stdexcept>

#include "isometry/cuda/dense.hpp"
#include "isometry/cuda/kernels.hpp"

namespace isometry::cuda {

std::size_t haar_extra_bytes(std::int64_t n, std::int64_t m, std::size_t element_size) {
    // tau (m) + orgqr workspace (about 64·n elements on current cuSOLVER) + slack for the pool.
    return (static_cast<std::size_t>(m) + 128 * static_cast<std::size_t>(n)) * element_size +
           (std::size_t(4) << 20);
}

template <typename T>
void haar_orthogonal_columns(std::int64_t n, std::int64_t m, rng::StreamId id, T* q, std::int64_t ldq,
                             Stream stream) {
    if (n < 1 || m < 1 || m > n) throw std::invalid_argument("haar_orthogonal_columns: need n >= m >= 1");
    if (ldq < n) throw std::invalid_argument("haar_orthogonal_columns: need ldq >= n");
    DenseSolver solver(stream);
    DeviceBuffer tau(static_cast<std::size_t>(m) * sizeof(T), stream);
    haar_reflectors<T>(n, m, id, q, ldq, tau.as<T>(), stream);
    solver.orgqr<T>(n, m, m, q, ldq, tau.as<T>());  // waits for the result (checks devInfo)
}

template void haar_orthogonal_columns<double>(std::int64_t, std::int64_t, rng::StreamId, double*,
                                              std::int64_t, Stream);
template void haar_orthogonal_columns<float>(std::int64_t, std::int64_t, rng::StreamId, float*, std::int64_t,
                                             Stream);

}  // namespace isometry::cuda
