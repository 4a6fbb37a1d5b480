// Runs the kernel checks of check_suite.h with the kernels of actnn_kernels.cu compiled as plain C++
// and executed by the SIMT emulator (simt_emu.h): the kernels' logic is verified on machines without
// a GPU (CI), against the independent host reference and, when given, against reference files
// written by the Java CPU backend (ai.actnn.cuda.tools.ReferenceDataGenerator).
//
// Build (see EmulatedKernelsTest):
//   g++ -std=c++20 -O1 -pthread -ffp-contract=off -fno-strict-aliasing
//       -I src/main/resources/ai/actnn/cuda -I src/test/cuda src/test/cuda/emu_check.cpp -o emu_check
// Usage: emu_check [--ref-dir DIR] [--quick]
// Exit status: 0 all checks passed, 1 a check failed, 4 bad usage or unreadable reference files.
#include "simt_emu.h"

#include "actnn_kernels.cu"

#include <cstdlib>
#include <filesystem>

static void* devAlloc(size_t n) { return std::malloc(n == 0 ? 1 : n); }
static void devFree(void* p) { std::free(p); }
static void devUpload(void* d, const void* h, size_t n) { std::memcpy(d, h, n); }
static void devDownload(void* h, const void* d, size_t n) { std::memcpy(h, d, n); }
static void devSync() {}
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// Under AddressSanitizer the guard bytes around every buffer are poisoned: a kernel that reads or
// writes outside its buffers stops with a report naming the line of actnn_kernels.cu.
static void devGuard(void* p, size_t n) { ASAN_POISON_MEMORY_REGION(p, n); }
static void devUnguard(void* p, size_t n) { ASAN_UNPOISON_MEMORY_REGION(p, n); }
#else
static void devGuard(void*, size_t) {}
static void devUnguard(void*, size_t) {}
#endif

#define ACTNN_LAUNCH(kernel, grid, block, ...) \
    emu::launch((grid), (block), [&] { (kernel)(__VA_ARGS__); }, #kernel)

#include "check_suite.h"

int main(int argc, char** argv) {
    std::string refDir;
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--ref-dir" && i + 1 < argc) {
            refDir = argv[++i];
        } else if (a == "--quick") {
            quick = true;
        } else {
            std::fprintf(stderr, "usage: emu_check [--ref-dir DIR] [--quick]\n");
            return 4;
        }
    }
    // Small blocks and a tiny grid: every warp loops over many groups (grid-stride paths).
    suite::launchConfig().block = 64;
    suite::launchConfig().maxBlocks = 3;
    suite::hostSelfTest();
    if (!quick) {
        suite::runQuantizeSuite(false);
        suite::runEligibilitySuite(400);
        suite::runMaskSuite(false);
        suite::runPoolSuite(false);
    }
    int files = 0;
    if (!refDir.empty()) {
        std::vector<std::string> paths;
        for (const auto& e : std::filesystem::directory_iterator(refDir)) {
            if (e.path().extension() == ".actnnref") paths.push_back(e.path().string());
        }
        std::sort(paths.begin(), paths.end());
        for (const std::string& p : paths) {
            suite::RefFile f;
            std::string err;
            if (!suite::readRefFile(p, f, err) || !suite::runRefCase(f)) {
                std::fprintf(stderr, "emu_check: unusable reference file %s %s\n", p.c_str(), err.c_str());
                return 4;
            }
            ++files;
        }
        if (files == 0) {
            std::fprintf(stderr, "emu_check: no .actnnref files in %s\n", refDir.c_str());
            return 4;
        }
    }
    const suite::Report& r = suite::report();
    std::printf("{\"type\":\"summary\",\"mode\":\"emulated\",\"checks\":%ld,\"failures\":%ld,\"referenceFiles\":%d}\n",
                r.checks, r.failures, files);
    std::printf(r.failures == 0 ? "EMULATED KERNEL CHECKS PASSED\n" : "EMULATED KERNEL CHECKS FAILED\n");
    return r.failures == 0 ? 0 : 1;
}
