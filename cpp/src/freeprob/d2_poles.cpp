#include "isometry/freeprob/d2_poles.hpp"

#include <cmath>
#include <stdexcept>

namespace isometry::freeprob {
namespace {

constexpr double kPi = 3.14159265358979323846;
const complex kI(0.0, 1.0);

// Adds the pole z (d'(z) = slope, d''(z) = curvature) unless it is outside the strip/reach or
// already there (roots from different branches of the closed forms can coincide).
void add(complex z, complex slope, complex curvature, double strip, double reach, D2Pole* out, int& count,
         int capacity) {
    if (z.real() < 0.0 || (z.real() == 0.0 && z.imag() < 0.0)) {  // the pair's representative
        z = -z;
        slope = -slope;  // d is even: d' odd, d'' even
    }
    if (!(std::fabs(z.imag()) < strip) || !(z.real() < reach)) return;
    for (int i = 0; i < count; ++i) {
        if (std::abs(out[i].z - z) <= 1e-12 * (1.0 + std::abs(z))) return;
    }
    if (count == capacity) throw std::logic_error("d2_poles: more poles in the strip than capacity");
    out[count++] = {z, slope, curvature};
}

}  // namespace

void d2_value(meanfield::Activation activation, double sqrt_q, complex z, complex& d, complex& d1,
              complex& d2) {
    const double q = sqrt_q * sqrt_q;
    if (activation == meanfield::Activation::erf) {
        // φ(h) = erf(√π h/2): φ'(h) = e^{−πh²/4}, d = e^{−π q z²/2}.
        d = std::exp(-0.5 * kPi * q * z * z);
        d1 = -kPi * q * z * d;
        d2 = (-kPi * q + kPi * kPi * q * q * z * z) * d;
        return;
    }
    if (activation != meanfield::Activation::tanh) throw std::invalid_argument("d2_value: tanh or erf only");
    // d = sech⁴ s, s = √q z: d' = −4√q sech⁴ tanh, d'' = q (16 sech⁴ tanh² − 4 sech⁶).
    const complex s = sqrt_q * z;
    const complex sech = 1.0 / std::cosh(s), t = std::tanh(s);
    const complex sech2 = sech * sech, sech4 = sech2 * sech2;
    d = sech4;
    d1 = -4.0 * sqrt_q * sech4 * t;
    d2 = q * (16.0 * sech4 * t * t - 4.0 * sech4 * sech2);
}

int d2_poles(meanfield::Activation activation, double sqrt_q, complex y, double strip, double reach,
             D2Pole* out, int capacity) {
    int count = 0;
    const double q = sqrt_q * sqrt_q;
    if (activation == meanfield::Activation::erf) {
        // z² = −2 (Log y + 2πi m)/(π q): Im z moves away from 0 as |m| grows, so walk outwards in
        // m from the principal branch until both directions leave the strip. d = y at a root.
        const complex log_y = std::log(y);
        for (int m = 0; m <= 64; ++m) {
            bool inside = false;
            for (int sign : {1, -1}) {
                if (m == 0 && sign < 0) continue;
                const complex z = std::sqrt(-2.0 * (log_y + 2.0 * kPi * kI * double(sign * m)) / (kPi * q));
                inside = inside || std::fabs(z.imag()) < strip;
                add(z, -kPi * q * z * y, (-kPi * q + kPi * kPi * q * q * z * z) * y, strip, reach, out, count,
                    capacity);
            }
            if (!inside && m > 0) break;
        }
        return count;
    }
    if (activation != meanfield::Activation::tanh) throw std::invalid_argument("d2_poles: tanh or erf only");
    // tanh, s = √q z: sech⁴ s = y  <=>  cosh s = i^k c, c = y^{−1/4}, k = 0..3. With r = sinh s =
    // √(cosh² s − 1), e^s = cosh s + r gives s; the roots for k + 2 are those for k shifted by iπ
    // (cosh and sinh change sign together), and ±s + iπn all share tanh² and sech². So two
    // logarithms give every root: ±s_k + iπn, k = 0, 1. In s: d' = −4 y tanh s, d'' = y(16 tanh² s − 4 sech²
    // s).
    const complex c0 = std::pow(y, -0.25);
    const double strip_s = strip * sqrt_q;
    for (const complex c : {c0, kI * c0}) {
        complex r = std::sqrt(c * c - 1.0);
        if (c.real() * r.real() + c.imag() * r.imag() < 0.0) r = -r;  // c + r without cancellation
        const complex s = std::log(c + r), t = r / c, sech2 = 1.0 / (c * c);
        const complex curvature = q * y * (16.0 * t * t - 4.0 * sech2);
        for (int n = -2; n <= 2; ++n) {
            for (double sign : {1.0, -1.0}) {
                const complex root = sign * s + kPi * kI * double(n);
                if (std::fabs(root.imag()) >= strip_s) continue;
                add(root / sqrt_q, -4.0 * sqrt_q * y * sign * t, curvature, strip, reach, out, count,
                    capacity);
            }
        }
    }
    return count;
}

void lattice_error(complex a, double h, complex& e, complex& de) {
    // With w = e^{±2πi a/h} (the sign that makes |w| <= 1): E = ±2πi w/(1 − w) and
    // dE/da = −(4π²/h) w/(1 − w)²; both equal −π cot(πa/h) − iπ sign(Im a) and its derivative.
    const bool upper = a.imag() >= 0.0;
    const complex w = std::exp((upper ? 2.0 : -2.0) * kPi * kI * a / h);
    const complex one_minus = 1.0 - w;
    e = (upper ? 2.0 : -2.0) * kPi * kI * w / one_minus;
    de = -(4.0 * kPi * kPi / h) * w / (one_minus * one_minus);
}

}  // namespace isometry::freeprob
