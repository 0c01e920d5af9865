#pragma once
// Status checks for CUDA runtime, cuBLAS and cuSOLVER calls (private to cpp/cuda/).
#include <cuda_runtime_api.h>

#include <string>

#include "isometry/cuda/device.hpp"

namespace isometry::cuda::detail {

// Throws CudaError (DeviceMemoryError for cudaErrorMemoryAllocation) naming `what`.
void check_cuda(cudaError_t status, const char* what);
// Throws CudaError when a kernel launch failed (bad configuration, no device, ...).
void check_launch(const char* kernel);

inline cudaStream_t native(Stream stream) {
    return static_cast<cudaStream_t>(stream);
}

}  // namespace isometry::cuda::detail

#define ISOMETRY_CUDA_CHECK(call) ::isometry::cuda::detail::check_cuda((call), #call)
