#include "isometry/cuda/device.hpp"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolver_common.h>

#include <cstdio>
#include <utility>

#include "check.hpp"

namespace isometry::cuda {
namespace detail {

void check_cuda(cudaError_t status, const char* what) {
    if (status == cudaSuccess) return;
    cudaGetLastError();  // reset the last-error slot so a later check_launch does not see this one
    const std::string message = std::string("CUDA error in ") + what + ": " + cudaGetErrorName(status) +
                                " (" + cudaGetErrorString(status) + ")";
    if (status == cudaErrorMemoryAllocation) throw DeviceMemoryError(message);
    if (status == cudaErrorNoDevice || status == cudaErrorInsufficientDriver) throw NoDeviceError(message);
    throw CudaError(message);
}

void check_launch(const char* kernel) {
    check_cuda(cudaGetLastError(), kernel);
}

}  // namespace detail

using detail::native;

namespace {

// Leave room for the CUDA context, cuBLAS/cuSOLVER internals and other users of the device.
constexpr double kUsableFraction = 0.92;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

std::string format_gib(std::size_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", static_cast<double>(bytes) / kGiB);
    return text;
}

}  // namespace

RuntimeStatus runtime_status() {
    RuntimeStatus status;
    cudaRuntimeGetVersion(&status.runtime_version);
    if (cudaDriverGetVersion(&status.driver_version) != cudaSuccess) status.driver_version = 0;
    const cudaError_t error = cudaGetDeviceCount(&status.device_count);
    if (error != cudaSuccess) {
        cudaGetLastError();
        status.device_count = 0;
        status.error = std::string(cudaGetErrorName(error)) + ": " + cudaGetErrorString(error);
        if (status.driver_version == 0)
            status.error = "no NVIDIA driver could be loaded (" + status.error + ")";
    } else if (status.device_count == 0) {
        status.error = "the CUDA runtime found no device";
    }
    return status;
}

CompiledVersions compiled_versions() {
    return CompiledVersions{CUDART_VERSION, CUBLAS_VERSION, CUSOLVER_VERSION};
}

std::vector<DeviceProperties> devices() {
    std::vector<DeviceProperties> out;
    const RuntimeStatus status = runtime_status();
    for (int i = 0; i < status.device_count; ++i) {
        cudaDeviceProp prop{};
        ISOMETRY_CUDA_CHECK(cudaGetDeviceProperties(&prop, i));
        DeviceProperties d;
        d.index = i;
        d.name = prop.name;
        d.compute_major = prop.major;
        d.compute_minor = prop.minor;
        d.total_bytes = prop.totalGlobalMem;
        d.multiprocessors = prop.multiProcessorCount;
        out.push_back(std::move(d));
    }
    return out;
}

void require_device() {
    const RuntimeStatus status = runtime_status();
    if (status.device_count == 0) {
        throw NoDeviceError("no CUDA device is usable (" + status.error + ")");
    }
}

int current_device() {
    int device = 0;
    ISOMETRY_CUDA_CHECK(cudaGetDevice(&device));
    return device;
}

int pointer_device(const void* pointer) {
    cudaPointerAttributes attributes{};
    const cudaError_t status = cudaPointerGetAttributes(&attributes, pointer);
    if (status == cudaErrorInvalidValue) {
        cudaGetLastError();
        throw std::invalid_argument("the array's data pointer is not CUDA memory");
    }
    ISOMETRY_CUDA_CHECK(status);
    if (attributes.type != cudaMemoryTypeDevice && attributes.type != cudaMemoryTypeManaged) {
        throw std::invalid_argument(
            "the array's data pointer is not device memory (host or unregistered memory)");
    }
    return attributes.device;
}

std::pair<std::size_t, std::size_t> memory_info() {
    std::size_t free_bytes = 0, total_bytes = 0;
    ISOMETRY_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    return {free_bytes, total_bytes};
}

void require_device_memory(const std::string& what, std::size_t bytes) {
    const auto [free_bytes, total_bytes] = memory_info();
    if (static_cast<double>(bytes) > kUsableFraction * static_cast<double>(free_bytes)) {
        cudaDeviceProp prop{};
        const int device = current_device();
        ISOMETRY_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
        throw DeviceMemoryError(what + " needs about " + format_gib(bytes) + " GiB of GPU memory but only " +
                                format_gib(free_bytes) + " GiB of " + format_gib(total_bytes) +
                                " GiB is free on device " + std::to_string(device) + " (" + prop.name +
                                "); reduce the size");
    }
}

void synchronize(Stream stream) {
    ISOMETRY_CUDA_CHECK(cudaStreamSynchronize(native(stream)));
}

void copy_to_host(void* host, const void* device, std::size_t bytes, Stream stream) {
    if (bytes == 0) return;
    ISOMETRY_CUDA_CHECK(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, native(stream)));
    synchronize(stream);  // pageable host memory: the copy may return early; wait for it
}

void copy_to_device(void* device, const void* host, std::size_t bytes, Stream stream) {
    if (bytes == 0) return;
    ISOMETRY_CUDA_CHECK(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, native(stream)));
    synchronize(stream);  // the host buffer may change right after we return
}

void copy_on_device(void* to, const void* from, std::size_t bytes, Stream stream) {
    if (bytes == 0) return;
    ISOMETRY_CUDA_CHECK(cudaMemcpyAsync(to, from, bytes, cudaMemcpyDeviceToDevice, native(stream)));
}

void fill_zero(void* device, std::size_t bytes, Stream stream) {
    if (bytes == 0) return;
    ISOMETRY_CUDA_CHECK(cudaMemsetAsync(device, 0, bytes, native(stream)));
}

DeviceBuffer::DeviceBuffer(std::size_t bytes, Stream stream) : bytes_(bytes), stream_(stream) {
    if (bytes == 0) return;
    const cudaError_t status = cudaMallocAsync(&data_, bytes, native(stream));
    if (status != cudaSuccess) {
        data_ = nullptr;
        cudaGetLastError();
        if (status == cudaErrorMemoryAllocation) {
            throw DeviceMemoryError("could not allocate " + format_gib(bytes) +
                                    " GiB of GPU memory (cudaMallocAsync: out of memory)");
        }
        detail::check_cuda(status, "cudaMallocAsync");
    }
}

DeviceBuffer::~DeviceBuffer() {
    release();
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)),
      stream_(other.stream_) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        bytes_ = std::exchange(other.bytes_, 0);
        stream_ = other.stream_;
    }
    return *this;
}

void DeviceBuffer::release() noexcept {
    if (data_ != nullptr) cudaFreeAsync(data_, native(stream_));  // errors here cannot be reported
    data_ = nullptr;
}

DeviceGuard::DeviceGuard(int device) {
    if (device < 0) return;
    const RuntimeStatus status = runtime_status();
    if (device >= status.device_count) {
        throw NoDeviceError("CUDA device " + std::to_string(device) + " does not exist (" +
                            std::to_string(status.device_count) + " found" +
                            (status.error.empty() ? "" : ": " + status.error) + ")");
    }
    previous_ = current_device();
    if (previous_ != device) ISOMETRY_CUDA_CHECK(cudaSetDevice(device));
}

DeviceGuard::~DeviceGuard() {
    if (previous_ >= 0) cudaSetDevice(previous_);
}

OwnedStream::OwnedStream() {
    cudaStream_t stream = nullptr;
    ISOMETRY_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    stream_ = stream;
}

OwnedStream::~OwnedStream() {
    if (stream_ != nullptr) {
        cudaStreamSynchronize(native(stream_));
        cudaStreamDestroy(native(stream_));
    }
}

}  // namespace isometry::cuda
