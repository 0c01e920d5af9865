#include "isometry/meanfield/activation.hpp"

#include <stdexcept>

namespace isometry::meanfield {

Activation parse_activation(const std::string& name) {
    return names::parse(names::kActivations, "activation", name);
}

std::string activation_name(Activation activation) {
    switch (activation) {
        case Activation::linear:
            return "linear";
        case Activation::tanh:
            return "tanh";
        case Activation::hard_tanh:
            return "hard_tanh";
        case Activation::relu:
            return "relu";
        case Activation::erf:
            return "erf";
    }
    return "?";
}

}  // namespace isometry::meanfield
