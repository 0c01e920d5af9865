#pragma once
// Bulk draws of normal variates. Each output element is a pure function of its index in the
// stream, so any split of the work (threads, chunks, devices) gives bitwise identical output.
#include <cstddef>
#include <cstdint>

#include "isometry/rng/streams.hpp"

namespace isometry::rng {

// out[k] = scale · z_{first + k} for k < count, z the normal stream of `id`; single-threaded,
// for callers that parallelise over something else (e.g. columns).
template <typename T>
void fill_normal_serial(T* out, std::size_t count, StreamId id, std::uint64_t first, double scale);

// The same, spread over OpenMP threads.
template <typename T>
void fill_normal(T* out, std::size_t count, StreamId id, std::uint64_t first, double scale);

// The raw 32-bit words of blocks first..first+blocks-1 (4 per block), for known-answer tests.
void fill_philox_words(std::uint32_t* out, std::size_t blocks, StreamId id, std::uint64_t first);

}  // namespace isometry::rng
