#pragma once
// Exact finite-width Monte Carlo of the input–output Jacobian of a deep fully connected network
// at initialisation (PSG17/PSG18 conventions):
//   h_l = W_l x_{l-1} + b_l,  x_l = φ(h_l),  D_l = diag φ'(h_l),  J = D_L W_L ... D_1 W_1,
//   W_l = σ_w Q_l (Q_l Haar) or W_l,ij ~ N(0, σ_w²/N),  b_l,i ~ N(0, σ_b²),
//   x_0 Gaussian direction scaled so that σ_w² ||x_0||²/N + σ_b² = q0.
// Returns all N eigenvalues of J Jᵀ (ascending).
//
// Residual networks (architecture = resnet; Tarnowski et al. 2019, docs/theory/resnet.md):
//   h_l = W_l x_{l-1} + b_l,  x_l = x_{l-1} + φ(h_l),  J = (1 + D_L W_L) ... (1 + D_1 W_1),
//   W_l = a σ_w Q_l or W_l,ij ~ N(0, a² σ_w²/N) with a = residual_scale (a = 1/√L gives the
//   large-depth limit), drawn from the same streams as the MLP layers (so W_l is a times the
//   MLP's W_l for the same seed); q0 is again the variance of h_1: a²σ_w²||x_0||²/N + σ_b² = q0.
//   Both ensembles apply W_l to a copy of [J | x] (ormqr or GEMM) and add D_l W_l [J | x].
//
// How J is built (measured to pay, see benchmarks/compare.py):
//   * orthogonal layers are never formed: Q_l is drawn in Householder form (haar.hpp) and
//     applied to [J | x] with blocked ormqr (GEMM-rich, 2N³ flops per layer, same as one GEMM);
//   * the first orthogonal factor is dropped: J Jᵀ = M Q_1 Q_1ᵀ Mᵀ = M Mᵀ with M = J Q_1ᵀ,
//     so the product starts from the diagonal σ_w D_1 (Q_1 is still used for h_1);
//   * D_l is applied as a row scaling fused with the forward pass, the input vector riding as
//     an extra column of the product so one BLAS call per layer serves both.
#include <cstdint>
#include <functional>
#include <vector>

#include "isometry/linalg/lapack.hpp"
#include "isometry/meanfield/activation.hpp"

namespace isometry::jacobian {

// WeightEnsemble and SpectrumMethod are defined with their names in isometry/core/names.hpp.
enum class Architecture { mlp, resnet };

WeightEnsemble parse_weights(const std::string& name);
SpectrumMethod parse_method(const std::string& name);

struct NetworkConfig {
    std::int64_t width = 0;
    std::int64_t depth = 0;
    meanfield::Activation activation = meanfield::Activation::tanh;
    WeightEnsemble weights = WeightEnsemble::orthogonal;
    double sigma_w = 1.0;
    double sigma_b = 0.0;
    double q0 = 1.0;  // variance of the first pre-activations; >= σ_b²
    Architecture architecture = Architecture::mlp;
    double residual_scale = 1.0;  // resnet only: a in W_l = a·(MLP weights)
    std::uint64_t seed = 0;
};

struct SpectrumResult {
    std::vector<double> eigenvalues;      // of J Jᵀ, ascending
    std::vector<double> singular_values;  // of J, ascending (√ of clipped eigenvalues for eigh)
    std::vector<double> q;                // empirical q^l = ||h_l||² / N, l = 1..L
    std::int64_t zero_derivatives = 0;    // Σ_l #{i : φ'(h_l,i) = 0}
    std::vector<double> c2;               // resnet only: c₂^l = σ_w² Σ_i φ'(h_l,i)²/N, l = 1..L
};

// Buffers reused between calls so hot loops do not pay for fresh allocations.
template <typename T>
struct JacobianWorkspace {
    std::vector<T> product;  // N x (N+1): J and the forward vector x as last column
    std::vector<T> weights;  // N x N: reflectors / Gaussian weights, then J Jᵀ
    std::vector<T> next;     // N x (N+1): GEMM output for Gaussian layers, W_l [J | x] for resnets
    std::vector<T> tau;
    linalg::Workspace<T> lapack;
    std::size_t bytes() const;
    void release();
};

// Bytes the buffers of one call need (excluding O(N) vectors and LAPACK workspace).
std::size_t jacobian_workspace_bytes(const NetworkConfig& config, SpectrumMethod method,
                                     std::size_t element_size);

// progress(done, total) is called after each layer and after the eigensolve (total = L + 1),
// from the calling thread; it may throw to abort.
using Progress = std::function<void(std::int64_t, std::int64_t)>;

template <typename T>
SpectrumResult jacobian_spectrum(const NetworkConfig& config, SpectrumMethod method,
                                 JacobianWorkspace<T>& workspace, const Progress& progress);

}  // namespace isometry::jacobian
