#pragma once
// The universal spectral law of J Jᵀ for deep residual networks (Tarnowski et al. 2019,
// THEORY.md §7): S_{JJᵀ}(z) = exp(−c(1 + 2z)), i.e. with M = zG(z) − 1
//     z = ((1 + M)/M) · exp(c(1 + 2M)),
// solved in log form Φ(M) = Log(1 + M) − Log M + c(1 + 2M) = Log z by the same Stieltjes solver
// as the MLP master equation (the unknown y is M itself). Edges in closed form: Φ'(M) = 0 at
// M± = (−1 ± √(1 + 2/c))/2. Moments from the S-transform as power series (m₁ = e^c,
// m₂ − m₁² = 2c·e^{2c}).
#include <vector>

#include "isometry/freeprob/density.hpp"
#include "isometry/freeprob/master_equation.hpp"

namespace isometry::freeprob {

class ResnetMasterEquation final : public MasterEquation {
public:
    explicit ResnetMasterEquation(double c);

    LogInverse log_inverse(complex y) const override;
    double first_moment() const override;
    double far_height(double x) const override;
    complex far_field_y(complex z) const override;
    double step_limit(complex y) const override;

    double c() const { return c_; }
    // z at the critical points M± (the lower and upper edge of the support).
    double lower_edge() const;
    double upper_edge() const;

private:
    double c_;
};

// The density on `x` (or, if empty, on `points` grid points clustered at both square-root
// edges; log-spaced when the support spans more than two decades). No atoms.
Density resnet_density(const ResnetMasterEquation& eq, std::vector<double> x, int points);

// m_1..m_order of the law.
std::vector<double> resnet_moments(double c, int order);

}  // namespace isometry::freeprob
