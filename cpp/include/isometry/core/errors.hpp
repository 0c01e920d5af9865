#pragma once
#include <stdexcept>
#include <string>

namespace isometry {

// An iterative solver did not converge. Bound to isometry.ConvergenceError (a RuntimeError).
class ConvergenceError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Raised from a progress callback to stop a long computation (e.g. on Ctrl-C).
class Interrupted : public std::runtime_error {
  public:
    Interrupted() : std::runtime_error("interrupted") {}
};

}  // namespace isometry
