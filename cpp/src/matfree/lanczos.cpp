#include "isometry/matfree/lanczos.hpp"
#include "isometry/core/threads.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "isometry/linalg/lapack.hpp"
#include "isometry/rng/fill.hpp"
#include "isometry/rng/signs.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::matfree {
namespace {

constexpr std::int64_t kChunk = 4096;
// Relative size of β (to the largest |α| + β seen) at which the Krylov space counts as closed.
constexpr double kBreakdown = 1e-13;

// y <- y - Σ_i c_i q_i over `count` basis vectors (stride n); each element sums in order i = 0..
void subtract_combination(const double* basis, std::int64_t count, const double* c, std::int64_t n,
                          double* y) {
#pragma omp parallel for num_threads(openmp_team_size()) schedule(static) if (n > kChunk)
    for (std::int64_t i0 = 0; i0 < n; i0 += kChunk) {
        const std::int64_t end = std::min(n, i0 + kChunk);
        for (std::int64_t v = 0; v < count; ++v) {
            const double* q = basis + v * n;
            const double cv = c[v];
#pragma omp simd
            for (std::int64_t i = i0; i < end; ++i) y[i] -= cv * q[i];
        }
    }
}

}  // namespace

// The Gauss rule of T_m (m nodes), or with `radau` the Gauss–Radau rule with a node fixed at 0
// (m + 1 nodes): J Jᵀ is positive semi-definite, so 0 bounds the spectrum from below, and the
// fixed node catches the mass at 0 (zero eigenvalues of hard-tanh/relu nets, or the pile-up
// of tiny ones) that interior Gauss nodes smear over the lowest decades. The Radau rule is
// T_m bordered by β_m and α̃ = δ_m, where T_m δ = β_m² e_m (Golub & Meurant, "Matrices,
// Moments and Quadrature", §6.2); it is exact for degree 2m. Writes m (+ 1) nodes/weights and
// returns how many.
static std::int64_t tridiagonal_quadrature(const double* alpha, const double* beta, std::int64_t m,
                                           bool radau, double* nodes, double* weights) {
    std::int64_t size = m;
    std::vector<double> d(alpha, alpha + m), e(static_cast<std::size_t>(m + 1), 0.0);
    std::copy(beta, beta + m, e.begin());  // e[m-1] = β_m, the residual of the last step
    if (radau && m >= 1 && beta[m - 1] > 0.0) {
        // Thomas algorithm on T_m δ = β_m² e_m. T_m is positive definite unless A has a
        // Ritz value at 0 already (then the Gauss rule has the node there: keep it).
        std::vector<double> c(static_cast<std::size_t>(m)), r(static_cast<std::size_t>(m), 0.0);
        r[static_cast<std::size_t>(m - 1)] = beta[m - 1] * beta[m - 1];
        double pivot = alpha[0];
        bool ok = pivot > 0.0;
        for (std::int64_t i = 0; ok && i < m; ++i) {
            if (i > 0) {
                pivot = alpha[i] - beta[i - 1] * c[static_cast<std::size_t>(i - 1)];
                ok = pivot > 0.0;
                r[static_cast<std::size_t>(i)] -= beta[i - 1] * r[static_cast<std::size_t>(i - 1)];
            }
            if (!ok) break;
            c[static_cast<std::size_t>(i)] = i + 1 < m ? beta[i] / pivot : 0.0;
            r[static_cast<std::size_t>(i)] /= pivot;
        }
        if (ok) {
            // Back substitution is only needed for the last component: δ_m = r_m.
            d.push_back(r[static_cast<std::size_t>(m - 1)]);
            size = m + 1;
        }
    }
    e.resize(static_cast<std::size_t>(size));
    std::vector<double> z(static_cast<std::size_t>(size * size));
    linalg::stev_vectors(static_cast<linalg::blas_int>(size), d.data(), e.data(), z.data(),
                         static_cast<linalg::blas_int>(size));
    for (std::int64_t k = 0; k < size; ++k) {
        nodes[k] = d[static_cast<std::size_t>(k)];
        const double first = z[static_cast<std::size_t>(k * size)];  // first component of vector k
        weights[k] = first * first;
    }
    if (size == m + 1) nodes[0] = 0.0;  // the fixed node: exactly 0 (stev returns it to rounding)
    return size;
}

void probe_quadrature(LanczosResult& out, std::int64_t probe, bool radau) {
    const std::int64_t m = out.steps;
    const std::int64_t slots = m + 1;
    const auto row = static_cast<std::size_t>(probe * m);
    const auto slot = static_cast<std::size_t>(probe * slots);
    const std::int64_t taken = out.steps_taken[static_cast<std::size_t>(probe)];
    // A closed Krylov space (early stop) makes the Gauss rule exact: no Radau node then.
    const std::int64_t used =
        tridiagonal_quadrature(out.alpha.data() + row, out.beta.data() + row, taken, radau && taken == m,
                               out.nodes.data() + slot, out.weights.data() + slot);
    for (std::int64_t k = used; k < slots; ++k)
        out.nodes[slot + static_cast<std::size_t>(k)] = out.nodes[slot + static_cast<std::size_t>(used - 1)];
}

ProbeKind parse_probe(const std::string& name) {
    return names::parse(names::kProbeKinds, "probe", name);
}

void validate(const LanczosConfig& c) {
    if (c.probes < 1)
        throw std::invalid_argument("probes must be a positive integer, got " + std::to_string(c.probes));
    if (c.steps < 1)
        throw std::invalid_argument("steps must be a positive integer, got " + std::to_string(c.steps));
    if (c.probes > 0xFFFFFFFFll) throw std::invalid_argument("probes must be below 2**32");
    if (c.block < 1)
        throw std::invalid_argument("block must be a positive integer, got " + std::to_string(c.block));
    if (c.first_probe < 0 || c.first_probe + c.probes > 0x100000000ll)
        throw std::invalid_argument("first_probe must be in [0, 2**32 - probes], got " +
                                    std::to_string(c.first_probe));
}

std::size_t lanczos_bytes(std::int64_t width, const LanczosConfig& c) {
    const auto n = static_cast<std::size_t>(width);
    const auto block = static_cast<std::size_t>(std::min(c.block, c.probes));
    const std::size_t basis = c.reorthogonalize ? static_cast<std::size_t>(c.steps + 1) : 3;
    return (block * (basis + 3) * n) * sizeof(double);
}

double blocked_dot(const double* a, const double* b, std::int64_t n) {
    const std::int64_t chunks = (n + kChunk - 1) / kChunk;
    std::vector<double> partial(static_cast<std::size_t>(chunks));
#pragma omp parallel for num_threads(openmp_team_size()) schedule(static) if (chunks > 4)
    for (std::int64_t c = 0; c < chunks; ++c) {
        const std::int64_t end = std::min(n, (c + 1) * kChunk);
        double s = 0.0;
#pragma omp simd reduction(+ : s)
        for (std::int64_t i = c * kChunk; i < end; ++i) s += a[i] * b[i];
        partial[static_cast<std::size_t>(c)] = s;
    }
    double sum = 0.0;
    for (double s : partial) sum += s;
    return sum;
}

void probe_vector(std::uint64_t seed, ProbeKind kind, std::int64_t index, std::int64_t n, double* out) {
    const rng::StreamId id{seed, rng::kLanczosProbe, static_cast<std::uint32_t>(index)};
    if (kind == ProbeKind::rademacher) {
        // ±1/√N: unit norm exactly, the Hutchinson estimator with the least variance.
        rng::fill_signs_serial(out, static_cast<std::size_t>(n), id, 0,
                               1.0 / std::sqrt(static_cast<double>(n)));
        return;
    }
    rng::fill_normal_serial(out, static_cast<std::size_t>(n), id, 0, 1.0);
    const double norm = std::sqrt(blocked_dot(out, out, n));
    for (std::int64_t i = 0; i < n; ++i) out[i] /= norm;
}

LanczosResult stochastic_lanczos(const JacobianOperator& op, const LanczosConfig& config,
                                 const Progress& progress) {
    validate(config);
    const std::int64_t n = op.width();
    const std::int64_t m = config.steps;
    const std::int64_t block = std::min(config.block, config.probes);
    const std::int64_t basis_size = config.reorthogonalize ? m + 1 : 3;
    LanczosResult out;
    out.probes = config.probes;
    out.steps = m;
    const auto total = static_cast<std::size_t>(config.probes * m);
    const std::int64_t slots = m + 1;  // room for the Radau node
    out.nodes.assign(static_cast<std::size_t>(config.probes * slots), 0.0);
    out.weights.assign(static_cast<std::size_t>(config.probes * slots), 0.0);
    out.alpha.assign(total, 0.0);
    out.beta.assign(total, 0.0);
    out.steps_taken.assign(static_cast<std::size_t>(config.probes), m);

    const auto un = static_cast<std::size_t>(n);
    std::vector<double> basis(static_cast<std::size_t>(block * basis_size) * un);
    std::vector<double> products(static_cast<std::size_t>(block) * un), scratch;
    std::vector<double> coefficients(static_cast<std::size_t>(basis_size));
    std::vector<std::int64_t> active;
    const std::int64_t blocks = (config.probes + block - 1) / block;

    for (std::int64_t b = 0; b < blocks; ++b) {
        const std::int64_t first = b * block;
        const std::int64_t size = std::min(block, config.probes - first);
        std::vector<double> scale(static_cast<std::size_t>(size), 0.0);  // max |α| + β so far
        std::vector<bool> done(static_cast<std::size_t>(size), false);
        // Basis vector j of probe p: slot j (or j mod 3 without reorthogonalisation).
        const auto vector_of = [&](std::int64_t p, std::int64_t j) {
            return basis.data() + static_cast<std::size_t>(p * basis_size + j % basis_size) * un;
        };
        for (std::int64_t p = 0; p < size; ++p)
            probe_vector(op.config().seed, config.probe, config.first_probe + first + p, n, vector_of(p, 0));

        for (std::int64_t j = 0; j < m; ++j) {
            active.clear();
            for (std::int64_t p = 0; p < size; ++p)
                if (!done[static_cast<std::size_t>(p)]) active.push_back(p);
            if (active.empty()) break;
            const auto k = static_cast<std::int64_t>(active.size());
            for (std::int64_t a = 0; a < k; ++a)
                std::copy(vector_of(active[a], j), vector_of(active[a], j) + n, products.data() + a * n);
            op.apply_transpose(products.data(), k, scratch);  // A q_j = J (Jᵀ q_j)
            op.apply(products.data(), k, scratch);

            for (std::int64_t a = 0; a < k; ++a) {
                const std::int64_t p = active[static_cast<std::size_t>(a)];
                const auto row = static_cast<std::size_t>((first + p) * m);
                double* w = products.data() + a * n;
                const double* q = vector_of(p, j);
                double alpha = blocked_dot(q, w, n);
                if (!std::isfinite(alpha)) {
                    throw std::overflow_error(
                        "J Jᵀ v overflowed in float64 at Lanczos step " + std::to_string(j + 1) +
                        "; the spectrum grows like chi1**(2*depth): lower depth or sigma_w");
                }
                const double beta_prev = j > 0 ? out.beta[row + static_cast<std::size_t>(j - 1)] : 0.0;
                coefficients[0] = alpha;
                subtract_combination(q, 1, coefficients.data(), n, w);
                if (j > 0) {
                    coefficients[0] = beta_prev;
                    subtract_combination(vector_of(p, j - 1), 1, coefficients.data(), n, w);
                }
                if (config.reorthogonalize) {
                    for (int pass = 0; pass < 2; ++pass) {  // CGS2: twice is enough
                        for (std::int64_t i = 0; i <= j; ++i)
                            coefficients[static_cast<std::size_t>(i)] = blocked_dot(vector_of(p, i), w, n);
                        subtract_combination(vector_of(p, 0), j + 1, coefficients.data(), n, w);
                        alpha += coefficients[static_cast<std::size_t>(j)];
                    }
                }
                const double beta = std::sqrt(blocked_dot(w, w, n));
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
                double* next = vector_of(p, j + 1);
                const double inverse = 1.0 / beta;
                for (std::int64_t i = 0; i < n; ++i) next[i] = w[i] * inverse;
            }
            if (progress) progress(b * m + j + 1, blocks * m);
        }
        for (std::int64_t p = 0; p < size; ++p) probe_quadrature(out, first + p, config.radau);
        if (progress) progress((b + 1) * m, blocks * m);
    }
    return out;
}

}  // namespace isometry::matfree
