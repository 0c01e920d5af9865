#include "isometry/meanfield/resnet.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "isometry/core/brent.hpp"
#include "isometry/meanfield/activation_moments.hpp"

namespace isometry::meanfield {
namespace {

void require(bool ok, const char* name, const char* allowed, double value) {
    if (ok) return;
    std::ostringstream msg;
    msg << name << " must be " << allowed << ", got " << value;
    throw std::invalid_argument(msg.str());
}

}  // namespace

ResnetTrajectory resnet_trajectory(const Nonlinearity& a, double sigma_w, double sigma_b, std::int64_t depth,
                                   double residual_scale, double input_variance, bool keep_layers,
                                   const LayerProgress& progress) {
    require(sigma_w > 0.0 && std::isfinite(sigma_w), "sigma_w", "positive and finite", sigma_w);
    require(sigma_b >= 0.0 && std::isfinite(sigma_b), "sigma_b", "non-negative and finite", sigma_b);
    require(depth >= 1, "depth", "a positive integer", static_cast<double>(depth));
    require(residual_scale > 0.0 && std::isfinite(residual_scale), "residual_scale", "positive and finite",
            residual_scale);
    require(input_variance > 0.0 && std::isfinite(input_variance), "input_variance", "positive and finite",
            input_variance);
    ResnetTrajectory out;
    if (keep_layers) {
        for (auto* v : {&out.c2, &out.q, &out.mean, &out.second_moment})
            v->reserve(static_cast<std::size_t>(depth));
    }
    const double vw = sigma_w * sigma_w, scaled_vw = residual_scale * residual_scale * vw,
                 vb = sigma_b * sigma_b;
    double m = 0.0, v = input_variance, sum_c2 = 0.0;
    for (std::int64_t layer = 0; layer < depth; ++layer) {
        const double q = scaled_vw * v + vb;
        if (!std::isfinite(q) || !std::isfinite(sum_c2)) {
            throw std::overflow_error("the mean-field signal overflowed at layer " +
                                      std::to_string(layer + 1) + "; lower sigma_w, sigma_b or depth");
        }
        if (!(q > 0.0)) {
            throw std::underflow_error("the mean-field signal underflowed to 0 at layer " +
                                       std::to_string(layer + 1) + "; raise sigma_w or input_variance");
        }
        const double mean_phi = first_moment(a, q);
        const double second_phi = second_moment(a, q);
        const double c2 = vw * derivative_moment(a, q, 1);
        v = v + 2.0 * m * mean_phi + second_phi;
        m = m + mean_phi;
        sum_c2 += c2;
        if (keep_layers) {
            out.c2.push_back(c2);
            out.q.push_back(q);
            out.mean.push_back(m);
            out.second_moment.push_back(v);
        }
        if (progress) progress(layer + 1, depth);
    }
    // Summed in layer order, as the per-layer values would be: the same c with or without them.
    out.c = residual_scale * residual_scale * sum_c2;
    if (!std::isfinite(out.c))
        throw std::overflow_error("the ResNet parameter c overflowed; lower sigma_w or depth");
    return out;
}

ResnetSigmaW resnet_sigma_w(const Nonlinearity& a, double c, double sigma_b, std::int64_t depth,
                            double residual_scale, double input_variance, const LayerProgress& progress) {
    require(c > 0.0 && std::isfinite(c), "c", "positive and finite", c);
    int evaluations = 0;
    // c at σ_w, +inf where the signal overflows (a c far above any target).
    auto parameter = [&](double sigma_w) {
        ++evaluations;
        try {
            return resnet_trajectory(a, sigma_w, sigma_b, depth, residual_scale, input_variance, false,
                                     progress)
                .c;
        } catch (const std::overflow_error&) {
            return std::numeric_limits<double>::infinity();
        }
    };
    const double log_c = std::log(c);
    // log c(e^t) − log c, clamped so that Brent's interpolation stays finite.
    auto f = [&](double t) {
        const double value = parameter(std::exp(t));
        if (!(value > 0.0)) return -1e300;
        return std::isfinite(value) ? std::log(value) - log_c : 1e300;
    };
    std::ostringstream where;
    where << " for activation " << a.name() << " at depth " << depth << ", sigma_b = " << sigma_b;
    double lo = kResnetMinSigmaW, hi = 1.0;
    double f_hi = f(std::log(hi));
    while (f_hi < 0.0) {
        lo = hi;
        hi *= 2.0;
        if (hi > kResnetMaxSigmaW) {
            std::ostringstream msg;
            msg << "no sigma_w below " << kResnetMaxSigmaW << " reaches c = " << c << where.str();
            throw std::domain_error(msg.str());
        }
        f_hi = f(std::log(hi));
    }
    if (lo == kResnetMinSigmaW && f(std::log(lo)) > 0.0) {
        std::ostringstream msg;
        msg << "c = " << c << " is below what sigma_w = " << kResnetMinSigmaW << " gives" << where.str();
        throw std::domain_error(msg.str());
    }
    const RootResult root = brent_root(f, std::log(lo), std::log(hi), 1e-15);
    const double sigma_w = std::exp(root.x);
    return ResnetSigmaW{sigma_w, parameter(sigma_w), evaluations};
}

}  // namespace isometry::meanfield
