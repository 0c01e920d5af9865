#pragma once
// The built-in nonlinearities φ and their derivatives φ'.
//   linear     φ(h) = h
//   tanh       φ(h) = tanh h
//   hard_tanh  φ(h) = clip(h, -1, 1)          φ' = 1 on (-1, 1), else 0
//   relu       φ(h) = max(h, 0)               φ' = 1 for h > 0, else 0
//   erf        φ(h) = erf(√π h / 2)            φ' = exp(-π h² / 4), so φ'(0) = 1 (PSG18)
#include <cmath>
#include <string>

#include "isometry/core/hostdevice.hpp"
#include "isometry/core/names.hpp"

namespace isometry::meanfield {

// Activation is defined with its names in isometry/core/names.hpp.
// "linear", "tanh", ...; throws std::invalid_argument listing the allowed names.
Activation parse_activation(const std::string& name);
std::string activation_name(Activation activation);

// tanh'(h) = sech² h = 4e/(1 + e)², e = exp(−2|h|). Not 1 − tanh² h: that is exactly 0 once
// tanh h rounds to ±1 (|h| > 19.1), where sech² h ≈ 4e^{−2|h|} is still far above the smallest
// double (it underflows only beyond |h| ≈ 372). Relative error a few ulps for every h.
ISOMETRY_HD double tanh_derivative(double h) {
    const double e = std::exp(-2.0 * std::fabs(h));
    const double one_plus_e = 1.0 + e;
    return 4.0 * e / (one_plus_e * one_plus_e);
}

ISOMETRY_HD double phi(Activation a, double h) {
    switch (a) {
        case Activation::linear:
            return h;
        case Activation::tanh:
            return std::tanh(h);
        case Activation::hard_tanh:
            return h < -1.0 ? -1.0 : (h > 1.0 ? 1.0 : h);
        case Activation::relu:
            return h > 0.0 ? h : 0.0;
        case Activation::erf:
            return std::erf(0.88622692545275801365 * h);  // √π / 2
    }
    return 0.0;
}

ISOMETRY_HD double dphi(Activation a, double h) {
    switch (a) {
        case Activation::linear:
            return 1.0;
        case Activation::tanh:
            return tanh_derivative(h);
        case Activation::hard_tanh:
            return (h > -1.0 && h < 1.0) ? 1.0 : 0.0;
        case Activation::relu:
            return h > 0.0 ? 1.0 : 0.0;
        case Activation::erf:
            return std::exp(-0.78539816339744830962 * h * h);  // π / 4
    }
    return 0.0;
}

}  // namespace isometry::meanfield
