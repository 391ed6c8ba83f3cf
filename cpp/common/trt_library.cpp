#include "common/trt_library.h"

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <sstream>

#include "common/error.h"

namespace trtcore {

namespace {
std::mutex g_folders_mutex;
std::vector<std::string> g_extra_folders;

std::vector<std::string> split_path_list(const char* value) {
    std::vector<std::string> out;
    if (value == nullptr) return out;
    std::stringstream stream(value);
    std::string item;
    while (std::getline(stream, item, ':')) {
        if (!item.empty()) out.push_back(item);
    }
    return out;
}
}  // namespace

std::vector<std::string> tensorrt_search_folders() {
    std::vector<std::string> folders = split_path_list(std::getenv("TRTCORE_TENSORRT_LIB_DIR"));
    std::lock_guard<std::mutex> lock(g_folders_mutex);
    folders.insert(folders.end(), g_extra_folders.begin(), g_extra_folders.end());
    return folders;
}

void set_tensorrt_extra_folders(std::vector<std::string> folders) {
    std::lock_guard<std::mutex> lock(g_folders_mutex);
    g_extra_folders = std::move(folders);
}

TensorRTLibraryInfo probe_tensorrt_library(const std::vector<int>& majors) {
    TensorRTLibraryInfo info;
    const auto folders = tensorrt_search_folders();
    for (int major : majors) {
        auto lib = DynamicLibrary::open("libnvinfer.so." + std::to_string(major), folders, info.tried);
        if (!lib) continue;
        lib->keep_loaded();  // never unload TensorRT (DynamicLibrary::keep_loaded says why)
        info.found = true;
        info.path = lib->path();
        using VersionFn = int32_t (*)();
        if (auto fn = reinterpret_cast<VersionFn>(lib->symbol("getInferLibVersion"))) {
            const int32_t v = fn();  // major*10000 + minor*100 + patch
            info.major = v / 10000;
            info.minor = (v / 100) % 100;
            info.patch = v % 100;
        } else {
            info.major = major;
        }
        return info;
    }
    return info;
}

std::unique_ptr<DynamicLibrary> open_tensorrt_library(const std::string& name, int major) {
    std::vector<std::string> tried;
    const std::string soname = "lib" + name + ".so." + std::to_string(major);
    auto lib = DynamicLibrary::open(soname, tensorrt_search_folders(), tried);
    if (lib) {
        lib->keep_loaded();  // never unload TensorRT (DynamicLibrary::keep_loaded says why)
        return lib;
    }
    std::ostringstream msg;
    msg << "TensorRT library " << soname << " was not found (this trtcore was compiled against TensorRT " << major
        << ".x headers). Looked in:";
    for (const auto& t : tried) msg << "\n  - " << t;
    msg << "\nInstall TensorRT " << major << ".x (e.g. `pip install tensorrt-cu13` or NVIDIA's tar/deb packages) "
        << "or point TRTCORE_TENSORRT_LIB_DIR at the folder holding " << soname << ".";
    throw TensorRTNotFound(msg.str());
}

}  // namespace trtcore
