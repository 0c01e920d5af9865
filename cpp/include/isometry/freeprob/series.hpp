#pragma once
// Truncated power series with real coefficients, c[0] + c[1] z + ... + c[K] z^K, for the
// moment side of free probability (S-transforms near z = 0).
#include <vector>

namespace isometry::freeprob {

using Series = std::vector<double>;  // all series of one computation share the same length K+1

Series multiply(const Series& a, const Series& b);
// a^n for a[0] != 0, by repeated squaring.
Series power(const Series& a, long n);
// The compositional inverse g of f (f[0] = 0, f[1] != 0): f(g(w)) = w + O(w^{K+1}).
Series reversion(const Series& f);

}  // namespace isometry::freeprob
