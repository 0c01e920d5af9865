#pragma once
// Mean-field forward pass of a residual network (Tarnowski et al. 2019; the model of
// python/isometry/theory/resnet.py): h_l = W_l x_{l-1} + b_l, x_l = x_{l-1} + φ(h_l), with
// W_l,ij ~ N(0, a² σ_w²/N) and b_l,i ~ N(0, σ_b²). Per unit, x_l has mean m_l and second moment
// v_l (φ need not be odd: relu gives x_l a mean), and h_l ~ N(0, q_l):
//   q_l = a² σ_w² v_{l-1} + σ_b²,   m_l = m_{l-1} + E φ(h_l),
//   v_l = v_{l-1} + 2 m_{l-1} E φ(h_l) + E φ(h_l)²,        m_0 = 0, v_0 = input variance.
// The universal spectrum of J Jᵀ depends only on c = a² Σ_l σ_w² E[φ'(h_l)²].
#include <cstdint>
#include <functional>
#include <vector>

#include "isometry/meanfield/nonlinearity.hpp"

namespace isometry::meanfield {

struct ResnetTrajectory {
    double c = 0.0;
    std::vector<double> c2;             // σ_w² E[φ'(h_l)²], l = 1..L
    std::vector<double> q;              // Var h_l
    std::vector<double> mean;           // m_l
    std::vector<double> second_moment;  // v_l
};

// Called after each layer with (layers done, depth); may throw to stop (Ctrl-C).
using LayerProgress = std::function<void(std::int64_t, std::int64_t)>;

// Throws std::invalid_argument for σ_w <= 0, σ_b < 0, depth < 1, residual_scale <= 0 or
// input_variance <= 0 (or non-finite), std::overflow_error naming the layer where q_l stops
// being a finite double. `keep_layers`: false keeps only c (no per-layer vectors).
ResnetTrajectory resnet_trajectory(const Nonlinearity& a, double sigma_w, double sigma_b, std::int64_t depth,
                                   double residual_scale, double input_variance, bool keep_layers = true,
                                   const LayerProgress& progress = nullptr);

struct ResnetSigmaW {
    double sigma_w;
    double c;         // what resnet_trajectory gives at sigma_w
    int evaluations;  // trajectories computed
};

// The σ_w at which resnet_trajectory gives c (> 0): c grows with σ_w. Bracketed by doubling
// σ_w from 1 (up to kResnetMaxSigmaW; lower end 1e-3) and refined by Brent's method on
// log c(σ_w) − log c in t = log σ_w, to 1e-15 relative in σ_w. A trajectory that overflows
// counts as a c far above the target. std::domain_error where c lies outside [c(1e-3),
// c(kResnetMaxSigmaW)].
constexpr double kResnetMinSigmaW = 1e-3;
constexpr double kResnetMaxSigmaW = 1e6;
ResnetSigmaW resnet_sigma_w(const Nonlinearity& a, double c, double sigma_b, std::int64_t depth,
                            double residual_scale, double input_variance,
                            const LayerProgress& progress = nullptr);

}  // namespace isometry::meanfield
