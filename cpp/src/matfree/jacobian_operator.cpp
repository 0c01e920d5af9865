#include "isometry/matfree/jacobian_operator.hpp"
#include "isometry/core/threads.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "isometry/ensembles/haar.hpp"
#include "isometry/matfree/layer_products.hpp"
#include "isometry/matfree/walsh_hadamard.hpp"
#include "isometry/rng/fill.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::matfree {
namespace {

rng::StreamId layer_stream(const OperatorConfig& c, rng::Stream stream, std::int64_t layer) {
    return {c.seed, stream, static_cast<std::uint32_t>(layer)};
}

}  // namespace

// x_0 exactly as jacobian_spectrum draws it: r·g/|g|·√N, g ~ N(0, I) from kNetworkInput, with
// σ_w² r² + σ_b² = q0 so the first pre-activations have variance q0.
std::vector<double> input_vector(const OperatorConfig& c) {
    const auto n = static_cast<std::size_t>(c.width);
    std::vector<double> x(n);
    rng::fill_normal_serial(x.data(), n, {c.seed, rng::kNetworkInput, 0}, 0, 1.0);
    double norm_sq = 0.0;
    for (double v : x) norm_sq += v * v;
    const double rms = std::sqrt((c.q0 - c.sigma_b * c.sigma_b) / (c.sigma_w * c.sigma_w));
    const double factor = norm_sq > 0.0 ? rms * std::sqrt(static_cast<double>(n) / norm_sq) : 0.0;
    for (double& v : x) v *= factor;
    return x;
}

double forward_activation(const OperatorConfig& c, std::int64_t layer, double* x, double* d,
                          std::vector<double>& bias, std::int64_t& zeros) {
    const auto un = static_cast<std::size_t>(c.width);
    bias.resize(un);
    rng::fill_normal_serial(bias.data(), un, layer_stream(c, rng::kLayerBias, layer), 0, c.sigma_b);
    double sum_sq = 0.0;  // serial: the same float64 sum for any thread count
    for (std::size_t i = 0; i < un; ++i) {
        const double h = x[i] + bias[i];
        sum_sq += h * h;
        d[i] = meanfield::dphi(c.activation, h);
        if (d[i] == 0.0) ++zeros;
        x[i] = meanfield::phi(c.activation, h);
    }
    return sum_sq / static_cast<double>(c.width);
}

Weights parse_weights(const std::string& name) {
    return names::parse(names::kMatfreeWeights, "weights", name);
}

Storage parse_storage(const std::string& name) {
    return names::parse(names::kMatfreeStorage, "storage", name);
}

void validate(const OperatorConfig& c) {
    if (c.width < 1) throw std::invalid_argument("width must be a positive integer");
    if (c.depth < 1) throw std::invalid_argument("depth must be a positive integer");
    if (c.depth > 0xFFFFFFFFll) throw std::invalid_argument("depth must be below 2**32");
    if (!(c.sigma_w > 0.0) || !std::isfinite(c.sigma_w))
        throw std::invalid_argument("sigma_w must be positive and finite");
    if (!(c.sigma_b >= 0.0) || !std::isfinite(c.sigma_b))
        throw std::invalid_argument("sigma_b must be non-negative and finite");
    if (!std::isfinite(c.q0) || c.q0 < c.sigma_b * c.sigma_b)
        throw std::invalid_argument("q0 must be finite and at least sigma_b**2");
    if (c.weights == Weights::structured_orthogonal) {
        if (!is_power_of_two(c.width))
            throw std::invalid_argument("weights='structured_orthogonal' needs a power-of-two width, got " +
                                        std::to_string(c.width));
        if (c.storage != Storage::onthefly)
            throw std::invalid_argument(
                "weights='structured_orthogonal' is always applied on the fly (storage='onthefly')");
        if (c.structured_blocks < 1)
            throw std::invalid_argument("structured_blocks must be a positive integer, got " +
                                        std::to_string(c.structured_blocks));
    }
    if (c.weights == Weights::orthogonal && c.storage != Storage::dense)
        throw std::invalid_argument("weights='orthogonal' (Haar) needs storage='dense'");
    if (c.storage == Storage::dense && c.width > 2000000000)
        throw std::invalid_argument("width must be below 2e9 for dense weights (32-bit LAPACK)");
}

std::size_t operator_bytes(const OperatorConfig& c, std::int64_t vectors) {
    const auto n = static_cast<std::size_t>(c.width);
    const auto layers = static_cast<std::size_t>(c.depth);
    std::size_t doubles = layers * n + static_cast<std::size_t>(vectors) * n + 8 * n;
    if (c.storage == Storage::dense) {
        doubles += layers * n * n + n * 64;                      // + the block reflectors' factors
        if (c.weights == Weights::orthogonal) doubles += n * n;  // the reflectors of one layer
    }
    return doubles * sizeof(double);
}

JacobianOperator::JacobianOperator(const OperatorConfig& config, const Progress& progress) : config_(config) {
    validate(config_);
    const std::int64_t n = config_.width;
    const auto un = static_cast<std::size_t>(n);
    const std::size_t nn = un * un;
    derivatives_.resize(static_cast<std::size_t>(config_.depth) * un);
    q_.reserve(static_cast<std::size_t>(config_.depth));
    if (config_.storage == Storage::dense) weights_.resize(static_cast<std::size_t>(config_.depth) * nn);
    std::vector<double> x = input_vector(config_);
    std::vector<double> bias(un), scratch;
    linalg::Workspace<double> work;
    for (std::int64_t layer = 0; layer < config_.depth; ++layer) {
        if (config_.storage == Storage::dense) {
            double* w = weights_.data() + static_cast<std::size_t>(layer) * nn;
            if (config_.weights == Weights::orthogonal) {
                ensembles::haar_orthogonal_columns<double>(
                    n, n, layer_stream(config_, rng::kLayerOrthogonal, layer), w, work);
                for (std::size_t i = 0; i < nn; ++i) w[i] *= config_.sigma_w;
            } else {
                rng::fill_normal(w, nn, layer_stream(config_, rng::kLayerGaussian, layer), 0,
                                 config_.sigma_w / std::sqrt(static_cast<double>(n)));
            }
        }
        layer_product(layer, x.data(), 1, false, scratch);
        double* d = derivatives_.data() + static_cast<std::size_t>(layer) * un;
        q_.push_back(forward_activation(config_, layer, x.data(), d, bias, zero_derivatives_));
        if (progress) progress(layer + 1, config_.depth);
    }
}

void JacobianOperator::layer_product(std::int64_t layer, double* x, std::int64_t k, bool transpose,
                                     std::vector<double>& scratch) const {
    const std::int64_t n = config_.width;
    const auto size = static_cast<std::size_t>(n * k);
    if (config_.weights == Weights::structured_orthogonal) {
        for (std::int64_t p = 0; p < k; ++p) structured_product(layer, x + p * n, transpose, nullptr);
        return;
    }
    if (scratch.size() < size) scratch.resize(size);
    if (config_.storage == Storage::dense) {
        const double* w = weights_.data() + static_cast<std::size_t>(layer) * static_cast<std::size_t>(n * n);
        dense_product(w, n, x, scratch.data(), k, transpose);
    } else {
        gaussian_onthefly_product(layer_stream(config_, rng::kLayerGaussian, layer),
                                  config_.sigma_w / std::sqrt(static_cast<double>(n)), n, x, scratch.data(),
                                  k, transpose);
    }
    std::copy(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(size), x);
}

void JacobianOperator::multiply_derivatives(std::int64_t layer, double* x, std::int64_t k) const {
    const std::int64_t n = config_.width;
    const double* d = derivatives(layer);
#pragma omp parallel for num_threads(openmp_team_size()) schedule(static) collapse(2) if (n * k > 32768)
    for (std::int64_t p = 0; p < k; ++p)
        for (std::int64_t i = 0; i < n; ++i) x[i + p * n] *= d[i];
}

void JacobianOperator::apply(double* x, std::int64_t k, std::vector<double>& scratch) const {
    if (config_.weights == Weights::structured_orthogonal) {
        // D_{l-1} rides into the first transform of W_l; only D_L is a pass of its own.
        for (std::int64_t p = 0; p < k; ++p) {
            double* xp = x + p * config_.width;
            for (std::int64_t layer = 0; layer < config_.depth; ++layer)
                structured_product(layer, xp, false, layer > 0 ? derivatives(layer - 1) : nullptr);
        }
        multiply_derivatives(config_.depth - 1, x, k);
        return;
    }
    for (std::int64_t layer = 0; layer < config_.depth; ++layer) {
        layer_product(layer, x, k, false, scratch);
        multiply_derivatives(layer, x, k);
    }
}

void JacobianOperator::apply_transpose(double* x, std::int64_t k, std::vector<double>& scratch) const {
    if (config_.weights == Weights::structured_orthogonal) {
        for (std::int64_t p = 0; p < k; ++p) {
            double* xp = x + p * config_.width;
            for (std::int64_t layer = config_.depth - 1; layer >= 0; --layer)
                structured_product(layer, xp, true, derivatives(layer));
        }
        return;
    }
    for (std::int64_t layer = config_.depth - 1; layer >= 0; --layer) {
        multiply_derivatives(layer, x, k);
        layer_product(layer, x, k, true, scratch);
    }
}

const double* JacobianOperator::derivatives(std::int64_t layer) const {
    return derivatives_.data() + static_cast<std::size_t>(layer) * static_cast<std::size_t>(config_.width);
}

void JacobianOperator::structured_product(std::int64_t layer, double* x, bool transpose,
                                          const double* pre_diagonal) const {
    structured_orthogonal_product(layer_stream(config_, rng::kStructuredSigns, layer),
                                  config_.structured_blocks, config_.sigma_w, config_.width, x, transpose,
                                  pre_diagonal);
}

}  // namespace isometry::matfree
