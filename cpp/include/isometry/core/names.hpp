#pragma once
// The names users choose, in one place: every enum a string from Python is parsed into, the
// table of its accepted names, and one parser. The Python registry (python/isometry/_names.py)
// lists the same names; a test compares the two through _core.accepted_names().
//
// The enums stay in the namespaces of the areas that use them (meanfield::Activation, ...), so
// each area's switch statements name only the values it handles.
#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace isometry {

namespace meanfield {
enum class Activation { linear, tanh, hard_tanh, relu, erf };
}  // namespace meanfield

namespace jacobian {
// Dense Monte Carlo (CPU and CUDA).
enum class WeightEnsemble { gaussian, orthogonal };
enum class SpectrumMethod { eigh, svd };
}  // namespace jacobian

namespace freeprob {
// Large-width theory.
enum class Weights { gaussian, orthogonal };
}  // namespace freeprob

namespace matfree {
// Matrix-free Monte Carlo.
enum class Weights { orthogonal, gaussian, structured_orthogonal };
enum class Storage { dense, onthefly };
enum class ProbeKind { rademacher, gaussian };
}  // namespace matfree

namespace names {

template <typename E>
struct Entry {
    std::string_view name;
    E value;
};

inline constexpr std::array<Entry<meanfield::Activation>, 5> kActivations{{
    {"linear", meanfield::Activation::linear},
    {"tanh", meanfield::Activation::tanh},
    {"hard_tanh", meanfield::Activation::hard_tanh},
    {"relu", meanfield::Activation::relu},
    {"erf", meanfield::Activation::erf},
}};
inline constexpr std::array<Entry<jacobian::WeightEnsemble>, 2> kDenseWeights{{
    {"orthogonal", jacobian::WeightEnsemble::orthogonal},
    {"gaussian", jacobian::WeightEnsemble::gaussian},
}};
inline constexpr std::array<Entry<jacobian::SpectrumMethod>, 2> kSpectrumMethods{{
    {"eigh", jacobian::SpectrumMethod::eigh},
    {"svd", jacobian::SpectrumMethod::svd},
}};
inline constexpr std::array<Entry<freeprob::Weights>, 2> kTheoryWeights{{
    {"orthogonal", freeprob::Weights::orthogonal},
    {"gaussian", freeprob::Weights::gaussian},
}};
inline constexpr std::array<Entry<matfree::Weights>, 3> kMatfreeWeights{{
    {"structured_orthogonal", matfree::Weights::structured_orthogonal},
    {"gaussian", matfree::Weights::gaussian},
    {"orthogonal", matfree::Weights::orthogonal},
}};
inline constexpr std::array<Entry<matfree::Storage>, 2> kMatfreeStorage{{
    {"dense", matfree::Storage::dense},
    {"onthefly", matfree::Storage::onthefly},
}};
inline constexpr std::array<Entry<matfree::ProbeKind>, 2> kProbeKinds{{
    {"rademacher", matfree::ProbeKind::rademacher},
    {"gaussian", matfree::ProbeKind::gaussian},
}};

// The value named `name`, or std::invalid_argument "<what> must be one of 'a', 'b'; got 'x'".
template <typename E, std::size_t N>
E parse(const std::array<Entry<E>, N>& table, std::string_view what, const std::string& name) {
    for (const auto& entry : table)
        if (entry.name == name) return entry.value;
    std::string allowed;
    for (std::size_t i = 0; i < N; ++i) {
        allowed += (i ? ", '" : "'");
        allowed += table[i].name;
        allowed += "'";
    }
    throw std::invalid_argument(std::string(what) + " must be one of " + allowed + "; got '" + name + "'");
}

template <typename E, std::size_t N>
std::string_view name_of(const std::array<Entry<E>, N>& table, E value) {
    for (const auto& entry : table)
        if (entry.value == value) return entry.name;
    return "unknown";
}

template <typename E, std::size_t N>
std::vector<std::string> list(const std::array<Entry<E>, N>& table) {
    std::vector<std::string> out;
    for (const auto& entry : table) out.emplace_back(entry.name);
    return out;
}

}  // namespace names
}  // namespace isometry
