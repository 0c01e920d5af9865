#include <cmath>
#include <stdexcept>
#include <string>

#include "isometry/cuda/haar.hpp"
#include "isometry/cuda/kernels.hpp"
#include "isometry/cuda/matfree.hpp"
#include "isometry/cuda/matfree_kernels.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::cuda {
namespace {

using matfree::Storage;
using matfree::Weights;

rng::StreamId layer_stream(const matfree::OperatorConfig& c, rng::Stream stream, std::int64_t layer) {
    return {c.seed, stream, static_cast<std::uint32_t>(layer)};
}

}  // namespace

std::size_t matfree_device_bytes(const matfree::OperatorConfig& c, const matfree::LanczosConfig& l) {
    const auto n = static_cast<std::size_t>(c.width);
    const auto layers = static_cast<std::size_t>(c.depth);
    const auto block = static_cast<std::size_t>(std::min(l.block, l.probes));
    const std::size_t basis = l.reorthogonalize ? static_cast<std::size_t>(l.steps + 1) : 3;
    std::size_t doubles = layers * n                 // d_l
                          + block * n                // scratch (product output)
                          + block * (basis + 1) * n  // Lanczos basis and the block of products
                          + static_cast<std::size_t>(l.steps + 2);
    if (c.weights == Weights::gaussian && c.storage == Storage::onthefly)
        doubles += gaussian_onthefly_workspace(c.width, static_cast<std::int64_t>(block));
    std::size_t bytes = doubles * sizeof(double) + (std::size_t(16) << 20);  // + handles, allocator slack
    if (c.storage == Storage::dense) bytes += layers * n * n * sizeof(double);
    if (c.weights == Weights::orthogonal) bytes += haar_extra_bytes(c.width, c.width, sizeof(double));
    return bytes;
}

DeviceJacobianOperator::DeviceJacobianOperator(const matfree::OperatorConfig& config, std::int64_t max_block,
                                               const matfree::Progress& progress, Stream stream)
    : config_(config), max_block_(std::max<std::int64_t>(1, max_block)), stream_(stream) {
    matfree::validate(config_);
    const std::int64_t n = config_.width;
    const auto un = static_cast<std::size_t>(n);
    const std::size_t nn = un * un;
    if (config_.storage == Storage::dense) {
        solver_ = std::make_unique<DenseSolver>(stream_);
        weights_ = DeviceBuffer(static_cast<std::size_t>(config_.depth) * nn * sizeof(double), stream_);
    }
    if (config_.weights == Weights::gaussian && config_.storage == Storage::onthefly)
        workspace_ = DeviceBuffer(gaussian_onthefly_workspace(n, max_block_) * sizeof(double), stream_);
    scratch_ = DeviceBuffer(un * static_cast<std::size_t>(max_block_) * sizeof(double), stream_);
    derivatives_ = DeviceBuffer(static_cast<std::size_t>(config_.depth) * un * sizeof(double), stream_);

    std::vector<double> x = matfree::input_vector(config_);
    std::vector<double> d(static_cast<std::size_t>(config_.depth) * un), bias;
    DeviceBuffer vector(un * sizeof(double), stream_);
    q_.reserve(static_cast<std::size_t>(config_.depth));
    for (std::int64_t layer = 0; layer < config_.depth; ++layer) {
        if (config_.storage == Storage::dense) {
            double* w = weights_.as<double>() + static_cast<std::size_t>(layer) * nn;
            if (config_.weights == Weights::orthogonal) {
                haar_orthogonal_columns<double>(n, n, layer_stream(config_, rng::kLayerOrthogonal, layer), w,
                                                n, stream_);
                scale_into(w, w, config_.sigma_w, static_cast<std::int64_t>(nn),
                           stream_);  // as the CPU: W *= σ_w
            } else {
                fill_normal<double>(w, nn, layer_stream(config_, rng::kLayerGaussian, layer), 0,
                                    config_.sigma_w / std::sqrt(static_cast<double>(n)), stream_);
            }
        }
        copy_to_device(vector.get(), x.data(), un * sizeof(double), stream_);
        layer_product(layer, vector.as<double>(), 1, false);
        copy_to_host(x.data(), vector.get(), un * sizeof(double), stream_);
        double* dl = d.data() + static_cast<std::size_t>(layer) * un;
        q_.push_back(matfree::forward_activation(config_, layer, x.data(), dl, bias, zero_derivatives_));
        if (progress) progress(layer + 1, config_.depth);
    }
    copy_to_device(derivatives_.get(), d.data(), d.size() * sizeof(double), stream_);
}

const double* DeviceJacobianOperator::derivatives(std::int64_t layer) const {
    return derivatives_.as<double>() +
           static_cast<std::size_t>(layer) * static_cast<std::size_t>(config_.width);
}

void DeviceJacobianOperator::structured_product(std::int64_t layer, double* x, std::int64_t k, bool transpose,
                                                const double* pre_diagonal) const {
    structured_orthogonal_columns(layer_stream(config_, rng::kStructuredSigns, layer),
                                  config_.structured_blocks, config_.sigma_w, config_.width, x, k, transpose,
                                  pre_diagonal, stream_);
}

void DeviceJacobianOperator::layer_product(std::int64_t layer, double* x, std::int64_t k,
                                           bool transpose) const {
    if (k > max_block_)
        throw std::invalid_argument("DeviceJacobianOperator: " + std::to_string(k) + " vectors, at most " +
                                    std::to_string(max_block_));
    const std::int64_t n = config_.width;
    if (config_.weights == Weights::structured_orthogonal) {
        structured_product(layer, x, k, transpose, nullptr);
        return;
    }
    double* y = scratch_.as<double>();
    if (config_.storage == Storage::dense) {
        const double* w =
            weights_.as<double>() + static_cast<std::size_t>(layer) * static_cast<std::size_t>(n * n);
        if (transpose) {
            solver_->gemm_transposed_a(n, k, n, 1.0, w, n, x, n, 0.0, y, n);
        } else {
            solver_->gemm<double>(n, k, n, 1.0, w, n, x, n, 0.0, y, n);
        }
    } else {
        gaussian_onthefly_columns(layer_stream(config_, rng::kLayerGaussian, layer),
                                  config_.sigma_w / std::sqrt(static_cast<double>(n)), n, x, y, k, transpose,
                                  workspace_.as<double>(), stream_);
    }
    copy_on_device(x, y, static_cast<std::size_t>(n * k) * sizeof(double), stream_);
}

void DeviceJacobianOperator::apply(double* x, std::int64_t k) const {
    if (config_.weights == Weights::structured_orthogonal) {
        // As on the CPU: D_{l-1} rides into the first transform of W_l; D_L is a pass of its own.
        for (std::int64_t layer = 0; layer < config_.depth; ++layer)
            structured_product(layer, x, k, false, layer > 0 ? derivatives(layer - 1) : nullptr);
        scale_rows_columns(x, derivatives(config_.depth - 1), config_.width, k, stream_);
        return;
    }
    for (std::int64_t layer = 0; layer < config_.depth; ++layer) {
        layer_product(layer, x, k, false);
        scale_rows_columns(x, derivatives(layer), config_.width, k, stream_);
    }
}

void DeviceJacobianOperator::apply_transpose(double* x, std::int64_t k) const {
    if (config_.weights == Weights::structured_orthogonal) {
        for (std::int64_t layer = config_.depth - 1; layer >= 0; --layer)
            structured_product(layer, x, k, true, derivatives(layer));
        return;
    }
    for (std::int64_t layer = config_.depth - 1; layer >= 0; --layer) {
        scale_rows_columns(x, derivatives(layer), config_.width, k, stream_);
        layer_product(layer, x, k, true);
    }
}

}  // namespace isometry::cuda
