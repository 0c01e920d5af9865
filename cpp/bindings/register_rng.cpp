#include "bindings.hpp"

#include <array>

#include "isometry/rng/fill.hpp"
#include "isometry/rng/philox.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::bindings {

void register_rng(py::module_& m) {
    m.def(
        "philox4x32_10",
        [](std::array<std::uint32_t, 4> counter, std::array<std::uint32_t, 2> key) {
            const rng::Word4 out = rng::philox4x32_10(
                rng::Word4{{counter[0], counter[1], counter[2], counter[3]}}, key[0], key[1]);
            return std::array<std::uint32_t, 4>{out.v[0], out.v[1], out.v[2], out.v[3]};
        },
        py::arg("counter"), py::arg("key"), "The raw Philox4x32-10 bijection (for known-answer tests).");

    m.def(
        "normal_stream",
        [](std::size_t count, std::uint64_t seed, std::uint32_t stream, std::uint32_t substream,
           std::uint64_t first) {
            py::array_t<double> out(static_cast<py::ssize_t>(count));
            double* data = out.mutable_data();
            {
                py::gil_scoped_release release;
                rng::fill_normal(data, count, {seed, stream, substream}, first, 1.0);
            }
            return out;
        },
        py::arg("count"), py::arg("seed"), py::arg("stream"), py::arg("substream"), py::arg("first") = 0);

    py::dict streams;
    streams["gaussian_sampler"] = static_cast<std::uint32_t>(rng::kGaussianSampler);
    streams["haar_sampler"] = static_cast<std::uint32_t>(rng::kHaarSampler);
    streams["layer_gaussian"] = static_cast<std::uint32_t>(rng::kLayerGaussian);
    streams["layer_orthogonal"] = static_cast<std::uint32_t>(rng::kLayerOrthogonal);
    streams["layer_bias"] = static_cast<std::uint32_t>(rng::kLayerBias);
    streams["network_input"] = static_cast<std::uint32_t>(rng::kNetworkInput);
    streams["relu_chain"] = static_cast<std::uint32_t>(rng::kReluChain);
    streams["relu_network"] = static_cast<std::uint32_t>(rng::kReluNetwork);
    streams["training_shuffle"] = static_cast<std::uint32_t>(rng::kTrainingShuffle);
    streams["synthetic_data"] = static_cast<std::uint32_t>(rng::kSyntheticData);
    streams["lanczos_probe"] = static_cast<std::uint32_t>(rng::kLanczosProbe);
    streams["structured_signs"] = static_cast<std::uint32_t>(rng::kStructuredSigns);
    m.attr("STREAMS") = streams;
}

}  // namespace isometry::bindings
