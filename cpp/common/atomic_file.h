// The C++ half of trtcore's one atomic-write rule (the Python half is python/trtcore/files.py; both do the same):
// data goes to "<target>.tmp-XXXXXX" in the target's folder, held under flock while written, fsynced, given mode
// 0666 & ~umask (what a plain open() gives) and renamed over the target. A failure leaves the old file as it was
// and no temporary behind; a temporary left by a killed writer (nobody holds its lock, untouched for
// kStaleSeconds) is removed by the next write to the same target.
#pragma once

#include <cstddef>
#include <string>

namespace trtcore {

inline constexpr double kStaleSeconds = 5.0;

// The mode every file trtcore writes gets: 0666 & ~umask (the umask read without changing it).
unsigned file_mode();

// Removes the stale temporaries of `target` (see the top of this file); best effort, never throws. Returns how many.
int remove_stale_temporaries(const std::string& target);

// A temporary file next to the target; removed on destruction unless commit() renamed it into place.
// Throws FileError naming the target.
class AtomicFile {
public:
    explicit AtomicFile(const std::string& target);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, std::size_t n);
    void commit();

private:
    std::string target_, path_;
    int fd_ = -1;
    bool committed_ = false;
};

}  // namespace trtcore
