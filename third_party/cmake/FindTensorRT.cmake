# FindTensorRT: TensorRT's public headers (NvInfer.h, NvOnnxParser.h).
# trtcore never links libnvinfer: it opens the libraries at run time, so only headers are looked for here.
#
# Hints: the CMake variable TensorRT_ROOT (a folder holding include/ or the headers themselves), then alone;
#        without it the TensorRT_ROOT / TENSORRT_ROOT / TRT_ROOT environment variables, then the system folders.
# Defines: TensorRT_FOUND, TensorRT_INCLUDE_DIR, TensorRT_VERSION, TensorRT_VERSION_MAJOR, TensorRT_SEARCHED,
#          the imported target TensorRT::Headers (headers as SYSTEM includes: their warnings are not ours).

set(_trt_hints)
set(_trt_system /usr /usr/local /usr/local/tensorrt /opt/tensorrt)
set(_trt_only)
if(TensorRT_ROOT)
  # A folder named on the command line (or by pip through pyproject.toml) is the only place looked in: headers
  # found elsewhere (an environment variable, /usr) would be other headers than the ones asked for.
  set(_trt_hints "${TensorRT_ROOT}")
  set(_trt_system)
  set(_trt_only NO_DEFAULT_PATH)
else()
  foreach(_h IN ITEMS "$ENV{TensorRT_ROOT}" "$ENV{TENSORRT_ROOT}" "$ENV{TRT_ROOT}")
    if(_h)
      list(APPEND _trt_hints "${_h}")
    endif()
  endforeach()
endif()
set(_trt_paths ${_trt_hints} ${_trt_system})
set(TensorRT_SEARCHED "")
foreach(_p IN LISTS _trt_paths)
  string(APPEND TensorRT_SEARCHED "${_p}, ${_p}/include, ${_p}/include/x86_64-linux-gnu, ${_p}/include/aarch64-linux-gnu; ")
endforeach()
string(APPEND TensorRT_SEARCHED "(set TensorRT_ROOT to the folder that holds NvInfer.h or its include/)")

find_path(TensorRT_INCLUDE_DIR NAMES NvInfer.h
  HINTS ${_trt_hints}
  PATHS ${_trt_system}
  PATH_SUFFIXES include include/x86_64-linux-gnu include/aarch64-linux-gnu ""
  NO_CACHE ${_trt_only})
if(TensorRT_INCLUDE_DIR AND NOT EXISTS "${TensorRT_INCLUDE_DIR}/NvOnnxParser.h")
  message(STATUS "FindTensorRT: ${TensorRT_INCLUDE_DIR}/NvInfer.h found without NvOnnxParser.h beside it; ignored")
  set(TensorRT_INCLUDE_DIR "")
endif()

if(TensorRT_INCLUDE_DIR)
  file(READ "${TensorRT_INCLUDE_DIR}/NvInferVersion.h" _trt_version_h)
  # 10.5 defines the numbers directly; 10.16+ through TRT_*_ENTERPRISE.
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX MATCH "#define TRT_${_part}_ENTERPRISE ([0-9]+)" _m "${_trt_version_h}")
    if(NOT _m)
      string(REGEX MATCH "#define NV_TENSORRT_${_part} ([0-9]+)" _m "${_trt_version_h}")
    endif()
    set(TensorRT_VERSION_${_part} "${CMAKE_MATCH_1}")
  endforeach()
  set(TensorRT_VERSION "${TensorRT_VERSION_MAJOR}.${TensorRT_VERSION_MINOR}.${TensorRT_VERSION_PATCH}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(TensorRT REQUIRED_VARS TensorRT_INCLUDE_DIR VERSION_VAR TensorRT_VERSION)

if(TensorRT_FOUND AND NOT TARGET TensorRT::Headers)
  add_library(TensorRT::Headers INTERFACE IMPORTED)
  set_target_properties(TensorRT::Headers PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${TensorRT_INCLUDE_DIR}")
  # IMPORTED targets' include folders are SYSTEM by default: warnings from NVIDIA's headers are not ours.
endif()
