#pragma once
// Functions that must give the same bits on CPU and GPU (Philox rounds, uniform and normal
// transforms) are marked ISOMETRY_HD so that nvcc can compile the same header for the device.
#if defined(__CUDACC__)
#define ISOMETRY_HD __host__ __device__ __forceinline__
#else
#define ISOMETRY_HD inline
#endif
