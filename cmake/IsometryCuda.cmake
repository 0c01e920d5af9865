# The optional CUDA backend, the extension isometry._cuda.
#
#   ISOMETRY_CUDA=AUTO (default)  build it when nvcc, cuBLAS and cuSOLVER are all found; otherwise
#                                 skip it with a message saying what was missing
#   ISOMETRY_CUDA=ON              build it, or stop with a configure error (never a silent skip)
#   ISOMETRY_CUDA=OFF             do not build it
#
# cuBLAS/cuSOLVER come from the CUDA toolkit when it has them; otherwise from NVIDIA's PyPI
# wheels (nvidia-cublas, nvidia-cusolver), which unpack to site-packages/nvidia/cu<major>/
# {include,lib}. ISOMETRY_CUDA_MATH_ROOT names such a folder; left empty, the nvidia/cu<major>
# folders of the Python that builds us are tried. Pass options as usual, e.g.
#   pip install . -Ccmake.define.ISOMETRY_CUDA=ON
#   SKBUILD_CMAKE_DEFINE="ISOMETRY_CUDA=ON;ISOMETRY_CUDA_MATH_ROOT=/path/nvidia/cu13" pip install .
# The default architecture list is sm_90 machine code plus compute_90 PTX (H100; the PTX lets
# newer GPUs JIT-compile); set CMAKE_CUDA_ARCHITECTURES to change it.
#
# Sets ISOMETRY_CUDA_ENABLED (TRUE/FALSE), ISOMETRY_CUDA_MODE (AUTO/ON/OFF) and
# ISOMETRY_CUDA_STATUS (one line for isometry.build_info()); when enabled, the imported targets
# isometry::cublas and isometry::cusolver. File scope on purpose: enable_language() must not be
# called from a function.

set(ISOMETRY_CUDA "AUTO" CACHE STRING "Build the CUDA extension isometry._cuda: AUTO, ON or OFF")
set_property(CACHE ISOMETRY_CUDA PROPERTY STRINGS AUTO ON OFF)
set(ISOMETRY_CUDA_MATH_ROOT "" CACHE PATH
    "Folder with include/ and lib/ of cuBLAS and cuSOLVER (e.g. site-packages/nvidia/cu13)")

string(TOUPPER "${ISOMETRY_CUDA}" ISOMETRY_CUDA_MODE)
if(ISOMETRY_CUDA_MODE MATCHES "^(TRUE|YES|1)$")
  set(ISOMETRY_CUDA_MODE ON)
elseif(ISOMETRY_CUDA_MODE MATCHES "^(FALSE|NO|0)$")
  set(ISOMETRY_CUDA_MODE OFF)
endif()
if(NOT ISOMETRY_CUDA_MODE MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "ISOMETRY_CUDA must be AUTO, ON or OFF; got '${ISOMETRY_CUDA}'")
endif()

set(ISOMETRY_CUDA_ENABLED FALSE)
set(ISOMETRY_CUDA_STATUS "")

# Records why the backend is not built: a configure error under ON, a message under AUTO.
macro(isometry_cuda_unavailable reason)
  string(REPLACE ";" "," _isometry_reason "${reason}")
  set(ISOMETRY_CUDA_STATUS "not built: ${_isometry_reason}")
  if(ISOMETRY_CUDA_MODE STREQUAL "ON")
    message(FATAL_ERROR "ISOMETRY_CUDA=ON but ${reason}. Install what is missing, or configure with "
                        "ISOMETRY_CUDA=AUTO or OFF to build without the CUDA backend.")
  endif()
  message(STATUS "isometry: CUDA backend not built (ISOMETRY_CUDA=${ISOMETRY_CUDA_MODE}): ${reason}")
endmacro()

if(ISOMETRY_CUDA_MODE STREQUAL "OFF")
  set(ISOMETRY_CUDA_STATUS "not built: ISOMETRY_CUDA=OFF")
  message(STATUS "isometry: CUDA backend not built (ISOMETRY_CUDA=OFF)")
else()
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    isometry_cuda_unavailable("no CUDA compiler (nvcc) was found (set CUDACXX or put nvcc on PATH)")
  else()
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)  # "90" = sm_90 SASS + compute_90 PTX
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    include("${CMAKE_CURRENT_LIST_DIR}/IsometryCudaMath.cmake")
    isometry_find_cuda_math()
    if(ISOMETRY_CUDA_MATH_MISSING)
      isometry_cuda_unavailable("${ISOMETRY_CUDA_MATH_MISSING}")
    else()
      set(ISOMETRY_CUDA_ENABLED TRUE)
      # Commas, not semicolons: these strings become compile definitions (CMake lists split at ';').
      string(REPLACE ";" "," ISOMETRY_CUDA_ARCHITECTURE_LIST "${CMAKE_CUDA_ARCHITECTURES}")
      set(ISOMETRY_CUDA_STATUS
          "built with CUDA ${CUDAToolkit_VERSION} for architectures ${ISOMETRY_CUDA_ARCHITECTURE_LIST}, ${ISOMETRY_CUDA_MATH_SOURCE}")
      message(STATUS "isometry: CUDA backend ${ISOMETRY_CUDA_STATUS}")
    endif()
  endif()
endif()
