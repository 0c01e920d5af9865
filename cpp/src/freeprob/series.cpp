#include "isometry/freeprob/series.hpp"

#include <stdexcept>

namespace isometry::freeprob {

Series multiply(const Series& a, const Series& b) {
    const std::size_t n = a.size();
    Series out(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] == 0.0) continue;
        for (std::size_t j = 0; i + j < n; ++j) out[i + j] += a[i] * b[j];
    }
    return out;
}

Series power(const Series& a, long n) {
    if (n < 0) throw std::invalid_argument("power: negative exponent");
    Series result(a.size(), 0.0);
    result[0] = 1.0;
    Series base = a;
    while (n > 0) {
        if (n & 1) result = multiply(result, base);
        n >>= 1;
        if (n > 0) base = multiply(base, base);
    }
    return result;
}

Series reversion(const Series& f) {
    const std::size_t n = f.size();
    if (n < 2 || f[0] != 0.0 || f[1] == 0.0) {
        throw std::invalid_argument("reversion: need f(0) = 0 and f'(0) != 0");
    }
    // Coefficient by coefficient: the w^k coefficient of f(g(w)) is f[1] g[k] plus terms that
    // involve only g[1..k-1]; setting it to [k == 1] gives g[k].
    Series g(n, 0.0);
    g[1] = 1.0 / f[1];
    for (std::size_t k = 2; k < n; ++k) {
        // Σ_{j>=2} f[j] (g^j)[k], with g^j built from the known coefficients (g[k] = 0 still).
        double rest = 0.0;
        Series g_power = g;  // g^1
        for (std::size_t j = 2; j <= k; ++j) {
            g_power = multiply(g_power, g);
            rest += f[j] * g_power[k];
        }
        g[k] = -rest / f[1];
    }
    return g;
}

}  // namespace isometry::freeprob
