#pragma once
// Spectral laws whose S-transform is an exponential, S(z) = exp(−a − b z) (a >= 0, b > 0). With
// M = zG(z) − 1 the master equation is explicit,
//     z = ((1 + M)/M) · exp(a + b M),
// solved in log form Φ(M) = Log(1 + M) − Log M + a + b M = Log z by the same Stieltjes solver as
// the MLP master equation (the unknown y is M itself). Edges in closed form: Φ'(M) = 0 at
// M± = (−1 ± √(1 + 4/b))/2, both square-root edges; no atoms. Moments from the S-transform as
// power series (m₁ = e^a).
//
// Two members of the family appear in the seeds:
//   * residual networks (Tarnowski et al. 2019, docs/theory/resnet.md): a = c, b = 2c;
//   * the smooth-activation universality class of PSG18 §5 (the L → ∞ limit at fixed
//     σ₀² = var(JJᵀ), orthogonal weights): a = 0, b = σ₀².
#include <vector>

#include "isometry/freeprob/density.hpp"
#include "isometry/freeprob/master_equation.hpp"

namespace isometry::freeprob {

class ExponentialSEquation : public MasterEquation {
  public:
    ExponentialSEquation(double a, double b);

    LogInverse log_inverse(complex y) const override;
    double log_first_moment() const override;
    double log_far_height(double t) const override;
    complex far_field_y(complex log_z) const override;
    double step_limit(complex y) const override;
    std::string describe() const override;

    double a() const { return a_; }
    double b() const { return b_; }
    // z at the critical points M± (the lower and upper edge of the support).
    double lower_edge() const;
    double upper_edge() const;

  private:
    double a_, b_;
};

// The residual-network law: a = c, b = 2c.
class ResnetMasterEquation final : public ExponentialSEquation {
  public:
    explicit ResnetMasterEquation(double c);
    double c() const { return a(); }
    std::string describe() const override;
};

// The density on `x` (or, if empty, on `points` grid points clustered at both square-root
// edges; log-spaced when the support spans more than two decades). No atoms.
Density exponential_s_density(const ExponentialSEquation& eq, std::vector<double> x, int points);
inline Density resnet_density(const ResnetMasterEquation& eq, std::vector<double> x, int points) {
    return exponential_s_density(eq, std::move(x), points);
}

// m_1..m_order of the law.
std::vector<double> exponential_s_moments(double a, double b, int order);
std::vector<double> resnet_moments(double c, int order);

}  // namespace isometry::freeprob
