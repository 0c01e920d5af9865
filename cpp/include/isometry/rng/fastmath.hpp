#pragma once
// log and sin/cos for the Box–Muller transform, written as plain arithmetic so that
//   * loops over them vectorise (libm calls do not without -ffast-math), and
//   * the very same operations run on CPU and GPU (results agree to rounding; bitwise where
//     the compiler contracts the same multiply–adds).
// Accuracy: a few ulp over the ranges Box–Muller uses (checked against libm in the tests).
#include <cstdint>
#include <cstring>

#include "isometry/core/hostdevice.hpp"

namespace isometry::rng {

ISOMETRY_HD std::uint64_t double_bits(double x) {
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return bits;
}

ISOMETRY_HD double bits_double(std::uint64_t bits) {
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
}

// ln(u) for finite u > 0 (normal numbers). u = m·2^e with m in [√½, √2), so ln u has no
// cancellation near u = 1; ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716, by its odd
// series to s^37 (far below an ulp). Pure integer/float arithmetic without data-dependent
// selects, so loops over it vectorise.
ISOMETRY_HD double log_positive(double u) {
    constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 split so e·kLn2Hi is exact
    constexpr double kLn2Lo = 1.90821492927058770002e-10;
    constexpr std::uint64_t kMantissa = 0x000FFFFFFFFFFFFFull;
    constexpr std::uint64_t kSqrt2Mantissa = 0x6A09E667F3BCDull;  // √2 = 0x3FF6A09E667F3BCD
    const std::uint64_t bits = double_bits(u);
    const std::uint64_t mantissa = bits & kMantissa;
    // 1 when the mantissa is at least √2's (the carry into bit 52), else 0; then halve m.
    const std::uint64_t above = (mantissa + ((kMantissa + 1) - kSqrt2Mantissa)) >> 52;
    const int exponent = static_cast<int>((bits >> 52) & 0x7FF) - 1023 + static_cast<int>(above);
    const double m = bits_double(mantissa | ((0x3FFull - above) << 52));
    const double s = (m - 1.0) / (m + 1.0);
    const double s2 = s * s;
    // atanh(s)/s - 1 = Σ_{k>=1} s^{2k}/(2k+1), Horner in s².
    double p = 1.0 / 37.0;
    p = p * s2 + 1.0 / 35.0;
    p = p * s2 + 1.0 / 33.0;
    p = p * s2 + 1.0 / 31.0;
    p = p * s2 + 1.0 / 29.0;
    p = p * s2 + 1.0 / 27.0;
    p = p * s2 + 1.0 / 25.0;
    p = p * s2 + 1.0 / 23.0;
    p = p * s2 + 1.0 / 21.0;
    p = p * s2 + 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    const double log_m = 2.0 * s + 2.0 * s * s2 * p;
    const double e = static_cast<double>(exponent);
    return e * kLn2Hi + (log_m + e * kLn2Lo);
}

// sin(2πu) and cos(2πu) for u in [0, 1). The reduction is exact: 4u and its rounding are
// exact in binary, so r = u - k/4 in [-1/8, 1/8] carries no error; then Taylor series of
// degree 21/20 in θ = 2πr, |θ| <= π/4, and a quarter-turn rotation by k.
ISOMETRY_HD void sincos_turns(double u, double& sine, double& cosine) {
    constexpr double kTwoPi = 6.283185307179586476925286766559;
    const int k = static_cast<int>(4.0 * u + 0.5);  // round(4u), in 0..4
    const double quarter = static_cast<double>(k);
    const double theta = kTwoPi * (u - 0.25 * quarter);
    const double t2 = theta * theta;
    double s = 1.0 / 51090942171709440000.0;  // 1/21!
    s = s * t2 - 1.0 / 121645100408832000.0;  // 1/19!
    s = s * t2 + 1.0 / 355687428096000.0;     // 1/17!
    s = s * t2 - 1.0 / 1307674368000.0;       // 1/15!
    s = s * t2 + 1.0 / 6227020800.0;          // 1/13!
    s = s * t2 - 1.0 / 39916800.0;            // 1/11!
    s = s * t2 + 1.0 / 362880.0;              // 1/9!
    s = s * t2 - 1.0 / 5040.0;                // 1/7!
    s = s * t2 + 1.0 / 120.0;                 // 1/5!
    s = s * t2 - 1.0 / 6.0;                   // 1/3!
    const double sin_theta = theta + theta * t2 * s;
    double c = 1.0 / 2432902008176640000.0;  // 1/20!
    c = c * t2 - 1.0 / 6402373705728000.0;   // 1/18!
    c = c * t2 + 1.0 / 20922789888000.0;     // 1/16!
    c = c * t2 - 1.0 / 87178291200.0;        // 1/14!
    c = c * t2 + 1.0 / 479001600.0;          // 1/12!
    c = c * t2 - 1.0 / 3628800.0;            // 1/10!
    c = c * t2 + 1.0 / 40320.0;              // 1/8!
    c = c * t2 - 1.0 / 720.0;                // 1/6!
    c = c * t2 + 1.0 / 24.0;                 // 1/4!
    c = c * t2 - 0.5;                        // 1/2!
    const double cos_theta = 1.0 + t2 * c;
    // Rotate by k quarter turns (k = 4 is a full turn).
    // Rotate by k quarter turns: (sin, cos)(θ + kπ/2) = (a s + b c, a c - b s) with
    // (a, b) = (cos kπ/2, sin kπ/2) in {(1,0), (0,1), (-1,0), (0,-1)}; integer arithmetic instead
    // of selects keeps the loop vectorisable, and one of the two products is exactly zero.
    const int odd = k & 1;
    const int sign = 1 - (k & 2);
    const double a = static_cast<double>((1 - odd) * sign);
    const double b = static_cast<double>(odd * sign);
    sine = a * sin_theta + b * cos_theta;
    cosine = a * cos_theta - b * sin_theta;
}

}  // namespace isometry::rng
