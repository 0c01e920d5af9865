#include "isometry/meanfield/nonlinearity.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace isometry::meanfield {

Nonlinearity::Nonlinearity(Activation builtin) : builtin_(builtin) {
    if (builtin == Activation::relu) kinks_ = {0.0};
    if (builtin == Activation::hard_tanh) kinks_ = {-1.0, 1.0};
}

Nonlinearity::Nonlinearity(std::shared_ptr<const CustomActivation> custom) : custom_(std::move(custom)) {
    if (!custom_ || !custom_->phi || !custom_->dphi) {
        throw std::invalid_argument("custom activation: phi and dphi must both be given");
    }
    for (std::size_t i = 0; i < custom_->kinks.size(); ++i) {
        const double k = custom_->kinks[i];
        if (!std::isfinite(k)) throw std::invalid_argument("custom activation: kinks must be finite");
        if (i > 0 && !(k > custom_->kinks[i - 1])) {
            throw std::invalid_argument("custom activation: kinks must be distinct and ascending");
        }
    }
    kinks_ = custom_->kinks;
}

Activation Nonlinearity::builtin() const {
    if (custom_) throw std::logic_error("Nonlinearity::builtin called on a custom activation");
    return builtin_;
}

std::string Nonlinearity::name() const {
    return custom_ ? custom_->name : activation_name(builtin_);
}

void Nonlinearity::phi(const double* h, double* out, std::size_t n) const {
    if (custom_) {
        custom_->phi(h, out, n);
        return;
    }
    for (std::size_t i = 0; i < n; ++i) out[i] = meanfield::phi(builtin_, h[i]);
}

void Nonlinearity::dphi(const double* h, double* out, std::size_t n) const {
    if (custom_) {
        custom_->dphi(h, out, n);
        return;
    }
    for (std::size_t i = 0; i < n; ++i) out[i] = meanfield::dphi(builtin_, h[i]);
}

double Nonlinearity::phi(double h) const {
    double out;
    phi(&h, &out, 1);
    return out;
}

double Nonlinearity::dphi(double h) const {
    double out;
    dphi(&h, &out, 1);
    return out;
}

}  // namespace isometry::meanfield
