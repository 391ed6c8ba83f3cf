// Placeholder until the runtime lands: the tutorial is built only with CUDA and TensorRT compiled in.
#include <cstdio>

int main() {
    std::fprintf(stderr, "segmentation_tutorial: not implemented yet\n");
    return 1;
}
