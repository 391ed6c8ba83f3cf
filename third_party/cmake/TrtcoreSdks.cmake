# Resolve TRTCORE_WITH_CUDA / TRTCORE_WITH_TENSORRT (AUTO/ON/OFF) into TRTCORE_HAVE_CUDA / TRTCORE_HAVE_TENSORRT.

function(_trtcore_resolve option found what where)
  string(TOUPPER "${${option}}" mode)
  if(mode STREQUAL "OFF")
    set(result OFF)
  elseif(${found})
    set(result ON)
  elseif(mode STREQUAL "ON")
    message(FATAL_ERROR "${option}=ON but ${what} was not found. Looked in: ${where}")
  else()
    set(result OFF)
  endif()
  string(REPLACE "TRTCORE_WITH_" "TRTCORE_HAVE_" have "${option}")
  set(${have} ${result} PARENT_SCOPE)
endfunction()

# CUDA: the toolkit's runtime library and headers (no nvcc needed).
string(TOUPPER "${TRTCORE_WITH_CUDA}" _cuda_mode)
if(NOT _cuda_mode STREQUAL "OFF")
  find_package(CUDAToolkit QUIET)
endif()
_trtcore_resolve(TRTCORE_WITH_CUDA CUDAToolkit_FOUND "the CUDA toolkit (cudart)"
  "CUDAToolkit_ROOT='${CUDAToolkit_ROOT}', CUDA_PATH='$ENV{CUDA_PATH}', the folder of nvcc on PATH, /usr/local/cuda")
if(TRTCORE_HAVE_CUDA)
  message(STATUS "trtcore: CUDA ${CUDAToolkit_VERSION} compiled in (${CUDAToolkit_INCLUDE_DIRS})")
else()
  message(STATUS "trtcore: CUDA not compiled in (TRTCORE_WITH_CUDA=${TRTCORE_WITH_CUDA})")
endif()

# TensorRT: headers only; the libraries are opened at run time.
string(TOUPPER "${TRTCORE_WITH_TENSORRT}" _trt_mode)
if(NOT _trt_mode STREQUAL "OFF")
  find_package(TensorRT QUIET)
endif()
set(_trt_found FALSE)
# The oldest headers the source is compile-checked against (tools/check-tensorrt-compile): older ones (10.0 lacks
# APIs trtcore calls) are set aside here with a message rather than failing later with a compile error.
set(TRTCORE_TENSORRT_MIN_VERSION 10.5)
if(TensorRT_FOUND AND TensorRT_VERSION VERSION_LESS TRTCORE_TENSORRT_MIN_VERSION)
  message(STATUS "trtcore: TensorRT ${TensorRT_VERSION} headers in ${TensorRT_INCLUDE_DIR} are older than "
    "${TRTCORE_TENSORRT_MIN_VERSION}, the oldest trtcore supports; not used")
  string(PREPEND TensorRT_SEARCHED "${TensorRT_INCLUDE_DIR} (TensorRT ${TensorRT_VERSION}: older than "
    "${TRTCORE_TENSORRT_MIN_VERSION}, the oldest trtcore supports; install TensorRT ${TRTCORE_TENSORRT_MIN_VERSION} "
    "or newer), ")
  set(TensorRT_FOUND FALSE)
endif()
if(TensorRT_FOUND AND TRTCORE_HAVE_CUDA)
  set(_trt_found TRUE)
elseif(TensorRT_FOUND)
  message(STATUS "trtcore: TensorRT headers found but CUDA is not compiled in; TensorRT support needs both")
endif()
_trtcore_resolve(TRTCORE_WITH_TENSORRT _trt_found "TensorRT's headers (NvInfer.h, NvOnnxParser.h) with CUDA"
  "${TensorRT_SEARCHED}")
if(TRTCORE_HAVE_TENSORRT)
  message(STATUS "trtcore: TensorRT ${TensorRT_VERSION} headers compiled in (${TensorRT_INCLUDE_DIR})")
else()
  message(STATUS "trtcore: TensorRT not compiled in (TRTCORE_WITH_TENSORRT=${TRTCORE_WITH_TENSORRT})")
endif()
