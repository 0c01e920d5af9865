# Targets of the CUDA backend (included from CMakeLists.txt when ISOMETRY_CUDA_ENABLED):
#   isometry_cuda  static library: kernels (.cu, nvcc) and the host code around cuBLAS/cuSOLVER
#                  (.cpp, host compiler), no Python;
#   _cuda          the extension isometry._cuda: pybind11 bindings, host compiler only.
# The CUDA runtime is linked statically (it loads the driver lazily, so the import works on
# machines without one); cuBLAS/cuSOLVER are found at run time next to the package in
# site-packages/nvidia/cu<major>/lib (NVIDIA's wheels) or where they were found at build time.

file(GLOB ISOMETRY_CUDA_SOURCES CONFIGURE_DEPENDS cpp/cuda/*.cu cpp/cuda/*.cpp)
add_library(isometry_cuda STATIC ${ISOMETRY_CUDA_SOURCES})
target_include_directories(isometry_cuda PUBLIC cpp/include)
target_link_libraries(isometry_cuda PUBLIC isometry_core CUDA::cudart_static isometry::cublas isometry::cusolver)
set_target_properties(isometry_cuda PROPERTIES CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON)
# Philox/Box–Muller must round exactly as on the CPU, which does not fuse multiply–adds.
set_source_files_properties(cpp/cuda/kernels_rng.cu cpp/cuda/kernels_matfree.cu PROPERTIES COMPILE_OPTIONS "--fmad=false")
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(isometry_cuda PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)
endif()

file(GLOB ISOMETRY_CUDA_BINDING_SOURCES CONFIGURE_DEPENDS cpp/bindings_cuda/*.cpp)
pybind11_add_module(_cuda ${ISOMETRY_CUDA_BINDING_SOURCES})
target_link_libraries(_cuda PRIVATE isometry_cuda)
target_compile_definitions(_cuda PRIVATE ISOMETRY_CUDA_ARCHITECTURES="${ISOMETRY_CUDA_ARCHITECTURE_LIST}")
set_target_properties(_cuda PROPERTIES INSTALL_RPATH
  "$ORIGIN/../scipy_openblas32/lib;$ORIGIN/../nvidia/cu${CUDAToolkit_VERSION_MAJOR}/lib;${ISOMETRY_CUDA_MATH_LIBDIR}")
install(TARGETS _cuda LIBRARY DESTINATION isometry)
