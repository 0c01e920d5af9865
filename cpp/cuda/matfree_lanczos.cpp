// The Lanczos loop of matfree::stochastic_lanczos (cpp/src/matfree/lanczos.cpp) with the vectors
// on the device: the same probes, the same three-term recurrence with CGS2 reorthogonalisation,
// the same breakdown rule and quadrature. Dot products are fixed-tree reductions on the device
// (deterministic, equal to the CPU's blocked sums to rounding).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "isometry/cuda/matfree.hpp"
#include "isometry/cuda/matfree_kernels.hpp"

namespace isometry::cuda {
namespace {

constexpr double kBreakdown = 1e-13;  // as on the CPU

double dot(const double* a, const double* b, std::int64_t n, double* scratch, Stream stream) {
    column_dots(a, 1, n, b, scratch, stream);
    double value = 0.0;
    copy_to_host(&value, scratch, sizeof value, stream);
    return value;
}

}  // namespace

matfree::LanczosResult stochastic_lanczos(const DeviceJacobianOperator& op,
                                          const matfree::LanczosConfig& config,
                                          const matfree::Progress& progress) {
    matfree::validate(config);
    const Stream stream = op.stream();
    const std::int64_t n = op.width();
    const std::int64_t m = config.steps;
    const std::int64_t block = std::min(config.block, config.probes);
    const std::int64_t basis_size = config.reorthogonalize ? m + 1 : 3;
    matfree::LanczosResult out;
    out.probes = config.probes;
    out.steps = m;
    const auto total = static_cast<std::size_t>(config.probes * m);
    const std::int64_t slots = m + 1;
    out.nodes.assign(static_cast<std::size_t>(config.probes * slots), 0.0);
    out.weights.assign(static_cast<std::size_t>(config.probes * slots), 0.0);
    out.alpha.assign(total, 0.0);
    out.beta.assign(total, 0.0);
    out.steps_taken.assign(static_cast<std::size_t>(config.probes), m);

    const auto un = static_cast<std::size_t>(n);
    DeviceBuffer basis(static_cast<std::size_t>(block * basis_size) * un * sizeof(double), stream);
    DeviceBuffer products(static_cast<std::size_t>(block) * un * sizeof(double), stream);
    DeviceBuffer coefficients(static_cast<std::size_t>(basis_size + 1) * sizeof(double), stream);
    double* c = coefficients.as<double>();
    std::vector<double> host(un);
    std::vector<std::int64_t> active;
    const std::int64_t blocks = (config.probes + block - 1) / block;

    for (std::int64_t b = 0; b < blocks; ++b) {
        const std::int64_t first = b * block;
        const std::int64_t size = std::min(block, config.probes - first);
        std::vector<double> scale(static_cast<std::size_t>(size), 0.0);
        std::vector<bool> done(static_cast<std::size_t>(size), false);
        const auto vector_of = [&](std::int64_t p, std::int64_t j) {
            return basis.as<double>() + static_cast<std::size_t>(p * basis_size + j % basis_size) * un;
        };
        for (std::int64_t p = 0; p < size; ++p) {
            matfree::probe_vector(op.config().seed, config.probe, config.first_probe + first + p, n,
                                  host.data());
            copy_to_device(vector_of(p, 0), host.data(), un * sizeof(double), stream);
        }
        for (std::int64_t j = 0; j < m; ++j) {
            active.clear();
            for (std::int64_t p = 0; p < size; ++p)
                if (!done[static_cast<std::size_t>(p)]) active.push_back(p);
            if (active.empty()) break;
            const auto k = static_cast<std::int64_t>(active.size());
            double* w_block = products.as<double>();
            for (std::int64_t a = 0; a < k; ++a)
                copy_on_device(w_block + a * n, vector_of(active[static_cast<std::size_t>(a)], j),
                               un * sizeof(double), stream);
            op.apply_transpose(w_block, k);  // A q_j = J (Jᵀ q_j)
            op.apply(w_block, k);

            for (std::int64_t a = 0; a < k; ++a) {
                const std::int64_t p = active[static_cast<std::size_t>(a)];
                const auto row = static_cast<std::size_t>((first + p) * m);
                double* w = w_block + a * n;
                const double* q = vector_of(p, j);
                double alpha = dot(q, w, n, c, stream);
                if (!std::isfinite(alpha)) {
                    throw std::overflow_error(
                        "J Jᵀ v overflowed in float64 at Lanczos step " + std::to_string(j + 1) +
                        "; the spectrum grows like chi1**(2*depth): lower depth or sigma_w");
                }
                const double beta_prev = j > 0 ? out.beta[row + static_cast<std::size_t>(j - 1)] : 0.0;
                subtract_scaled(alpha, q, w, n, stream);
                if (j > 0) subtract_scaled(beta_prev, vector_of(p, j - 1), w, n, stream);
                if (config.reorthogonalize) {
                    for (int pass = 0; pass < 2; ++pass) {  // CGS2
                        column_dots(vector_of(p, 0), j + 1, n, w, c, stream);
                        subtract_columns(vector_of(p, 0), j + 1, n, c, w, stream);
                        double correction = 0.0;
                        copy_to_host(&correction, c + j, sizeof correction, stream);
                        alpha += correction;
                    }
                }
                const double beta = std::sqrt(dot(w, w, n, c, stream));
                out.alpha[row + static_cast<std::size_t>(j)] = alpha;
                out.beta[row + static_cast<std::size_t>(j)] = beta;
                double& s = scale[static_cast<std::size_t>(p)];
                s = std::max(s, std::abs(alpha) + beta);
                if (beta <= kBreakdown * s || j + 1 == m) {
                    if (j + 1 < m) {
                        done[static_cast<std::size_t>(p)] = true;
                        out.steps_taken[static_cast<std::size_t>(first + p)] = j + 1;
                    }
                    continue;
                }
                scale_into(vector_of(p, j + 1), w, 1.0 / beta, n, stream);
            }
            if (progress) progress(b * m + j + 1, blocks * m);
        }
        for (std::int64_t p = 0; p < size; ++p) matfree::probe_quadrature(out, first + p, config.radau);
        if (progress) progress((b + 1) * m, blocks * m);
    }
    return out;
}

}  // namespace isometry::cuda
