#pragma once
// Stochastic Lanczos quadrature (SLQ) of A = J Jᵀ with products J·X and Jᵀ·X only.
//
// For each probe v (unit norm, Rademacher or Gaussian from stream kLanczosProbe, substream =
// probe index), m Lanczos steps on A give the tridiagonal T_m; its eigenvalues θ_k and the
// squared first components τ_k of its eigenvectors are the m-point Gauss quadrature of the
// probe's spectral measure μ_v = Σ_i (vᵀu_i)² δ(λ_i): Σ_k τ_k f(θ_k) = vᵀ f(A) v exactly for
// polynomials f of degree <= 2m - 1, and E_v μ_v is the spectral measure of A.
//
// Probes of one block run in lockstep so one layer product serves all of them (this is what
// makes regenerated Gaussian weights affordable: N² normals per product whatever the block
// size). Full reorthogonalisation (classical Gram–Schmidt, twice) against the stored basis
// keeps the quadrature free of ghost copies; its cost, O(m² N) per probe, is small next to the
// 2L layer products per step. Dot products are sums over fixed chunks added in a fixed order,
// so the result is bitwise identical for any thread count and any block size.
#include <cstdint>
#include <vector>

#include "isometry/matfree/jacobian_operator.hpp"

namespace isometry::matfree {

// ProbeKind is defined with its names in isometry/core/names.hpp.
ProbeKind parse_probe(const std::string& name);

struct LanczosConfig {
    std::int64_t probes = 8;
    std::int64_t steps = 60;
    ProbeKind probe = ProbeKind::rademacher;
    bool reorthogonalize = true;
    bool radau = true;       // Gauss–Radau rule with a node fixed at 0 (else plain Gauss)
    std::int64_t block = 8;  // probes run in lockstep
    // Index of the first probe: probes first_probe .. first_probe + probes - 1 are run, so a
    // set of probes can be split over processes and merged with the same bits.
    std::int64_t first_probe = 0;
};

void validate(const LanczosConfig& config);

// Bytes the Lanczos vectors of one block take (basis, block of products, scratch).
std::size_t lanczos_bytes(std::int64_t width, const LanczosConfig& config);

struct LanczosResult {
    std::int64_t probes = 0;
    std::int64_t steps = 0;
    // probes x (steps + 1), probe-major: quadrature nodes ascending and their weights (sum 1).
    // Gauss–Radau: node 0 is the fixed node at 0. Unused slots (plain Gauss, or a probe whose
    // Krylov space closed early: β below 1e-13·|T|) have weight 0.
    std::vector<double> nodes, weights;
    std::vector<double> alpha, beta;  // probes x steps: T per probe (β_m is the last residual)
    std::vector<std::int64_t> steps_taken;
};

// Fills probe `probe`'s nodes/weights from its α, β and steps_taken (Gauss, or Gauss–Radau
// when `radau` and the probe ran all steps); unused slots repeat the last node with weight 0.
// Shared by the CPU and GPU Lanczos loops so both return the same structure.
void probe_quadrature(LanczosResult& out, std::int64_t probe, bool radau);

// progress(done, total) after each step of each block, total = blocks · steps.
LanczosResult stochastic_lanczos(const JacobianOperator& op, const LanczosConfig& config,
                                 const Progress& progress);

// The unit start vector of probe `index` (length n), as stochastic_lanczos draws it.
void probe_vector(std::uint64_t seed, ProbeKind kind, std::int64_t index, std::int64_t n, double* out);

// Σ a_i b_i over fixed chunks of 4096 added in order: the same bits for any thread count.
double blocked_dot(const double* a, const double* b, std::int64_t n);

}  // namespace isometry::matfree
