#pragma once
// Moments of J Jᵀ from the composition S_{JJᵀ} = S_{D²}^L S_{WᵀW}^L as power series:
// ψ(x) = Σ m_k x^k, χ = ψ^{-1}, S(z) = (1+z)χ(z)/z (docs/theory/freeprob.md), so
//   χ_{JJᵀ}(z)/z = S_{D²}(z)^L S_W(z)^L / (1 + z),   S_{D²}(z) = (1+z) χ_{D²}(z)/z.
#include <vector>

#include "isometry/freeprob/master_equation.hpp"

namespace isometry::freeprob {

// m_1..m_K of J Jᵀ from μ_1..μ_K of D² (K = mu.size()).
std::vector<double> jacobian_moments(const std::vector<double>& mu, Weights weights, long depth,
                                     double sigma_w);

}  // namespace isometry::freeprob
