// What the CUDA driver and devices are, asked without failing: trtcore info works on machines with no GPU.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/fields.h"

namespace trtcore::cuda {

struct DeviceInfo {
    int index = 0;
    std::string name;
    int compute_major = 0;
    int compute_minor = 0;
    std::size_t total_memory = 0;
    int multiprocessors = 0;

    std::string compute_capability() const {  // "9.0"
        return std::to_string(compute_major) + "." + std::to_string(compute_minor);
    }
    Fields fields() const;  // index, name, compute_capability, total_memory, multiprocessors
};

struct DriverInfo {
    int driver_version = 0;   // e.g. 13000 for CUDA 13.0; 0 when no driver is installed
    int runtime_version = 0;  // the cudart compiled in
    std::string error;        // why no device can be used, in CUDA's words; empty when devices are usable
    std::vector<DeviceInfo> devices;

    Fields fields() const;  // driver_version, runtime_version, error (None when empty); not the devices
};

// Never throws: a machine without a driver or device is described, not an error.
DriverInfo query_driver();
// The CUDA runtime trtcore was compiled against: "12.4".
std::string compiled_version();

}  // namespace trtcore::cuda
