#pragma once
// The CUDA runtime as isometry uses it, behind plain C++ (no CUDA headers here, so the pybind11
// bindings compile with the host compiler only). Streams are passed as opaque handles: a
// cudaStream_t cast to void*, e.g. CuPy's `cupy.cuda.get_current_stream().ptr`; nullptr is the
// legacy default stream.
//
// Nothing here needs a driver until it is called: the CUDA runtime is linked statically and
// loads libcuda lazily, so `import isometry._cuda` works on machines without a GPU, and
// device_count() then reports 0 with the runtime's reason.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace isometry::cuda {

using Stream = void*;

// A CUDA runtime failure; its message names the call and the runtime's error string.
class CudaError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Not enough device memory: an estimate refused before allocating, or a failed allocation.
// Maps to Python's MemoryError.
class DeviceMemoryError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// No usable device (no driver, no GPU, or a driver older than the runtime).
class NoDeviceError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct DeviceProperties {
    int index = 0;
    std::string name;
    int compute_major = 0, compute_minor = 0;
    std::size_t total_bytes = 0;
    int multiprocessors = 0;
};

struct RuntimeStatus {
    int device_count = 0;
    int driver_version = 0;   // e.g. 13000; 0 without a driver
    int runtime_version = 0;  // of the runtime linked in
    std::string error;        // why device_count is 0, else ""
};

// Versions this extension was compiled against (CUDART_VERSION, CUBLAS_VERSION, CUSOLVER_VERSION).
struct CompiledVersions {
    int cudart = 0;
    int cublas = 0;
    int cusolver = 0;
};

RuntimeStatus runtime_status();  // never throws
CompiledVersions compiled_versions();
std::vector<DeviceProperties> devices();
int current_device();
// The device that owns `pointer` (device or managed memory); std::invalid_argument for host
// memory or an unknown address.
int pointer_device(const void* pointer);
// (free, total) bytes on the current device.
std::pair<std::size_t, std::size_t> memory_info();
// Throws NoDeviceError with the runtime's reason when no device is usable.
void require_device();
// Throws DeviceMemoryError "<what> needs about X GiB of GPU memory but only Y GiB is free on
// <device>" when `bytes` exceeds the usable part of the free memory.
void require_device_memory(const std::string& what, std::size_t bytes);

void synchronize(Stream stream);
void copy_to_host(void* host, const void* device, std::size_t bytes, Stream stream);    // waits
void copy_to_device(void* device, const void* host, std::size_t bytes, Stream stream);  // waits
void copy_on_device(void* to, const void* from, std::size_t bytes, Stream stream);      // async
void fill_zero(void* device, std::size_t bytes, Stream stream);                         // async

// Device memory owned by one scope: stream-ordered allocation and release on `stream`, so no
// implicit device-wide synchronisation. A failed allocation throws DeviceMemoryError.
class DeviceBuffer {
  public:
    DeviceBuffer() = default;
    DeviceBuffer(std::size_t bytes, Stream stream);
    ~DeviceBuffer();
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& other) noexcept;
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
    void* get() const { return data_; }
    template <typename T>
    T* as() const {
        return static_cast<T*>(data_);
    }
    std::size_t bytes() const { return bytes_; }

  private:
    void release() noexcept;
    void* data_ = nullptr;
    std::size_t bytes_ = 0;
    Stream stream_ = nullptr;
};

// Makes `device` current for one scope and restores the previous device; a negative index
// leaves the current device alone.
class DeviceGuard {
  public:
    explicit DeviceGuard(int device);
    ~DeviceGuard();
    DeviceGuard(const DeviceGuard&) = delete;
    DeviceGuard& operator=(const DeviceGuard&) = delete;

  private:
    int previous_ = -1;
};

// A stream created for one call (non-blocking with respect to the legacy default stream).
class OwnedStream {
  public:
    OwnedStream();
    ~OwnedStream();
    OwnedStream(const OwnedStream&) = delete;
    OwnedStream& operator=(const OwnedStream&) = delete;
    Stream get() const { return stream_; }

  private:
    Stream stream_ = nullptr;
};

}  // namespace isometry::cuda
