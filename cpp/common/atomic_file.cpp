// See atomic_file.h. The same rule as python/trtcore/files.py.
#include "common/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <vector>

#include "common/error.h"

namespace trtcore {

namespace {

constexpr char kTempMark[] = ".tmp-";

std::string why(int err) { return std::strerror(err); }

void split(const std::string& target, std::string& folder, std::string& name) {
    const auto slash = target.rfind('/');
    folder = slash == std::string::npos ? "." : (slash == 0 ? "/" : target.substr(0, slash));
    name = slash == std::string::npos ? target : target.substr(slash + 1);
}

bool is_temporary_of(const std::string& entry, const std::string& name) {
    const std::string prefix = name + kTempMark;
    if (entry.size() < prefix.size() + 6 || entry.size() > prefix.size() + 8 || entry.compare(0, prefix.size(), prefix))
        return false;
    for (std::size_t i = prefix.size(); i < entry.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(entry[i]);
        if (!std::isalnum(c) && c != '_') return false;
    }
    return true;
}

}  // namespace

unsigned file_mode() {
    std::ifstream status("/proc/self/status");
    std::string line;
    mode_t mask = 022;
    while (std::getline(status, line))
        if (line.rfind("Umask:", 0) == 0) {
            mask = static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
            break;
        }
    return 0666u & ~static_cast<unsigned>(mask);
}

int remove_stale_temporaries(const std::string& target) {
    std::string folder, name;
    split(target, folder, name);
    DIR* dir = ::opendir(folder.c_str());
    if (dir == nullptr) return 0;
    std::vector<std::string> candidates;
    while (const dirent* e = ::readdir(dir))
        if (is_temporary_of(e->d_name, name)) candidates.emplace_back(e->d_name);
    ::closedir(dir);
    int removed = 0;
    const std::time_t now = std::time(nullptr);
    for (const std::string& entry : candidates) {
        const std::string path = folder + "/" + entry;
        const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) continue;
        struct stat st {};
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && std::difftime(now, st.st_mtime) >= kStaleSeconds &&
            ::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::unlink(path.c_str()) == 0)
            ++removed;
        ::close(fd);
    }
    return removed;
}

AtomicFile::AtomicFile(const std::string& target) : target_(target) {
    remove_stale_temporaries(target);
    std::vector<char> name(target.begin(), target.end());
    const char suffix[] = ".tmp-XXXXXX";
    name.insert(name.end(), suffix, suffix + sizeof suffix);  // includes the terminating NUL
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ < 0) throw FileError(target + ": cannot write (creating a temporary file there failed: " + why(errno) + ")");
    path_ = name.data();
    ::flock(fd_, LOCK_EX);  // tells remove_stale_temporaries this one is alive
}

AtomicFile::~AtomicFile() {
    if (!committed_) ::unlink(path_.c_str());
    if (fd_ >= 0) ::close(fd_);
}

void AtomicFile::write(const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        const ssize_t w = ::write(fd_, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            throw FileError(target_ + ": write failed (" + why(errno) + "); the file there before is unchanged");
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

void AtomicFile::commit() {
    // mkstemp makes the file 0600; give it the mode a plain open() would have.
    if (::fchmod(fd_, static_cast<mode_t>(file_mode())) != 0)
        throw FileError(target_ + ": cannot set permissions: " + why(errno));
    if (::fsync(fd_) != 0) throw FileError(target_ + ": write failed (" + why(errno) + ")");
    // Renamed while the lock is held: until then the temporary is visibly alive.
    if (::rename(path_.c_str(), target_.c_str()) != 0)
        throw FileError(target_ + ": cannot write (renaming the temporary file failed: " + why(errno) + ")");
    committed_ = true;
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw FileError(target_ + ": write failed on close: " + why(errno));
}

}  // namespace trtcore
