// Where trtcore looks for TensorRT's libraries at run time, and what it finds there. Needs no TensorRT header:
// `trtcore info` reports an installed TensorRT even from a build compiled without TensorRT support.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/dynlib.h"
#include "common/fields.h"

namespace trtcore {

// Folders searched before the system loader path: $TRTCORE_TENSORRT_LIB_DIR (':'-separated), then the folders
// registered by set_tensorrt_extra_folders (the Python package registers pip's tensorrt_libs folder).
std::vector<std::string> tensorrt_search_folders();
void set_tensorrt_extra_folders(std::vector<std::string> folders);

struct TensorRTLibraryInfo {
    bool found = false;
    std::string path;               // file opened
    int major = 0, minor = 0, patch = 0;
    std::vector<std::string> tried;  // every place tried, with the loader's reason

    std::string version() const;  // "10.5.0"
    Fields fields() const;        // found, path, version (None when not found), tried
};

// Looks for libnvinfer.so.<major> for each major in `majors` (first found wins) and reads its version through
// getInferLibVersion. Never throws.
TensorRTLibraryInfo probe_tensorrt_library(const std::vector<int>& majors);

// Opens lib<name>.so.<major>, marked keep_loaded (never dlclosed), or throws TensorRTNotFound listing where it
// looked and how to install TensorRT. `first_folder` (libnvinfer's folder, for the parser and the plugins: the
// libraries of one release lie side by side) is tried before the search folders.
std::unique_ptr<DynamicLibrary> open_tensorrt_library(const std::string& name, int major,
                                                      const std::string& first_folder = {});

// The folder of a library path ("" for a bare name).
std::string folder_of(const std::string& path);

// The release a TensorRT library file is, read from the name it resolves to (symlinks followed):
// libnvonnxparser.so.10 -> libnvonnxparser.so.10.16.0 gives {10, 16, 0}. {} when the name carries the major
// only (pip's wheels ship libnvonnxparser.so.10 as a plain file). libnvonnxparser and libnvinfer_plugin have no
// version function that says their release (getNvOnnxParserVersion gives the parser API's 0.1.0).
std::vector<int> library_file_version(const std::string& path);

// libnvinfer opens its builder resources (libnvinfer_builder_resource*.so.<x.y.z>) by soname and has no $ORIGIN
// RUNPATH, so when libnvinfer was opened by path from a folder the loader does not search (pip's tensorrt_libs,
// $TRTCORE_TENSORRT_LIB_DIR) the builder cannot be created. Opening every such file in libnvinfer's folder first
// makes the later by-soname dlopen find the one already loaded (NVIDIA's tensorrt_libs/__init__.py preloads its
// folder for the same reason). Returns the files opened (kept loaded for the process); never throws.
std::vector<std::string> preload_builder_resources(const std::string& nvinfer_path);

}  // namespace trtcore
