// Opening shared libraries at run time (dlopen), with the list of places tried kept for the error message.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace trtcore {

class DynamicLibrary {
public:
    // Tries each folder in `folders` (in order), then the system loader path. Returns nullptr when none has it;
    // `tried` then lists every place tried with the loader's reason.
    static std::unique_ptr<DynamicLibrary> open(const std::string& soname, const std::vector<std::string>& folders,
                                                std::vector<std::string>& tried);
    ~DynamicLibrary();
    DynamicLibrary(const DynamicLibrary&) = delete;
    DynamicLibrary& operator=(const DynamicLibrary&) = delete;

    // nullptr when the library has no such symbol.
    void* symbol(const char* name) const;
    // The file the loader actually opened (resolved through dladdr/dlinfo where possible).
    const std::string& path() const { return path_; }
    // The destructor then leaves the library mapped for the rest of the process. TensorRT's libraries need this:
    // libnvinfer's plugin registry points into plugin libraries, and TensorRT's own teardown at exit may run after
    // ours, so unloading any of them can crash the process at exit.
    void keep_loaded() { keep_loaded_ = true; }
    // Makes the library's symbols global (RTLD_GLOBAL), so that libraries opened later resolve their undefined
    // symbols against it: a custom TensorRT plugin that calls getPluginRegistry() without linking libnvinfer
    // itself loads only then. Returns false (with the loader's reason in `why`) when the loader refuses.
    bool make_global(std::string& why) const;

    struct Key {  // only open() can make one: keeps the constructor usable by std::make_unique alone
    private:
        Key() = default;
        friend class DynamicLibrary;
    };
    DynamicLibrary(Key, void* handle, std::string path) : handle_(handle), path_(std::move(path)) {}

private:
    void* handle_;
    std::string path_;
    bool keep_loaded_ = false;
};

}  // namespace trtcore
