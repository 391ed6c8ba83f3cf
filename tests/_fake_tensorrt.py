"""A fake TensorRT (libnvinfer + libnvonnxparser) complete enough to run trtcore's build and load paths end to end
without a GPU, for the tests of issue 9. Like NVIDIA's, the public classes are the headers' own, forwarding through
``mImpl`` to implementation objects (``apiv::V*``) that live in the library; ours have vtables of do-nothing slots,
and the slots trtcore calls behave as TensorRT documents and record the call (one line per call, to
``$FAKE_TRT_RECORD``). Compiled against the same TensorRT headers as trtcore (TensorRT_ROOT), so the slots are the
headers' own; each test loads it in a fresh interpreter (the loaded library is process-wide).

What the fake does:
- ``createInferBuilder`` logs ``$FAKE_NO_BUILDER`` as an error and gives no builder when that is set;
- builder: ``buildSerializedNetwork`` reports one phase of two steps to the config's IProgressMonitor and returns
  the plan ``FAKEPLAN``, or nothing when ``stepComplete`` answered false (cancelled);
- plugin registry (``getPluginRegistry()``, the builder's and the full runtime's; a lean runtime has its own):
  ``loadLibrary`` opens the file and calls its ``getCreators``/``getPluginCreators`` as TensorRT's does, failing
  (reported to the registry's error recorder) for a library without them, or with ``$FAKE_REGISTRY_REFUSE`` as
  the reason when that is set;
- ONNX parser: parses anything; ``getUsedVCPluginLibraries`` lists ``$FAKE_VC_PLUGINS`` (':'-separated);
- runtime: ``deserializeCudaEngine`` logs a warning and an info message, then ``$FAKE_DESERIALIZE_ERROR`` as an error and fails when it is set, else
  gives an engine with one float32 input ``x`` of shape (-1, 3), profile 1..4 x 3; ``loadRuntime`` gives a lean
  runtime (its own registry) for an existing file; ``setTemporaryDirectory`` / ``setTempfileControlFlags`` record
  the path / the flags with the runtime's registry name (``registry`` for the full runtime, ``lean-registry``);
- refitting: an engine is refittable when its plan holds ``REFIT`` and needs the weights ``$FAKE_ENGINE_WEIGHTS``
  (':'-separated; default ``conv.weight:conv.bias``); ``createInferRefitter`` gives an IRefitter that takes those by
  name (``setNamedWeights``; others are an error), lists what is missing and fails ``refitCudaEngine`` while
  anything is (or with ``$FAKE_REFIT_ERROR`` as the reason); the parser's ``createNvOnnxParserRefitter`` gives an
  IParserRefitter whose ``refitFromFile`` sets each needed weight whose name occurs in the file's bytes and rejects
  a file holding ``CORRUPT``; ``serializeWithConfig`` gives ``REFITTED <plan> weights=<set> flags=<config flags>``
  (a plan holding ``STRIPPED`` has ``kEXCLUDE_WEIGHTS`` set by default);
- execution context: ``setInputShape`` with a first dimension over 4 reports an error naming the context and
  fails; with 3 it reports an error but succeeds (TensorRT reports some errors without failing the call);
  ``setTensorAddress`` records the address modulo 256 and ``enqueueV3`` does nothing (the input is not read). Errors
  go to the context's error recorder when it has one, else to the logger, as TensorRT documents.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from _fresh import fresh_python
from trtcore import _core

# What the fake libraries' C++ shares, pasted after their includes: it opens the anonymous namespace their own code
# continues with the call recorder (FAKE_TRT_RECORD) and the Itanium-ABI vtable-slot helpers.
FAKE_COMMON = r"""
namespace {
void record(const std::string& line) {
    if (const char* file = std::getenv("FAKE_TRT_RECORD")) {
        if (FILE* f = std::fopen(file, "a")) {
            std::fprintf(f, "%s\n", line.c_str());
            std::fclose(f);
        }
    }
}

// Itanium C++ ABI: a pointer to a virtual member function holds 1 + the byte offset of its vtable slot.
template <typename F>
std::size_t slot(F f) {
    std::uintptr_t raw[2];
    static_assert(sizeof(F) == sizeof(raw), "Itanium ABI member pointer");
    std::memcpy(raw, &f, sizeof(raw));
    return (raw[0] - 1) / sizeof(void*);
}

std::uintptr_t nothing() { return 0; }
"""

FAKE_TENSORRT = r"""
#include <NvInfer.h>
#include <dlfcn.h>
#include <sys/stat.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace api = nvinfer1::apiv;
using nvinfer1::Dims;

""" + FAKE_COMMON + r"""
struct Impl {  // an object with a vtable pointer, here to its own table of do-nothing slots
    void* const* vptr = table;
    void* table[1024];
    Impl() { for (auto& s : table) s = reinterpret_cast<void*>(&nothing); }
    template <typename F, typename Fn> void set(F member, Fn fn) { table[slot(member)] = reinterpret_cast<void*>(fn); }
};

nvinfer1::ILogger* g_logger = nullptr;  // the last logger a factory was given

Dims dims2(int64_t a, int64_t b) {
    Dims d{};
    d.nbDims = 2;
    d.d[0] = a;
    d.d[1] = b;
    return d;
}

// An IPluginRegistry (pure virtual in the headers): the Impl's vtable *is* the object's.
struct Registry {
    Impl impl;
    std::string name;
    nvinfer1::IErrorRecorder* recorder = nullptr;
    static Registry& of(void* self) { return *reinterpret_cast<Registry*>(self); }
    void error(const std::string& text) {
        if (recorder != nullptr) {
            recorder->reportError(nvinfer1::ErrorCode::kINVALID_ARGUMENT, text.c_str());
        } else if (g_logger != nullptr) {
            g_logger->log(nvinfer1::ILogger::Severity::kERROR, text.c_str());
        }
    }
    explicit Registry(std::string n) : name(std::move(n)) {
        using R = nvinfer1::IPluginRegistry;
        impl.set(&R::setErrorRecorder, +[](void* self, nvinfer1::IErrorRecorder* r) { of(self).recorder = r; });
        impl.set(&R::getErrorRecorder, +[](void* self) { return of(self).recorder; });
        impl.set(&R::loadLibrary, +[](void* self, const char* path) -> void* {
            Registry& registry = of(self);
            void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
            if (handle == nullptr) {
                registry.error(std::string("fake registry: cannot open ") + path + ": " + dlerror());
                return nullptr;
            }
            using GetCreators = void* (*)(int32_t&);
            auto get = reinterpret_cast<GetCreators>(dlsym(handle, "getCreators"));
            if (get == nullptr) get = reinterpret_cast<GetCreators>(dlsym(handle, "getPluginCreators"));
            if (get == nullptr) {
                registry.error(std::string("fake registry: ") + path + " has neither getCreators nor getPluginCreators");
                return nullptr;
            }
            if (const char* refuse = std::getenv("FAKE_REGISTRY_REFUSE")) {  // e.g. a creator already registered
                registry.error(refuse);
                return nullptr;
            }
            int32_t n = 0;
            get(n);
            record(registry.name + " loadLibrary " + path + " creators=" + std::to_string(n));
            return handle;
        });
    }
    nvinfer1::IPluginRegistry& as_registry() { return *reinterpret_cast<nvinfer1::IPluginRegistry*>(this); }
};

Registry& global_registry() {
    static Registry* registry = new Registry("registry");
    return *registry;
}

struct HostMemory : nvinfer1::IHostMemory {
    Impl impl;
    std::string bytes;
    explicit HostMemory(std::string b) : bytes(std::move(b)) {
        mImpl = reinterpret_cast<api::VHostMemory*>(&impl);
        impl.set(&api::VHostMemory::data, +[](void* self) -> void* {
            return const_cast<char*>(reinterpret_cast<HostMemory*>(
                reinterpret_cast<char*>(self) - offsetof(HostMemory, impl))->bytes.data());
        });
        impl.set(&api::VHostMemory::size, +[](void* self) -> std::size_t {
            return reinterpret_cast<HostMemory*>(reinterpret_cast<char*>(self) - offsetof(HostMemory, impl))
                ->bytes.size();
        });
    }
};

struct Config : nvinfer1::IBuilderConfig {
    Impl impl;
    nvinfer1::IProgressMonitor* monitor = nullptr;
    static Config& of(void* self) { return *reinterpret_cast<Config*>(reinterpret_cast<char*>(self) - offsetof(Config, impl)); }
    Config() {
        mImpl = reinterpret_cast<api::VBuilderConfig*>(&impl);
        impl.set(&api::VBuilderConfig::setProgressMonitor,
                 +[](void* self, nvinfer1::IProgressMonitor* m) { of(self).monitor = m; });
        impl.set(&api::VBuilderConfig::setPluginsToSerialize, +[](void*, char const* const* paths, int32_t n) {
            std::string line = "setPluginsToSerialize";
            for (int32_t i = 0; i < n; ++i) line += std::string(" ") + paths[i];
            record(line);
        });
        impl.set(&api::VBuilderConfig::setFlag, +[](void*, nvinfer1::BuilderFlag f) {
            if (f == nvinfer1::BuilderFlag::kVERSION_COMPATIBLE) record("setFlag kVERSION_COMPATIBLE");
            if (f == nvinfer1::BuilderFlag::kEXCLUDE_LEAN_RUNTIME) record("setFlag kEXCLUDE_LEAN_RUNTIME");
        });
    }
};

struct Network : nvinfer1::INetworkDefinition {
    Impl impl;
    Network() { mImpl = reinterpret_cast<api::VNetworkDefinition*>(&impl); }
};

struct Builder : nvinfer1::IBuilder {
    Impl impl;
    Builder() {
        mImpl = reinterpret_cast<api::VBuilder*>(&impl);
        impl.set(&api::VBuilder::createNetworkV2, +[](void*, nvinfer1::NetworkDefinitionCreationFlags) {
            return static_cast<nvinfer1::INetworkDefinition*>(new Network);
        });
        impl.set(&api::VBuilder::createBuilderConfig,
                 +[](void*) { return static_cast<nvinfer1::IBuilderConfig*>(new Config); });
        impl.set(&api::VBuilder::getPluginRegistry, +[](void*) { return &global_registry().as_registry(); });
        using Build = nvinfer1::IHostMemory* (api::VBuilder::*)(nvinfer1::INetworkDefinition&,
                                                                nvinfer1::IBuilderConfig&) noexcept;
        impl.set(static_cast<Build>(&api::VBuilder::buildSerializedNetwork),
                 +[](void*, nvinfer1::INetworkDefinition&, nvinfer1::IBuilderConfig& config) -> nvinfer1::IHostMemory* {
            nvinfer1::IProgressMonitor* monitor = static_cast<Config&>(config).monitor;
            if (monitor != nullptr) {
                monitor->phaseStart("Building engine", nullptr, 2);
                for (int32_t step = 0; step < 2; ++step) {
                    if (!monitor->stepComplete("Building engine", step)) {
                        monitor->phaseFinish("Building engine");
                        record("build cancelled at step " + std::to_string(step));
                        return nullptr;
                    }
                }
                monitor->phaseFinish("Building engine");
            }
            record("build finished");
            return new HostMemory("FAKEPLAN");
        });
    }
};

struct Context : nvinfer1::IExecutionContext {
    Impl impl;
    int id;
    nvinfer1::IErrorRecorder* recorder = nullptr;
    static Context& of(void* self) {
        return *reinterpret_cast<Context*>(reinterpret_cast<char*>(self) - offsetof(Context, impl));
    }
    void error(const std::string& text) {
        if (recorder != nullptr) {
            recorder->reportError(nvinfer1::ErrorCode::kINVALID_ARGUMENT, text.c_str());
        } else if (g_logger != nullptr) {
            g_logger->log(nvinfer1::ILogger::Severity::kERROR, text.c_str());
        }
    }
    explicit Context(int i) : id(i) {
        mImpl = reinterpret_cast<api::VExecutionContext*>(&impl);
        impl.set(&api::VExecutionContext::setErrorRecorder, +[](void* self, nvinfer1::IErrorRecorder* r) {
            Context& c = of(self);
            if (c.recorder != nullptr) c.recorder->decRefCount();
            c.recorder = r;
            if (r != nullptr) r->incRefCount();
            record("context " + std::to_string(c.id) + " setErrorRecorder");
        });
        impl.set(&api::VExecutionContext::setInputShape, +[](void* self, const char*, const Dims& dims) {
            Context& c = of(self);
            const std::string who = "fake context " + std::to_string(c.id);
            if (dims.d[0] > 4) {
                c.error(who + " rejects batch " + std::to_string(dims.d[0]));
                return false;
            }
            if (dims.d[0] == 3) c.error(who + " complains about batch 3 but goes on");
            return true;
        });
        impl.set(&api::VExecutionContext::setTensorAddress, +[](void*, const char* name, void* address) {
            record(std::string("setTensorAddress ") + name + " " +
                   std::to_string(reinterpret_cast<std::uintptr_t>(address) % 256));
            return true;
        });
        impl.set(&api::VExecutionContext::enqueueV3, +[](void*, cudaStream_t) { return true; });
    }
    ~Context() override {
        if (recorder != nullptr) recorder->decRefCount();
    }
};

// The weights a refittable fake engine needs: $FAKE_ENGINE_WEIGHTS (':'-separated), else conv.weight and conv.bias.
std::vector<std::string> split(const char* list) {
    std::vector<std::string> out;
    std::string all = list != nullptr ? list : "";
    for (std::size_t start = 0; start < all.size();) {
        const std::size_t end = all.find(':', start);
        out.push_back(all.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}
std::vector<std::string> engine_weights() {
    const char* list = std::getenv("FAKE_ENGINE_WEIGHTS");
    return split(list != nullptr ? list : "conv.weight:conv.bias");
}

struct SerializationConfig : nvinfer1::ISerializationConfig {
    Impl impl;
    nvinfer1::SerializationFlags flags = 0;
    static SerializationConfig& of(void* self) {
        return *reinterpret_cast<SerializationConfig*>(reinterpret_cast<char*>(self) - offsetof(SerializationConfig, impl));
    }
    static nvinfer1::SerializationFlags bit(nvinfer1::SerializationFlag f) { return 1U << static_cast<int32_t>(f); }
    explicit SerializationConfig(nvinfer1::SerializationFlags initial) : flags(initial) {
        mImpl = reinterpret_cast<api::VSerializationConfig*>(&impl);
        impl.set(&api::VSerializationConfig::getFlags, +[](void* self) { return of(self).flags; });
        impl.set(&api::VSerializationConfig::setFlag, +[](void* self, nvinfer1::SerializationFlag f) {
            of(self).flags |= bit(f);
            return true;
        });
        impl.set(&api::VSerializationConfig::clearFlag, +[](void* self, nvinfer1::SerializationFlag f) {
            of(self).flags &= ~bit(f);
            return true;
        });
    }
};

struct Engine : nvinfer1::ICudaEngine {
    Impl impl;
    int contexts = 0;
    std::string plan;
    std::string refitted;  // the weights the last refitCudaEngine set, space-separated
    static Engine& of(void* self) { return *reinterpret_cast<Engine*>(reinterpret_cast<char*>(self) - offsetof(Engine, impl)); }
    explicit Engine(std::string p) : plan(std::move(p)) {
        mImpl = reinterpret_cast<api::VCudaEngine*>(&impl);
        // Refittable when the plan says so ("...REFIT..."); a stripped plan ("...STRIPPED...") excludes its weights
        // by default when serialized, as TensorRT's do.
        impl.set(&api::VCudaEngine::isRefittable,
                 +[](void* self) { return of(self).plan.find("REFIT") != std::string::npos; });
        impl.set(&api::VCudaEngine::createSerializationConfig, +[](void* self) -> nvinfer1::ISerializationConfig* {
            const bool stripped = of(self).plan.find("STRIPPED") != std::string::npos;
            return new SerializationConfig(stripped ? SerializationConfig::bit(
                nvinfer1::SerializationFlag::kEXCLUDE_WEIGHTS) : 0U);
        });
        impl.set(&api::VCudaEngine::serializeWithConfig,
                 +[](void* self, nvinfer1::ISerializationConfig& config) -> nvinfer1::IHostMemory* {
            const Engine& e = of(self);
            record("serializeWithConfig flags=" + std::to_string(config.getFlags()));
            return new HostMemory("REFITTED " + e.plan + " weights=" + e.refitted +
                                  " flags=" + std::to_string(config.getFlags()));
        });
        impl.set(&api::VCudaEngine::getNbIOTensors, +[](void*) { return int32_t{1}; });
        impl.set(&api::VCudaEngine::getIOTensorName, +[](void*, int32_t) { return "x"; });
        impl.set(&api::VCudaEngine::getTensorIOMode, +[](void*, const char*) { return nvinfer1::TensorIOMode::kINPUT; });
        impl.set(&api::VCudaEngine::getTensorShape, +[](void*, const char*) { return dims2(-1, 3); });
        impl.set(&api::VCudaEngine::getNbOptimizationProfiles, +[](void*) { return int32_t{1}; });
        impl.set(&api::VCudaEngine::getProfileShape,
                 +[](void*, const char*, int32_t, nvinfer1::OptProfileSelector s) {
            return dims2(s == nvinfer1::OptProfileSelector::kMIN ? 1 : s == nvinfer1::OptProfileSelector::kOPT ? 2 : 4, 3);
        });
        impl.set(&api::VCudaEngine::createExecutionContext, +[](void* self, nvinfer1::ExecutionContextAllocationStrategy) {
            return static_cast<nvinfer1::IExecutionContext*>(new Context(++of(self).contexts));
        });
    }
};

struct Runtime : nvinfer1::IRuntime {
    Impl impl;
    Registry* registry;
    static Runtime& of(void* self) { return *reinterpret_cast<Runtime*>(reinterpret_cast<char*>(self) - offsetof(Runtime, impl)); }
    explicit Runtime(Registry* r) : registry(r) {
        mImpl = reinterpret_cast<api::VRuntime*>(&impl);
        impl.set(&api::VRuntime::getPluginRegistry, +[](void* self) { return &of(self).registry->as_registry(); });
        impl.set(&api::VRuntime::setEngineHostCodeAllowed,
                 +[](void*, bool allowed) { record(std::string("setEngineHostCodeAllowed ") + (allowed ? "1" : "0")); });
        impl.set(&api::VRuntime::setTemporaryDirectory, +[](void* self, const char* path) {
            record(of(self).registry->name + " setTemporaryDirectory " + (path ? path : "(null)"));
        });
        impl.set(&api::VRuntime::setTempfileControlFlags, +[](void* self, nvinfer1::TempfileControlFlags flags) {
            record(of(self).registry->name + " setTempfileControlFlags " + std::to_string(flags));
        });
        impl.set(&api::VRuntime::loadRuntime, +[](void*, const char* path) -> nvinfer1::IRuntime* {
            struct stat st {};
            if (::stat(path, &st) != 0) {
                if (g_logger) g_logger->log(nvinfer1::ILogger::Severity::kERROR, "fake: no lean runtime there");
                return nullptr;
            }
            record(std::string("loadRuntime ") + path);
            return new Runtime(new Registry("lean-registry"));
        });
        using Deserialize = nvinfer1::ICudaEngine* (api::VRuntime::*)(void const*, std::size_t) noexcept;
        impl.set(static_cast<Deserialize>(&api::VRuntime::deserializeCudaEngine),
                 +[](void* self, void const* blob, std::size_t size) -> nvinfer1::ICudaEngine* {
            record(of(self).registry->name + " deserializeCudaEngine " +
                   std::string(static_cast<const char*>(blob), size));
            if (g_logger != nullptr) {  // as TensorRT does while deserializing
                g_logger->log(nvinfer1::ILogger::Severity::kWARNING, "fake: a warning while deserializing");
                g_logger->log(nvinfer1::ILogger::Severity::kINFO, "fake: an info message while deserializing");
            }
            if (const char* error = std::getenv("FAKE_DESERIALIZE_ERROR")) {
                if (g_logger) g_logger->log(nvinfer1::ILogger::Severity::kERROR, error);
                return nullptr;
            }
            return new Engine(std::string(static_cast<const char*>(blob), size));
        });
    }
};
// IRefitter: knows the engine's weights (engine_weights()), takes them by name, refits when none is missing.
struct Refitter : nvinfer1::IRefitter {
    Impl impl;
    Engine* engine;
    nvinfer1::ILogger* logger;
    std::vector<std::string> needed = engine_weights();
    std::vector<std::string> set;
    std::vector<std::string> missing;  // kept for the names getMissingWeights hands out
    static Refitter& of(void* self) {
        return *reinterpret_cast<Refitter*>(reinterpret_cast<char*>(self) - offsetof(Refitter, impl));
    }
    void error(const std::string& text) { logger->log(nvinfer1::ILogger::Severity::kERROR, text.c_str()); }
    void update_missing() {
        missing.clear();
        for (const auto& n : needed) {
            bool found = false;
            for (const auto& s : set) found = found || s == n;
            if (!found) missing.push_back(n);
        }
    }
    static int32_t names(const std::vector<std::string>& from, int32_t size, const char** out) {
        for (int32_t i = 0; out != nullptr && i < size && i < static_cast<int32_t>(from.size()); ++i) {
            out[i] = from[static_cast<std::size_t>(i)].c_str();
        }
        return static_cast<int32_t>(from.size());
    }
    Refitter(Engine* e, nvinfer1::ILogger* l) : engine(e), logger(l) {
        mImpl = reinterpret_cast<api::VRefitter*>(&impl);
        impl.set(&api::VRefitter::getAllWeights,
                 +[](void* self, int32_t size, const char** out) { return names(of(self).needed, size, out); });
        impl.set(&api::VRefitter::getMissingWeights, +[](void* self, int32_t size, const char** out) {
            Refitter& r = of(self);
            r.update_missing();
            return names(r.missing, size, out);
        });
        impl.set(&api::VRefitter::setNamedWeights, +[](void* self, const char* name, nvinfer1::Weights w) {
            Refitter& r = of(self);
            bool known = false;
            for (const auto& n : r.needed) known = known || n == name;
            if (!known) {
                r.error(std::string("fake refitter: the engine has no refittable weights named ") + name);
                return false;
            }
            r.set.push_back(name);
            record(std::string("setNamedWeights ") + name + " count=" + std::to_string(w.count));
            return true;
        });
        impl.set(&api::VRefitter::refitCudaEngine, +[](void* self) {
            Refitter& r = of(self);
            r.update_missing();
            if (!r.missing.empty()) {
                r.error("fake refitter: " + std::to_string(r.missing.size()) + " weights missing");
                return false;
            }
            if (const char* why = std::getenv("FAKE_REFIT_ERROR")) {
                r.error(why);
                return false;
            }
            r.engine->refitted.clear();
            for (const auto& n : r.set) r.engine->refitted += (r.engine->refitted.empty() ? "" : ",") + n;
            record("refitCudaEngine");
            return true;
        });
    }
};
}  // namespace

extern "C" void* createInferRefitter_INTERNAL(void* engine, void* logger, int) {
    auto* e = static_cast<Engine*>(static_cast<nvinfer1::ICudaEngine*>(engine));
    record("createInferRefitter " + e->plan);
    return static_cast<nvinfer1::IRefitter*>(new Refitter(e, static_cast<nvinfer1::ILogger*>(logger)));
}

extern "C" int getInferLibVersion() {
    return NV_TENSORRT_MAJOR * 10000 + NV_TENSORRT_MINOR * 100 + NV_TENSORRT_PATCH;
}
extern "C" void* createInferRuntime_INTERNAL(void* logger, int) {
    g_logger = static_cast<nvinfer1::ILogger*>(logger);
    return static_cast<nvinfer1::IRuntime*>(new Runtime(&global_registry()));
}
extern "C" void* createInferBuilder_INTERNAL(void* logger, int) {
    g_logger = static_cast<nvinfer1::ILogger*>(logger);
    if (const char* why = std::getenv("FAKE_NO_BUILDER")) {  // as libnvinfer does: log why, return nothing
        g_logger->log(nvinfer1::ILogger::Severity::kERROR, why);
        return nullptr;
    }
    return static_cast<nvinfer1::IBuilder*>(new Builder);
}
extern "C" nvinfer1::IPluginRegistry* getPluginRegistry() { return &global_registry().as_registry(); }
"""

FAKE_PARSER = r"""
#include <NvOnnxParser.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

""" + FAKE_COMMON + r"""struct Impl {
    void* const* vptr = table;
    void* table[256];
    Impl() { for (auto& s : table) s = reinterpret_cast<void*>(&nothing); }
    template <typename F, typename Fn> void set(F member, Fn fn) { table[slot(member)] = reinterpret_cast<void*>(fn); }
};

std::vector<std::string> g_libraries;
std::vector<const char*> g_pointers;
}  // namespace

extern "C" void* createNvOnnxParser_INTERNAL(void*, void*, int) {
    auto* parser = new Impl;  // an IParser: pure virtual in the headers, so the vtable is the object's
    using P = nvonnxparser::IParser;
    using ParseFromFile = bool (P::*)(const char*, int32_t) noexcept;
    parser->set(static_cast<ParseFromFile>(&P::parseFromFile), +[](void*, const char*, int32_t) { return true; });
    parser->set(&P::getUsedVCPluginLibraries, +[](void*, int64_t& n) -> char const* const* {
        g_libraries.clear();
        g_pointers.clear();
        const char* list = std::getenv("FAKE_VC_PLUGINS");
        std::string all = list != nullptr ? list : "";
        for (std::size_t start = 0; start < all.size();) {
            const std::size_t end = all.find(':', start);
            g_libraries.push_back(all.substr(start, end == std::string::npos ? std::string::npos : end - start));
            if (end == std::string::npos) break;
            start = end + 1;
        }
        for (const auto& l : g_libraries) g_pointers.push_back(l.c_str());
        n = static_cast<int64_t>(g_pointers.size());
        return g_pointers.empty() ? nullptr : g_pointers.data();
    });
    return parser;
}
namespace {
// An IParserError (pure virtual: the vtable is the object's).
struct ParserError {
    Impl impl;
    nvonnxparser::ErrorCode code;
    std::string desc;
    ParserError(nvonnxparser::ErrorCode c, std::string d) : code(c), desc(std::move(d)) {
        using E = nvonnxparser::IParserError;
        impl.set(&E::code, +[](void* self) { return reinterpret_cast<ParserError*>(self)->code; });
        impl.set(&E::desc, +[](void* self) { return reinterpret_cast<ParserError*>(self)->desc.c_str(); });
        impl.set(&E::node, +[](void*) { return -1; });
    }
};

// An IParserRefitter: refitFromFile sets every weight the refitter asks for (getAllWeights) whose name occurs in the
// file's bytes (an ONNX initializer's name does), so a test chooses the weights by the model it writes; a file
// holding "CORRUPT" is rejected as TensorRT's parser rejects a file that is not ONNX.
struct ParserRefitter {
    Impl impl;
    nvinfer1::IRefitter* refitter;
    std::deque<ParserError> errors;  // never moved: each one's vtable pointer points into itself
    static ParserRefitter& of(void* self) { return *reinterpret_cast<ParserRefitter*>(self); }
    explicit ParserRefitter(nvinfer1::IRefitter* r) : refitter(r) {
        using P = nvonnxparser::IParserRefitter;
        impl.set(&P::refitFromFile, +[](void* self, const char* path) {
            ParserRefitter& p = of(self);
            record(std::string("refitFromFile ") + path);
            std::string bytes;
            if (FILE* f = std::fopen(path, "rb")) {
                char chunk[4096];
                for (std::size_t n; (n = std::fread(chunk, 1, sizeof(chunk), f)) > 0;) bytes.append(chunk, n);
                std::fclose(f);
            } else {
                p.errors.emplace_back(nvonnxparser::ErrorCode::kINVALID_VALUE, std::string("cannot open ") + path);
                return false;
            }
            if (bytes.find("CORRUPT") != std::string::npos) {
                p.errors.emplace_back(nvonnxparser::ErrorCode::kMODEL_DESERIALIZE_FAILED,
                                      "fake parser refitter: failed to parse the ONNX model");
                return false;
            }
            const int32_t n = p.refitter->getAllWeights(0, nullptr);
            std::vector<const char*> names(static_cast<std::size_t>(n));
            p.refitter->getAllWeights(n, names.data());
            static const float value = 1.0F;
            for (const char* name : names) {
                if (bytes.find(name) == std::string::npos) continue;
                if (!p.refitter->setNamedWeights(name, nvinfer1::Weights{nvinfer1::DataType::kFLOAT, &value, 1})) {
                    return false;
                }
            }
            return true;
        });
        impl.set(&P::getNbErrors, +[](void* self) { return static_cast<int32_t>(of(self).errors.size()); });
        impl.set(&P::getError, +[](void* self, int32_t i) {
            return reinterpret_cast<const nvonnxparser::IParserError*>(&of(self).errors[static_cast<std::size_t>(i)]);
        });
        impl.set(&P::clearErrors, +[](void* self) { of(self).errors.clear(); });
    }
};
}  // namespace

extern "C" void* createNvOnnxParserRefitter_INTERNAL(void* refitter, void*, int32_t) {
    return new ParserRefitter(static_cast<nvinfer1::IRefitter*>(refitter));
}
extern "C" int getNvOnnxParserVersion() { return 100; }
"""

# A plugin library of the kind IPluginRegistry::loadLibrary takes: creators through getCreators, a logger through
# setLoggerFinder. It registers nothing when merely loaded.
DYNAMIC_PLUGIN = r"""
#include <stdint.h>
static void* creators[1];
void* const* getCreators(int32_t* n) { *n = 1; return creators; }
void setLoggerFinder(void* finder) { (void)finder; }
"""

# A plugin library of the kind registered by loading it (REGISTER_TENSORRT_PLUGIN): its static initialiser calls
# libnvinfer's getPluginRegistry(). Built without linking libnvinfer, as many custom plugins are: it resolves that
# symbol only from a libnvinfer whose symbols are global.
STATIC_PLUGIN = r"""
#include <stdio.h>
#include <stdlib.h>
void* getPluginRegistry(void);
__attribute__((constructor)) static void registered(void) {
    FILE* f = fopen(getenv("FAKE_PLUGIN_MARKER"), "w");
    if (f) { fprintf(f, "registered with %p", getPluginRegistry()); fclose(f); }
}
"""


#: The TensorRT major trtcore was built against (None without headers), and whether a real libnvinfer is found.
MAJOR = _core.compiled_info()["tensorrt_major"]
REAL_TRT = _core.tensorrt_runtime_info([MAJOR])["found"] if MAJOR else False
#: pytestmark of test files that load the fake in place of libnvinfer.
FAKE_ONLY = [
    pytest.mark.skipif(MAJOR is None, reason="trtcore was built without TensorRT headers"),
    pytest.mark.skipif(REAL_TRT, reason="a real TensorRT is installed here: the fake would not be the one loaded"),
]


def run_with_fake(code: str, lib: Path, record: Path, **env: str) -> dict:
    """`code` in a fresh interpreter that loads the fake from `lib` and records its calls in `record`."""
    prelude = "import trtcore\nfrom trtcore import _core\nfrom build_models import build_request as request"
    return fresh_python(code, {"TRTCORE_TENSORRT_LIB_DIR": str(lib), "FAKE_TRT_RECORD": str(record), **env},
                        timeout=60, prelude=prelude)


def tensorrt_headers() -> Path | None:
    """The folder with the NvInfer.h trtcore was built against, from TensorRT_ROOT (as the build reads it)."""
    root = os.environ.get("TensorRT_ROOT")
    for folder in ([Path(root), Path(root) / "include"] if root else []):
        if (folder / "NvInfer.h").is_file():
            return folder
    return None


def cuda_headers() -> Path | None:
    """The folder with cuda_runtime_api.h (NvInfer.h includes it), as CMake's FindCUDAToolkit would look."""
    homes = [os.environ.get(v) for v in ("CUDAToolkit_ROOT", "CUDA_HOME", "CUDA_PATH")] + ["/usr/local/cuda"]
    nvcc = shutil.which("nvcc")
    homes += [str(Path(nvcc).resolve().parent.parent)] if nvcc else []
    for home in filter(None, homes):
        if (Path(home) / "include" / "cuda_runtime_api.h").is_file():
            return Path(home) / "include"
    return None


def compile_c(source: str, out: Path, *args: str) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("needs a C compiler to build the fake plugin libraries")
    src = out.parent / (out.name.replace(".", "_") + ".c")
    src.write_text(source)
    subprocess.run([cc, "-shared", "-fPIC", *args, "-o", str(out), str(src)], check=True)
    return out


def compile_cpp(source: str, out: Path, soname: str, *libs: str) -> Path:
    """Compiles `source` against TensorRT_ROOT's headers into the shared library `out` (DT_SONAME `soname`)."""
    headers, cuda, cxx = tensorrt_headers(), cuda_headers(), shutil.which("c++") or shutil.which("g++")
    if headers is None or cuda is None or cxx is None:
        pytest.skip("needs a C++ compiler, the CUDA headers and TensorRT_ROOT (the TensorRT headers) to build the "
                    "fake TensorRT")
    out.parent.mkdir(parents=True, exist_ok=True)
    src = out.parent / (out.name.replace(".", "_") + ".cpp")
    src.write_text(source)
    subprocess.run([cxx, "-std=c++17", "-shared", "-fPIC", "-Wno-deprecated-declarations", "-Wno-invalid-offsetof",
                    "-isystem", str(headers), "-isystem", str(cuda), f"-Wl,-soname,{soname}", "-o", str(out),
                    str(src), *libs], check=True)
    return out


def fake_tensorrt(folder: Path, major: int, *, parser: bool = True) -> Path:
    """Builds the fake libnvinfer.so.<major> (and libnvonnxparser.so.<major>) into ``folder``; returns it."""
    compile_cpp(FAKE_TENSORRT, folder / f"libnvinfer.so.{major}", f"libnvinfer.so.{major}", "-ldl")
    if parser:
        compile_cpp(FAKE_PARSER, folder / f"libnvonnxparser.so.{major}", f"libnvonnxparser.so.{major}")
    return folder


def fake_parser_release(folder: Path, version: tuple[int, int, int]) -> Path:
    """A tar/deb-style parser of release `version`: libnvonnxparser.so.X.Y.Z with the libnvonnxparser.so.X link
    beside it (what dlopen opens). Returns the link."""
    major = version[0]
    real = compile_cpp(FAKE_PARSER, folder / f"libnvonnxparser.so.{'.'.join(map(str, version))}",
                       f"libnvonnxparser.so.{major}")
    link = folder / f"libnvonnxparser.so.{major}"
    link.symlink_to(real.name)
    return link
