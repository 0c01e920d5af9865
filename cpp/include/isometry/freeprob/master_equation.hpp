#pragma once
// The master equation of a deep network's J Jᵀ in the branch-free form of docs/theory/freeprob.md:
// with M = zG(z) - 1 and y defined by M_{D²}(y) = M,
//     z = ((1 + M)/M)^{1-L} · (y / S_{WᵀW}(M))^L,
// S_{WᵀW}(M) = σ_w^{-2} (orthogonal) or σ_w^{-2}/(1 + M) (Gaussian). It is solved in log form,
//     Φ(M) = (1-L)[Log(1+M) - Log M] + L[Log y - Log S_W(M)],   Φ(M) = Log z  (mod 2πi),
// which stays well conditioned for L in the thousands (PSG18's polynomial form does not).
// The unknown is y itself: M = M_{D²}(y) and 1 + M are explicit in y, so no inner inversion is
// needed and the singular points (y -> 0 at an atom of D² at 0, M -> -1 at the pile-up of the
// spectrum at 0) are resolved in relative precision.
#include <complex>
#include <string>

#include <string>

#include "isometry/core/names.hpp"
#include "isometry/freeprob/d2_law.hpp"

namespace isometry::freeprob {

// Weights is defined with its names in isometry/core/names.hpp.
Weights parse_weights(const std::string& name);

// A double in six significant digits, for messages.
std::string format_number(double value);

struct LogInverse {
    complex value;                      // Φ = log z at this y
    complex derivative;                 // dΦ/dy
    complex m;                          // M = M_{D²}(y)
    complex one_plus_m;                 // 1 + M
    double magnitude = 0.0;             // Σ |terms| of Φ: its rounding error is about ε·magnitude
    double derivative_magnitude = 0.0;  // Σ |terms| of dΦ/dy, the same for the derivative
};

// What the Stieltjes solver needs from a master equation Φ(y) = Log z: the MLP equation below
// and the residual-network law (exponential_s.hpp) share one solver through this interface.
class MasterEquation {
  public:
    virtual ~MasterEquation() = default;
    // Φ and dΦ/dy at y.
    virtual LogInverse log_inverse(complex y) const = 0;
    // log m₁ of the spectrum: far above it M ≈ m₁/z. Logarithms throughout, so that laws
    // whose scale over- or underflows a double (m₁ = χ₁^L at large depth) are still solved.
    virtual double log_first_moment() const = 0;
    // log of a height Im z from which M ≈ m₁/z holds at Re z = e^t (where walks down start).
    virtual double log_far_height(double t) const = 0;
    // The unknown y at such a far point, given log z.
    virtual complex far_field_y(complex log_z) const = 0;
    // The largest Newton step allowed from y: keeps y off the singular points of Φ.
    virtual double step_limit(complex y) const = 0;
    // The law being solved, with its parameters, for error messages.
    virtual std::string describe() const = 0;
    // Whether Φ is known to full accuracy at this y (a discretised law of D² covers only so
    // much of the way to 0).
    virtual bool resolves(complex) const { return true; }
};

class MlpMasterEquation final : public MasterEquation {
  public:
    MlpMasterEquation(D2Law law, Weights weights, long depth, double sigma_w);

    LogInverse log_inverse(complex y) const override;
    double log_far_height(double t) const override;
    complex far_field_y(complex log_z) const override;
    double step_limit(complex y) const override;
    std::string describe() const override;
    bool resolves(complex y) const override { return law_.resolves(y); }

    const D2Law& law() const { return law_; }
    Weights weights() const { return weights_; }
    long depth() const { return depth_; }
    double sigma_w() const { return sigma_w_; }
    // log m₁ = L log(σ_w² μ₁), the large-|z| behaviour M ≈ m₁/z used to start solves.
    double log_first_moment() const override;

  private:
    D2Law law_;
    Weights weights_;
    long depth_;
    double sigma_w_;
};

}  // namespace isometry::freeprob
