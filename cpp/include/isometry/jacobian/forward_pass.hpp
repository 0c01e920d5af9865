#pragma once
// The O(N) per-layer pieces of jacobian_spectrum, shared by the CPU code and the CUDA backend so
// both take the same input vector, biases, activations and checks (and give the same errors):
// the GPU copies the N-vector x_l to the host, runs forward_step there, and sends the row
// scales back, which costs O(N) per layer against the O(N³) products.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "isometry/jacobian/jacobian_spectrum.hpp"

namespace isometry::jacobian {

// Throws std::invalid_argument naming the first bad field of `config`.
void validate_config(const NetworkConfig& config);

// x_0 = r·g/||g||·√N with s² r² + σ_b² = q0 (s = σ_w, or a·σ_w for resnets), g ~ N(0, I)
// from the input stream.
template <typename T>
void input_vector(const NetworkConfig& config, T* x);

// Once z = W_l x_{l-1} sits in `column`: h = z + b_l, records q^l (and zero derivatives) in
// `out`, writes x_l = φ(h) back into `column` and the row scales row_factor·φ'(h) into `scale`.
// Serial, so the float64 sums are identical for any thread count. `h` and `scale` have length N.
template <typename T>
void forward_step(const NetworkConfig& config, std::int64_t layer, T* column, std::vector<double>& h,
                  std::vector<double>& scale, double row_factor, SpectrumResult& out);

template <typename T>
const char* dtype_name() {
    return sizeof(T) == 4 ? "float32" : "float64";
}

// std::overflow_error (Python OverflowError) for a product that holds inf or NaN after `layer`
// (0-based), and for a J Jᵀ that overflowed.
[[noreturn]] void throw_product_overflow(std::int64_t layer, const char* dtype);
[[noreturn]] void throw_gram_overflow(const char* dtype);

}  // namespace isometry::jacobian
