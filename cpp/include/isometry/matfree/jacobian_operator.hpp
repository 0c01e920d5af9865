#pragma once
// The input–output Jacobian J = D_L W_L ... D_1 W_1 of one random network as an operator: only
// products J X and Jᵀ X with blocks of vectors, never J itself (PSG17/18 conventions, the same
// network draw as jacobian_spectrum: input from kNetworkInput, biases from kLayerBias, Gaussian
// weights from kLayerGaussian, Haar weights from kLayerOrthogonal).
//
// Construction runs the forward pass h_l = W_l x_{l-1} + b_l, x_l = φ(h_l) once and keeps
// d_l = φ'(h_l) for every layer (L x N doubles): that is all J needs besides the weights.
// Weights are either stored densely (L x N² doubles: Haar or Gaussian), regenerated on the fly
// (Gaussian: O(N) memory, N² Philox normals per layer product), or structured orthogonal
// (random signs and Walsh–Hadamard transforms, O(N log N) per layer product, N a power of two).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "isometry/meanfield/activation.hpp"

namespace isometry::matfree {

// Weights and Storage are defined with their names in isometry/core/names.hpp.

Weights parse_weights(const std::string& name);
Storage parse_storage(const std::string& name);

struct OperatorConfig {
    std::int64_t width = 0;
    std::int64_t depth = 0;
    meanfield::Activation activation = meanfield::Activation::tanh;
    Weights weights = Weights::structured_orthogonal;
    Storage storage = Storage::onthefly;
    double sigma_w = 1.0;
    double sigma_b = 0.0;
    double q0 = 1.0;
    std::uint64_t seed = 0;
    int structured_blocks = 3;  // factors H S_d per structured orthogonal layer
};

// Throws std::invalid_argument naming the argument: sizes, σ's, q0, storage/weights pairs
// (orthogonal is dense only, structured is on the fly only), power-of-two width for structured.
void validate(const OperatorConfig& config);

// Bytes the operator keeps (d_l, dense weights) plus `vectors` work vectors of length N.
std::size_t operator_bytes(const OperatorConfig& config, std::int64_t vectors);

using Progress = std::function<void(std::int64_t, std::int64_t)>;

// The pieces of the forward pass that do not touch W, shared with the GPU operator (which does
// the products on the device and this elementwise part on the host, so d_l and q^l match):
// x_0 exactly as jacobian_spectrum draws it, and for one layer, given h = W_l x_{l-1} in x:
// h += b_l, d = φ'(h), x <- φ(h); returns q^l = |h|²/N (a serial sum) and adds the zero
// derivatives to `zeros`.
std::vector<double> input_vector(const OperatorConfig& config);
double forward_activation(const OperatorConfig& config, std::int64_t layer, double* x, double* d,
                          std::vector<double>& bias, std::int64_t& zeros);

class JacobianOperator {
  public:
    // Runs the forward pass (and draws dense weights); progress(layer, depth) after each layer.
    JacobianOperator(const OperatorConfig& config, const Progress& progress);

    std::int64_t width() const { return config_.width; }
    const OperatorConfig& config() const { return config_; }
    const std::vector<double>& q() const { return q_; }  // q^l = |h_l|²/N, l = 1..L
    std::int64_t zero_derivatives() const { return zero_derivatives_; }

    // X (N x k, column-major) <- J X or Jᵀ X in place; `scratch` grows to N x k as needed.
    void apply(double* x, std::int64_t k, std::vector<double>& scratch) const;
    void apply_transpose(double* x, std::int64_t k, std::vector<double>& scratch) const;

  private:
    // X <- W_l X or W_lᵀ X (layer 0-based), in place through `scratch`.
    void layer_product(std::int64_t layer, double* x, std::int64_t k, bool transpose,
                       std::vector<double>& scratch) const;
    void multiply_derivatives(std::int64_t layer, double* x, std::int64_t k) const;
    // x <- W_l (d ⊙ x) or W_lᵀ (d ⊙ x) for one vector of a structured orthogonal layer.
    void structured_product(std::int64_t layer, double* x, bool transpose, const double* pre_diagonal) const;
    const double* derivatives(std::int64_t layer) const;  // d_l, 0-based

    OperatorConfig config_;
    std::vector<double> derivatives_;  // d_l = φ'(h_l), layer-major (L x N)
    std::vector<double> weights_;      // dense storage: W_l column-major, layer after layer
    std::vector<double> q_;
    std::int64_t zero_derivatives_ = 0;
};

}  // namespace isometry::matfree
