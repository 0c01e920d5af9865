#include "isometry/meanfield/gauss_hermite.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "isometry/linalg/lapack.hpp"

namespace isometry::meanfield {
namespace {

GaussHermiteRule golub_welsch(int n) {
    // He_{k+1}(x) = x He_k(x) - k He_{k-1}(x): Jacobi matrix with zero diagonal and
    // off-diagonal sqrt(k), k = 1..n-1; weights are squared first eigenvector components.
    std::vector<double> diagonal(static_cast<std::size_t>(n), 0.0);
    std::vector<double> off(static_cast<std::size_t>(n > 1 ? n - 1 : 1), 0.0);
    for (int k = 1; k < n; ++k) off[static_cast<std::size_t>(k - 1)] = std::sqrt(double(k));
    std::vector<double> vectors(static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
    linalg::stev_vectors(n, diagonal.data(), off.data(), vectors.data(), n);
    GaussHermiteRule rule;
    rule.nodes = diagonal;
    rule.weights.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const double first = vectors[static_cast<std::size_t>(i) * static_cast<std::size_t>(n)];
        rule.weights[static_cast<std::size_t>(i)] = first * first;
    }
    // Symmetrise: the rule is exactly symmetric, the eigensolver only to rounding.
    for (int i = 0; i < n / 2; ++i) {
        auto a = static_cast<std::size_t>(i), b = static_cast<std::size_t>(n - 1 - i);
        const double x = 0.5 * (rule.nodes[b] - rule.nodes[a]);
        const double w = 0.5 * (rule.weights[a] + rule.weights[b]);
        rule.nodes[a] = -x;
        rule.nodes[b] = x;
        rule.weights[a] = rule.weights[b] = w;
    }
    if (n % 2 == 1) rule.nodes[static_cast<std::size_t>(n / 2)] = 0.0;
    return rule;
}

}  // namespace

const GaussHermiteRule& gauss_hermite(int n) {
    if (n < 1 || n > 4000) {
        throw std::invalid_argument("gauss_hermite: nodes must be in [1, 4000], got " + std::to_string(n));
    }
    static std::mutex mutex;
    static std::map<int, std::unique_ptr<GaussHermiteRule>> cache;
    std::lock_guard<std::mutex> lock(mutex);
    auto& slot = cache[n];
    if (!slot) slot = std::make_unique<GaussHermiteRule>(golub_welsch(n));
    return *slot;
}

}  // namespace isometry::meanfield
