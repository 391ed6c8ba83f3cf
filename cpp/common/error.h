// trtcore's error family. Every C++ error that reaches a user is one of these; the Python bindings raise each as
// the trtcore.errors class that kind() names (python/trtcore/errors.py), in one place (cpp/bindings/bindings.h).
// Messages name the file, tensor or argument, the problem and, where there is one, the fix.
#pragma once

#include <stdexcept>
#include <string>

namespace trtcore {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    // The class's name, the same in C++ and in trtcore.errors.
    virtual const char* kind() const noexcept { return "Error"; }
};

// A file's contents are not what its format says (bad magic, truncated data, garbage in a header).
class FormatError : public Error {
public:
    using Error::Error;
    const char* kind() const noexcept override { return "FormatError"; }
};

// A file or folder cannot be opened, read or written (missing, a directory, no permission, disk full).
class FileError : public Error {
public:
    using Error::Error;
    const char* kind() const noexcept override { return "FileError"; }
};

// An argument is wrong in value (negative sizes, unknown names, class ids outside the palette).
class ArgumentError : public Error {
public:
    using Error::Error;
    const char* kind() const noexcept override { return "ArgumentError"; }
};

// An array has the wrong number of dimensions or the wrong extents.
class ShapeError : public ArgumentError {
public:
    using ArgumentError::ArgumentError;
    const char* kind() const noexcept override { return "ShapeError"; }
};

// An array has the wrong element type.
class DTypeError : public ArgumentError {
public:
    using ArgumentError::ArgumentError;
    const char* kind() const noexcept override { return "DTypeError"; }
};

// A CUDA call failed (no device, out of memory, a kernel fault). The message carries CUDA's own words.
class CudaError : public Error {
public:
    using Error::Error;
    const char* kind() const noexcept override { return "CudaError"; }
};

class CudaOutOfMemory : public CudaError {
public:
    using CudaError::CudaError;
    const char* kind() const noexcept override { return "CudaOutOfMemory"; }
};

// TensorRT support is not compiled in, or its libraries cannot be loaded at run time.
class TensorRTNotFound : public Error {
public:
    using Error::Error;
    const char* kind() const noexcept override { return "TensorRTNotFound"; }
};

// TensorRT reported a failure (deserialization, shape outside the profile, enqueue failed).
class TensorRTError : public Error {
public:
    using Error::Error;
    const char* kind() const noexcept override { return "TensorRTError"; }
};

// An engine build failed or was cancelled.
class BuildError : public TensorRTError {
public:
    using TensorRTError::TensorRTError;
    const char* kind() const noexcept override { return "BuildError"; }
};

}  // namespace trtcore
