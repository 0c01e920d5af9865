#pragma once
// Progress callbacks from C++ loops that run without the GIL, shared by both extensions
// (_core and _cuda): one protocol for reporting progress, Ctrl-C and errors raised in Python.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "isometry/core/errors.hpp"

namespace isometry::bindings {

using ProgressFunction = std::function<void(std::int64_t done, std::int64_t total)>;

// Runs `work(progress)` with the GIL released and returns what it returns. `progress(done,
// total)` takes the GIL back, checks for Ctrl-C and calls `callback` (None: no call); a Python
// error raised there (KeyboardInterrupt included) stops the C++ loop by throwing
// isometry::Interrupted through it, and is re-raised here unchanged.
template <typename Work>
auto run_with_progress(const pybind11::object& callback, Work&& work)
    -> decltype(work(std::declval<const ProgressFunction&>())) {
    namespace py = pybind11;
    std::unique_ptr<py::error_already_set> pending;
    const ProgressFunction progress = [&](std::int64_t done, std::int64_t total) {
        py::gil_scoped_acquire acquire;
        try {
            if (PyErr_CheckSignals() != 0) throw py::error_already_set();
            if (!callback.is_none()) callback(done, total);
        } catch (py::error_already_set& error) {
            pending = std::make_unique<py::error_already_set>(std::move(error));
            throw Interrupted();
        }
    };
    try {
        py::gil_scoped_release release;
        return work(progress);
    } catch (const Interrupted&) {
        if (pending) {
            py::error_already_set error = std::move(*pending);
            pending.reset();
            throw error;
        }
        throw;
    }
}

}  // namespace isometry::bindings
