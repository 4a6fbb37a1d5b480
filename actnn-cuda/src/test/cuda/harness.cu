// Standalone GPU check of the ActNN CUDA kernels: needs nvcc and a GPU, no Java.
//
//   1. self-tests the embedded host reference (host_reference.h: an independent C++
//      implementation of docs/format.md) on known answers;
//   2. runs every kernel on the GPU against the host reference (check_suite.h: random and special
//      inputs, fp32 and fp16, uniform and per-sample bits, aligned and unaligned pointers, guard
//      bytes around every buffer, sizes past 65535 samples and 2^24 elements);
//   3. with --ref-dir, checks the host reference and the kernels against files written by the Java
//      CPU backend (ai.actnn.cuda.tools.ReferenceDataGenerator): the authoritative cross-check;
//   4. measures quantize+pack and unpack+dequantize (and the mask kernels) against a
//      device-to-device cudaMemcpy of the same tensor, as JSON lines.
//
// Build and run with actnn-cuda/gpu-check.sh. Exit status: 0 all checks passed, 1 a check failed,
// 2 no usable CUDA device (the host self-test still ran), 4 bad usage or unreadable reference files.
#include <cuda_runtime.h>

#include "actnn_kernels.cu"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

static const char* g_lastKernel = "(none)";

static void cudaCheck(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        std::printf("FAIL CUDA error in %s (last kernel %s): %s (%s)\n", what, g_lastKernel, cudaGetErrorName(e),
                    cudaGetErrorString(e));
        std::printf("GPU CHECK FAILED\n");
        std::fflush(stdout);
        std::exit(1);
    }
}

static void* devAlloc(size_t n) {
    void* p = nullptr;
    cudaCheck(cudaMalloc(&p, n == 0 ? 1 : n), "cudaMalloc");
    return p;
}
static void devFree(void* p) { cudaCheck(cudaFree(p), "cudaFree"); }
static void devUpload(void* d, const void* h, size_t n) { cudaCheck(cudaMemcpy(d, h, n, cudaMemcpyHostToDevice), "upload"); }
static void devDownload(void* h, const void* d, size_t n) {
    cudaCheck(cudaMemcpy(h, d, n, cudaMemcpyDeviceToHost), "download");
}
static void devSync() { cudaCheck(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }
static void devGuard(void*, size_t) {}
static void devUnguard(void*, size_t) {}

#define ACTNN_LAUNCH(kernel, grid, block, ...)                      \
    do {                                                            \
        g_lastKernel = #kernel;                                     \
        (kernel)<<<(grid), (block)>>>(__VA_ARGS__);                 \
        cudaCheck(cudaGetLastError(), "kernel launch");             \
    } while (0)

#include "check_suite.h"

using ref::i64;
using ref::u8;

// ---- benchmarks --------------------------------------------------------------------------------

// Fills a float buffer with values uniform in [-2, 2) (device side: 1 GB from the host is slow).
__global__ void harness_fill(float* x, long long n, unsigned long long seed) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        unsigned long long z = seed + (unsigned long long)i * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        x[i] = (float)(z >> 40) * (4.0f / 16777216.0f) - 2.0f;
    }
}

struct Timer {
    cudaEvent_t a, b;
    Timer() {
        cudaCheck(cudaEventCreate(&a), "cudaEventCreate");
        cudaCheck(cudaEventCreate(&b), "cudaEventCreate");
    }
    ~Timer() {
        cudaEventDestroy(a);
        cudaEventDestroy(b);
    }
    // Median over `iters` timed runs after `warmup` runs, in milliseconds.
    template <typename F>
    double median(F f, int warmup = 3, int iters = 15) {
        for (int i = 0; i < warmup; ++i) f();
        devSync();
        std::vector<double> t;
        for (int i = 0; i < iters; ++i) {
            cudaCheck(cudaEventRecord(a), "cudaEventRecord");
            f();
            cudaCheck(cudaEventRecord(b), "cudaEventRecord");
            cudaCheck(cudaEventSynchronize(b), "cudaEventSynchronize");
            float ms = 0;
            cudaCheck(cudaEventElapsedTime(&ms, a, b), "cudaEventElapsedTime");
            t.push_back(ms);
        }
        std::sort(t.begin(), t.end());
        return t[t.size() / 2];
    }
};

static FILE* g_json = nullptr;
static int g_benchLines = 0;

static void jsonLine(const std::string& s) {
    std::printf("%s\n", s.c_str());
    if (g_json != nullptr) std::fprintf(g_json, "%s\n", s.c_str());
    std::fflush(stdout);
}

static void benchLine(const char* op, int mb, int bits, double ms, double movedBytes, double copyMs,
                      double copyGbps, i64 samples, i64 features) {
    const double gbps = movedBytes / (ms * 1e-3) / 1e9;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "{\"type\":\"bench\",\"op\":\"%s\",\"dtype\":\"f32\",\"tensor_mb\":%d,\"shape\":[%lld,%lld],"
                  "\"group\":256,\"bits\":%d,\"ms\":%.4f,\"moved_gb\":%.4f,\"gbps\":%.1f,\"copy_ms\":%.4f,"
                  "\"copy_gbps\":%.1f,\"ratio\":%.3f,\"time_vs_copy\":%.3f,\"goal\":0.7,\"meets_goal\":%s}",
                  op, mb, (long long)samples, (long long)features, bits, ms, movedBytes / 1e9, gbps, copyMs,
                  copyGbps, gbps / copyGbps, copyMs / ms, gbps / copyGbps >= 0.7 ? "true" : "false");
    jsonLine(buf);
    ++g_benchLines;
}

static void runBenchmarks(const std::vector<int>& sizesMb) {
    const suite::Launch& lc = suite::launchConfig();
    Timer timer;
    for (int mb : sizesMb) {
        const i64 features = 16384;  // 64 groups of 256 per sample
        const i64 n = (i64)mb * 1024 * 1024 / 4;
        const i64 samples = n / features;
        const size_t bytes = (size_t)(samples * features) * 4;
        float* x = static_cast<float*>(devAlloc(bytes));
        float* y = static_cast<float*>(devAlloc(bytes));
        harness_fill<<<lc.maxBlocks, lc.block>>>(x, samples * features, 12345);
        cudaCheck(cudaGetLastError(), "fill");
        devSync();
        const double copyMs = timer.median([&] {
            cudaCheck(cudaMemcpyAsync(y, x, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpyAsync");
        });
        const double copyGbps = 2.0 * (double)bytes / (copyMs * 1e-3) / 1e9;
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "{\"type\":\"bench\",\"op\":\"memcpy_d2d\",\"tensor_mb\":%d,\"ms\":%.4f,\"gbps\":%.1f,"
                      "\"note\":\"gbps counts read + write bytes\"}",
                      mb, copyMs, copyGbps);
        jsonLine(buf);
        int* flag = static_cast<int*>(devAlloc(4));
        float* stats = static_cast<float*>(devAlloc((size_t)(samples * 64 * 8)));
        for (int bits : {1, 2, 4, 8}) {
            const ref::Layout L(samples, features, 256, std::vector<int>((size_t)samples, bits));
            const size_t packedBytes = (size_t)L.totalBytes(false);
            u8* packed = static_cast<u8*>(devAlloc(packedBytes));
            cudaCheck(cudaMemset(flag, 0, 4), "cudaMemset");
            const double qMs = timer.median([&] {
                actnn_quantize_f32_r4<<<lc.warps(L.groups()), lc.block>>>(x, packed, flag, samples, features, 64, 256,
                                                                            nullptr, nullptr, bits, 777, 1, 0, 1);
            });
            cudaCheck(cudaGetLastError(), "quantize");
            benchLine("quantize_fused_stochastic", mb, bits, qMs, (double)bytes + (double)packedBytes, copyMs,
                      copyGbps, samples, features);
            const double qnMs = timer.median([&] {
                actnn_quantize_f32_r4<<<lc.warps(L.groups()), lc.block>>>(x, packed, flag, samples, features, 64, 256,
                                                                            nullptr, nullptr, bits, 777, 0, 0, 1);
            });
            benchLine("quantize_fused_nearest", mb, bits, qnMs, (double)bytes + (double)packedBytes, copyMs,
                      copyGbps, samples, features);
            // the adaptive level's sequence: statistics, FP16 check, packing (input read twice)
            const double tpMs = timer.median([&] {
                actnn_group_stats_f32<<<lc.warps(L.groups()), lc.block>>>(x, stats, samples, features, 64, 256, 1);
                actnn_fp16_check_kernel<<<lc.threads(L.groups()), lc.block>>>(stats, flag, samples, 64, nullptr,
                                                                              bits);
                actnn_pack_f32<<<lc.warps(L.groups()), lc.block>>>(x, stats, packed, samples, features, 64, 256,
                                                                     nullptr, nullptr, bits, 777, 1, 0, 1);
            });
            cudaCheck(cudaGetLastError(), "two-pass");
            benchLine("quantize_two_pass_stochastic", mb, bits, tpMs,
                      2.0 * (double)bytes + (double)packedBytes + 3.0 * (double)L.groups() * 8, copyMs, copyGbps,
                      samples, features);
            const double dMs = timer.median([&] {
                actnn_unpack_f32<<<lc.warps(L.groups()), lc.block>>>(packed, y, samples, features, 64, 256, nullptr,
                                                                       nullptr, bits, 0, 1);
            });
            cudaCheck(cudaGetLastError(), "unpack");
            benchLine("dequantize", mb, bits, dMs, (double)packedBytes + (double)bytes, copyMs, copyGbps, samples,
                      features);
            devFree(packed);
        }
        u8* mask = static_cast<u8*>(devAlloc((size_t)(samples * features + 7) / 8));
        const i64 total = samples * features;
        const double rMs = timer.median([&] {
            actnn_relu_forward_f32<<<lc.words(total), lc.block>>>(x, y, mask, total);
        });
        benchLine("relu_forward_with_mask", mb, 1, rMs, 2.0 * (double)bytes + (double)bytes / 32, copyMs, copyGbps,
                  samples, features);
        const double dropMs = timer.median([&] {
            actnn_dropout_forward_f32<<<lc.words(total), lc.block>>>(x, y, mask, total, 99, 0.1f, 1.0f / 0.9f);
        });
        benchLine("dropout_forward_with_mask", mb, 1, dropMs, 2.0 * (double)bytes + (double)bytes / 32, copyMs,
                  copyGbps, samples, features);
        const double aMs = timer.median([&] {
            actnn_apply_mask_f32<<<lc.threads(total), lc.block>>>(x, mask, y, total, 1.0f);
        });
        benchLine("apply_mask_backward", mb, 1, aMs, 2.0 * (double)bytes + (double)bytes / 32, copyMs, copyGbps,
                  samples, features);
        devFree(mask);
        devFree(stats);
        devFree(flag);
        devFree(x);
        devFree(y);
    }
}

static int usage() {
    std::fprintf(stderr,
                 "usage: actnn-gpu-check [--ref-dir DIR] [--no-bench] [--bench-only] [--sizes MB,MB,...]\n"
                 "                       [--json FILE] [--device N] [--host-selftest]\n");
    return 4;
}

int main(int argc, char** argv) {
    std::string refDir, jsonPath;
    bool bench = true, checks = true, hostOnly = false;
    int device = 0;
    std::vector<int> sizes = {64, 1024};
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--ref-dir" && i + 1 < argc) {
            refDir = argv[++i];
        } else if (a == "--no-bench") {
            bench = false;
        } else if (a == "--bench-only") {
            checks = false;
        } else if (a == "--sizes" && i + 1 < argc) {
            sizes.clear();
            std::string s = argv[++i];
            size_t p = 0;
            while (p < s.size()) {
                size_t q = s.find(',', p);
                if (q == std::string::npos) q = s.size();
                sizes.push_back(std::atoi(s.substr(p, q - p).c_str()));
                p = q + 1;
            }
        } else if (a == "--json" && i + 1 < argc) {
            jsonPath = argv[++i];
        } else if (a == "--device" && i + 1 < argc) {
            device = std::atoi(argv[++i]);
        } else if (a == "--host-selftest") {
            hostOnly = true;
        } else {
            return usage();
        }
    }
    if (!jsonPath.empty()) {
        g_json = std::fopen(jsonPath.c_str(), "w");
        if (g_json == nullptr) {
            std::fprintf(stderr, "actnn-gpu-check: cannot write %s\n", jsonPath.c_str());
            return 4;
        }
    }
    suite::hostSelfTest();
    const bool hostOk = suite::report().failures == 0;
    char buf[512];
    std::snprintf(buf, sizeof buf, "{\"type\":\"host_selftest\",\"checks\":%ld,\"failures\":%ld}",
                  suite::report().checks, suite::report().failures);
    jsonLine(buf);
    if (hostOnly) {
        std::printf(hostOk ? "HOST SELF-TEST PASSED\n" : "HOST SELF-TEST FAILED\n");
        return hostOk ? 0 : 1;
    }

    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        std::printf("actnn-gpu-check: no CUDA device found (cudaGetDeviceCount: %s%s%s). The GPU checks and"
                    " benchmarks need a GPU; the host reference self-test %s.\n",
                    e != cudaSuccess ? cudaGetErrorName(e) : "0 devices", e != cudaSuccess ? ": " : "",
                    e != cudaSuccess ? cudaGetErrorString(e) : "", hostOk ? "passed" : "FAILED");
        jsonLine("{\"type\":\"summary\",\"status\":\"no-device\"}");
        return hostOk ? 2 : 1;
    }
    if (device < 0 || device >= count) {
        std::fprintf(stderr, "actnn-gpu-check: no device %d (%d visible)\n", device, count);
        return 4;
    }
    cudaCheck(cudaSetDevice(device), "cudaSetDevice");
    cudaDeviceProp prop;
    cudaCheck(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
    int driver = 0, runtime = 0;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    std::snprintf(buf, sizeof buf,
                  "{\"type\":\"device\",\"name\":\"%s\",\"cc\":\"%d.%d\",\"sms\":%d,\"memory_gb\":%.1f,"
                  "\"driver_cuda\":%d,\"runtime_cuda\":%d}",
                  prop.name, prop.major, prop.minor, prop.multiProcessorCount, (double)prop.totalGlobalMem / 1e9,
                  driver, runtime);
    jsonLine(buf);
    suite::launchConfig().block = ACTNN_BLOCK;
    suite::launchConfig().maxBlocks = (unsigned)prop.multiProcessorCount * 8;

    const auto t0 = std::chrono::steady_clock::now();
    int files = 0;
    if (checks) {
        suite::runQuantizeSuite(true);
        suite::runEligibilitySuite(2000);
        suite::runMaskSuite(true);
        suite::runPoolSuite(true);
        // the same sequence on a one-block grid: every warp walks many groups (grid-stride paths)
        const unsigned saved = suite::launchConfig().maxBlocks;
        suite::launchConfig().maxBlocks = 1;
        suite::runQuantizeSuite(false);
        suite::runMaskSuite(false);
        suite::runPoolSuite(false);
        suite::launchConfig().maxBlocks = saved;
        if (!refDir.empty()) {
            std::vector<std::string> paths;
            std::error_code ec;
            for (const auto& entry : std::filesystem::directory_iterator(refDir, ec)) {
                if (entry.path().extension() == ".actnnref") paths.push_back(entry.path().string());
            }
            if (ec || paths.empty()) {
                std::fprintf(stderr, "actnn-gpu-check: no .actnnref files in %s\n", refDir.c_str());
                return 4;
            }
            std::sort(paths.begin(), paths.end());
            for (const std::string& p : paths) {
                suite::RefFile f;
                std::string err;
                if (!suite::readRefFile(p, f, err) || !suite::runRefCase(f)) {
                    std::fprintf(stderr, "actnn-gpu-check: unusable reference file %s %s\n", p.c_str(), err.c_str());
                    return 4;
                }
                ++files;
            }
        }
    }
    const double checkSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::snprintf(buf, sizeof buf,
                  "{\"type\":\"checks\",\"checks\":%ld,\"failures\":%ld,\"reference_files\":%d,\"seconds\":%.1f}",
                  suite::report().checks, suite::report().failures, files, checkSeconds);
    jsonLine(buf);
    if (bench) runBenchmarks(sizes);
    const bool ok = suite::report().failures == 0;
    std::snprintf(buf, sizeof buf,
                  "{\"type\":\"summary\",\"status\":\"%s\",\"checks\":%ld,\"failures\":%ld,\"reference_files\":%d,"
                  "\"benchmarks\":%d}",
                  ok ? "passed" : "failed", suite::report().checks, suite::report().failures, files, g_benchLines);
    jsonLine(buf);
    std::printf(ok ? "GPU CHECK PASSED\n" : "GPU CHECK FAILED\n");
    if (g_json != nullptr) std::fclose(g_json);
    return ok ? 0 : 1;
}
