# Finds cuBLAS and cuSOLVER for the CUDA backend (see IsometryCuda.cmake), in this order:
#   1. ISOMETRY_CUDA_MATH_ROOT, when set (and nothing else, so a wrong path is an error);
#   2. the CUDA toolkit itself (CUDA::cublas, CUDA::cusolver);
#   3. site-packages/nvidia/cu<major> of the building Python (NVIDIA's PyPI wheels).
# The wheels ship only versioned libraries (libcublas.so.13), so those are globbed by name.
# On success defines the imported targets isometry::cublas and isometry::cusolver and sets
# ISOMETRY_CUDA_MATH_SOURCE and ISOMETRY_CUDA_MATH_LIBDIR; on failure sets
# ISOMETRY_CUDA_MATH_MISSING to a sentence saying what is missing.

# Looks for headers and libraries under `root`; sets out_error to "" on success.
function(_isometry_cuda_math_in root out_error)
  set(major "${CUDAToolkit_VERSION_MAJOR}")
  foreach(header cublas_v2.h cublas_api.h cusolverDn.h)
    if(NOT EXISTS "${root}/include/${header}")
      set(${out_error} "${root}/include/${header} does not exist" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  file(STRINGS "${root}/include/cublas_api.h" _line REGEX "#define CUBLAS_VER_MAJOR")
  string(REGEX MATCH "[0-9]+" cublas_major "${_line}")
  if(NOT cublas_major STREQUAL major)
    set(${out_error} "the cuBLAS headers in ${root} are for CUDA ${cublas_major}, nvcc is CUDA ${major}"
        PARENT_SCOPE)
    return()
  endif()
  foreach(lib cublas cublasLt cusolver)
    file(GLOB candidates "${root}/lib/lib${lib}.so" "${root}/lib/lib${lib}.so.[0-9]*"
         "${root}/lib64/lib${lib}.so" "${root}/lib64/lib${lib}.so.[0-9]*")
    if(NOT candidates)
      set(${out_error} "no lib${lib}.so in ${root}/lib" PARENT_SCOPE)
      return()
    endif()
    list(SORT candidates)  # libX.so sorts before libX.so.13 before libX.so.13.0.0
    list(GET candidates 0 path)
    set(_isometry_${lib}_path "${path}" PARENT_SCOPE)
    if(lib STREQUAL "cublas")
      get_filename_component(libdir "${path}" DIRECTORY)
    endif()
  endforeach()
  set(_isometry_cuda_math_libdir "${libdir}" PARENT_SCOPE)
  set(${out_error} "" PARENT_SCOPE)
endfunction()

function(_isometry_cuda_math_targets root)
  foreach(lib cublas cusolver)
    add_library(isometry::${lib} SHARED IMPORTED)
    set_target_properties(isometry::${lib} PROPERTIES
      IMPORTED_LOCATION "${_isometry_${lib}_path}"
      INTERFACE_INCLUDE_DIRECTORIES "${root}/include")
  endforeach()
  # cuBLAS needs cuBLASLt at link time of executables; keep the dependency explicit.
  set_property(TARGET isometry::cublas APPEND PROPERTY INTERFACE_LINK_LIBRARIES
               "${_isometry_cublasLt_path}")
endfunction()

macro(isometry_find_cuda_math)
  set(ISOMETRY_CUDA_MATH_MISSING "")
  set(ISOMETRY_CUDA_MATH_SOURCE "")
  set(ISOMETRY_CUDA_MATH_LIBDIR "")
  if(ISOMETRY_CUDA_MATH_ROOT)
    _isometry_cuda_math_in("${ISOMETRY_CUDA_MATH_ROOT}" _error)
    if(_error)
      set(ISOMETRY_CUDA_MATH_MISSING
          "cuBLAS/cuSOLVER were not found in ISOMETRY_CUDA_MATH_ROOT=${ISOMETRY_CUDA_MATH_ROOT}: ${_error}")
    else()
      _isometry_cuda_math_targets("${ISOMETRY_CUDA_MATH_ROOT}")
      set(ISOMETRY_CUDA_MATH_SOURCE "cuBLAS/cuSOLVER from ${ISOMETRY_CUDA_MATH_ROOT}")
      set(ISOMETRY_CUDA_MATH_LIBDIR "${_isometry_cuda_math_libdir}")
    endif()
  elseif(TARGET CUDA::cublas AND TARGET CUDA::cusolver AND EXISTS "${CUDAToolkit_INCLUDE_DIRS}/cusolverDn.h")
    add_library(isometry::cublas INTERFACE IMPORTED)
    set_target_properties(isometry::cublas PROPERTIES INTERFACE_LINK_LIBRARIES CUDA::cublas)
    add_library(isometry::cusolver INTERFACE IMPORTED)
    set_target_properties(isometry::cusolver PROPERTIES INTERFACE_LINK_LIBRARIES CUDA::cusolver)
    set(ISOMETRY_CUDA_MATH_SOURCE "cuBLAS/cuSOLVER from the CUDA toolkit")
    set(ISOMETRY_CUDA_MATH_LIBDIR "${CUDAToolkit_LIBRARY_DIR}")
  else()
    execute_process(
      COMMAND "${Python_EXECUTABLE}" -c
              "import nvidia, os; print(';'.join(os.path.join(p, 'cu${CUDAToolkit_VERSION_MAJOR}') for p in nvidia.__path__))"
      OUTPUT_VARIABLE _roots OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
    string(CONCAT ISOMETRY_CUDA_MATH_MISSING  # one string, not a list of three
        "cuBLAS/cuSOLVER were found neither in the CUDA toolkit nor in NVIDIA's wheels for CUDA ${CUDAToolkit_VERSION_MAJOR} "
        "(pip install nvidia-cublas nvidia-cusolver, then set ISOMETRY_CUDA_MATH_ROOT to site-packages/nvidia/cu${CUDAToolkit_VERSION_MAJOR} "
        "when building in an isolated environment)")
    if(_rc EQUAL 0)
      foreach(_root IN LISTS _roots)
        _isometry_cuda_math_in("${_root}" _error)
        if(NOT _error)
          _isometry_cuda_math_targets("${_root}")
          set(ISOMETRY_CUDA_MATH_MISSING "")
          set(ISOMETRY_CUDA_MATH_SOURCE "cuBLAS/cuSOLVER from ${_root}")
          set(ISOMETRY_CUDA_MATH_LIBDIR "${_isometry_cuda_math_libdir}")
          break()
        endif()
      endforeach()
    endif()
  endif()
endmacro()
