#include "common/dynlib.h"

#include <dlfcn.h>
#include <link.h>

namespace trtcore {

namespace {
std::string loaded_path(void* handle, const std::string& fallback) {
    struct link_map* map = nullptr;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr && map->l_name[0]) {
        return map->l_name;
    }
    return fallback;
}
}  // namespace

std::unique_ptr<DynamicLibrary> DynamicLibrary::open(const std::string& soname,
                                                     const std::vector<std::string>& folders,
                                                     std::vector<std::string>& tried) {
    std::vector<std::string> candidates;
    for (const auto& folder : folders) {
        if (!folder.empty()) candidates.push_back(folder + "/" + soname);
    }
    candidates.push_back(soname);  // the system loader path (LD_LIBRARY_PATH, ld.so.cache, /usr/lib...)
    for (const auto& candidate : candidates) {
        dlerror();
        void* handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle != nullptr) {
            return std::make_unique<DynamicLibrary>(Key{}, handle, loaded_path(handle, candidate));
        }
        const char* why = dlerror();
        const bool searched = candidate == soname && soname.find('/') == std::string::npos;  // dlopen(3)'s rule
        tried.push_back(candidate + (searched ? " (system loader path)" : "") + ": " +
                        (why != nullptr ? why : "not found"));
    }
    return nullptr;
}

DynamicLibrary::~DynamicLibrary() {
    if (handle_ != nullptr && !keep_loaded_) dlclose(handle_);
}

bool DynamicLibrary::make_global(std::string& why) const {
    dlerror();
    // RTLD_NOLOAD: the library already mapped, now also in the global scope (the flag is never taken back).
    void* again = dlopen(path_.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
    if (again == nullptr) {
        const char* reason = dlerror();
        why = reason != nullptr ? reason : "not loaded";
        return false;
    }
    dlclose(again);  // drops the reference just taken; the library stays mapped through handle_
    return true;
}

void* DynamicLibrary::symbol(const char* name) const { return dlsym(handle_, name); }

}  // namespace trtcore
