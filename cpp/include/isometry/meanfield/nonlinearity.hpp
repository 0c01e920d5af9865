#pragma once
// Any activation the mean-field functions accept: a built-in one (closed forms where they exist,
// safe to evaluate from OpenMP threads) or a user-defined φ with its derivative φ', given as
// batched callbacks. Callbacks may call into an interpreter (Python), so code handed a custom
// activation evaluates it from the calling thread only.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "isometry/meanfield/activation.hpp"

namespace isometry::meanfield {

struct CustomActivation {
    // out[i] = f(h[i]) for i < n. Batched: one call covers a whole quadrature rule, which keeps
    // an interpreter's per-call overhead off the hot path.
    using Batch = std::function<void(const double* h, double* out, std::size_t n)>;
    Batch phi;
    Batch dphi;
    // The points h where φ' jumps (φ itself continuous); quadrature splits there. Ascending.
    std::vector<double> kinks;
    std::string name = "custom";
};

class Nonlinearity {
  public:
    // Implicit on purpose: every built-in Activation is a Nonlinearity.
    Nonlinearity(Activation builtin);  // NOLINT(google-explicit-constructor)
    // Throws std::invalid_argument for missing callbacks or kinks that are not finite, distinct
    // and ascending.
    explicit Nonlinearity(std::shared_ptr<const CustomActivation> custom);

    bool is_builtin() const { return custom_ == nullptr; }
    Activation builtin() const;  // std::logic_error for a custom activation
    std::string name() const;

    void phi(const double* h, double* out, std::size_t n) const;
    void dphi(const double* h, double* out, std::size_t n) const;
    double phi(double h) const;
    double dphi(double h) const;
    // Where φ' jumps: hard_tanh ±1, relu 0, none for the smooth built-ins.
    const std::vector<double>& kinks() const { return kinks_; }

  private:
    Activation builtin_ = Activation::linear;
    std::shared_ptr<const CustomActivation> custom_;
    std::vector<double> kinks_;
};

}  // namespace isometry::meanfield
