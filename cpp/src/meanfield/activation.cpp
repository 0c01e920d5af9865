#include "isometry/meanfield/activation.hpp"

#include <stdexcept>

namespace isometry::meanfield {

Activation parse_activation(const std::string& name) {
    if (name == "linear") return Activation::linear;
    if (name == "tanh") return Activation::tanh;
    if (name == "hard_tanh") return Activation::hard_tanh;
    if (name == "relu") return Activation::relu;
    if (name == "erf") return Activation::erf;
    throw std::invalid_argument("activation must be one of 'linear', 'tanh', 'hard_tanh', "
                                "'relu', 'erf'; got '" + name + "'");
}

std::string activation_name(Activation activation) {
    switch (activation) {
        case Activation::linear: return "linear";
        case Activation::tanh: return "tanh";
        case Activation::hard_tanh: return "hard_tanh";
        case Activation::relu: return "relu";
        case Activation::erf: return "erf";
    }
    return "?";
}

}  // namespace isometry::meanfield
