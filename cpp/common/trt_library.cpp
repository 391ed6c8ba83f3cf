#include "common/trt_library.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>

#include <algorithm>
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

std::string TensorRTLibraryInfo::version() const {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

Fields TensorRTLibraryInfo::fields() const {
    return {{"found", found},
            {"path", found ? FieldValue(path) : FieldValue()},
            {"version", found ? FieldValue(version()) : FieldValue()},
            {"tried", tried}};
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

std::string folder_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash == 0 ? 1 : slash);
}

std::vector<int> library_file_version(const std::string& path) {
    std::vector<int> version;
    char resolved[PATH_MAX];
    const std::string real = ::realpath(path.c_str(), resolved) != nullptr ? resolved : path;
    const std::string name = real.substr(real.rfind('/') + 1);
    const auto so = name.rfind(".so.");
    if (so == std::string::npos) return version;
    std::stringstream stream(name.substr(so + 4));
    std::string part;
    while (std::getline(stream, part, '.')) {
        if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return {};
        version.push_back(std::atoi(part.c_str()));
    }
    if (version.size() < 2) version.clear();  // the major alone says nothing the soname did not
    return version;
}

std::unique_ptr<DynamicLibrary> open_tensorrt_library(const std::string& name, int major,
                                                      const std::string& first_folder) {
    std::vector<std::string> tried;
    const std::string soname = "lib" + name + ".so." + std::to_string(major);
    std::vector<std::string> folders = tensorrt_search_folders();
    if (!first_folder.empty()) folders.insert(folders.begin(), first_folder);
    auto lib = DynamicLibrary::open(soname, folders, tried);
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

std::vector<std::string> preload_builder_resources(const std::string& nvinfer_path) {
    std::vector<std::string> opened;
    const auto slash = nvinfer_path.rfind('/');
    if (slash == std::string::npos) return opened;  // found on the loader path: it finds the resources too
    const std::string folder = nvinfer_path.substr(0, slash);
    std::vector<std::string> files;
    if (DIR* dir = ::opendir(folder.c_str())) {
        while (const dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (name.rfind("libnvinfer_builder_resource", 0) == 0 && name.find(".so") != std::string::npos) {
                files.push_back(folder + "/" + name);
            }
        }
        ::closedir(dir);
    }
    std::sort(files.begin(), files.end());
    static std::mutex mutex;
    static std::vector<std::unique_ptr<DynamicLibrary>> kept;  // process lifetime, like libnvinfer itself
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& file : files) {
        std::vector<std::string> tried;
        if (auto lib = DynamicLibrary::open(file, {}, tried)) {
            lib->keep_loaded();
            opened.push_back(lib->path());
            kept.push_back(std::move(lib));
        }
    }
    return opened;
}

}  // namespace trtcore
