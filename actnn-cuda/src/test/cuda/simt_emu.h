// A tiny SIMT emulator: runs the CUDA C of actnn_kernels.cu as plain C++ on the CPU, so that the
// kernels' logic (indexing, warp shuffles and ballots, packing, bounds) is tested on machines
// without a GPU (CI).
//
// Execution model: deterministic and single-threaded. Blocks run one after the other and, since the
// kernels never synchronise a block (no __syncthreads, no shared memory), so do the warps of a
// block. The 32 lanes of a warp are ucontext coroutines scheduled round-robin: a lane runs until
// its next warp-level operation (shuffle, ballot, vote), where it posts its value and yields; once
// every lane has posted, each reads the others' values in the next round. The scheduler checks the
// kernels' rule that warp-level operations are reached by all 32 lanes together (a lane leaving the
// kernel while others wait, or lanes at different operations, is reported as divergence).
//
// Floating point: the host must evaluate fp32 operations exactly like the __f*_rn intrinsics, i.e.
// IEEE binary32, round to nearest even, no contraction: compile with -ffp-contract=off on x86-64
// (SSE arithmetic, no x87 excess precision). Compile with -fno-strict-aliasing (the kernels load
// float pairs through a struct pointer, as CUDA code does).
#pragma once

#include <ucontext.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
// Wide accesses that would fault on a GPU if misaligned (x86 would silently accept them).
#define ACTNN_ASSERT_ALIGNED(pointer, bytes) emu::checkAligned((const void*)(pointer), (bytes), __LINE__)

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline dim3 blockDim;
inline dim3 gridDim;
inline dim3 threadIdx;
inline dim3 blockIdx;

namespace emu {

constexpr size_t STACK_BYTES = 256 * 1024;

struct Warp {
    ucontext_t scheduler;
    ucontext_t lanes[32];
    std::vector<char> stacks[32];
    bool done[32] = {};
    long ops[32] = {};           // warp-level operations reached by each lane
    uint64_t slots[2][32] = {};  // double-buffered by operation parity
    int lane = 0;                // the lane running now
    const std::function<void()>* kernel = nullptr;
    const char* name = "";
};

inline Warp& warp() {
    static Warp w;
    return w;
}

inline void laneEntry() {
    Warp& w = warp();
    (*w.kernel)();
    w.done[w.lane] = true;  // returning resumes the scheduler (uc_link)
}

inline void checkAligned(const void* p, int bytes, int line) {
    if (reinterpret_cast<uintptr_t>(p) % (uintptr_t)bytes != 0) {
        std::fprintf(stderr, "emu: misaligned %d-byte access at actnn_kernels.cu line %d\n", bytes, line);
        std::fflush(stderr);
        std::_Exit(3);
    }
}

[[noreturn]] inline void divergence(const char* what) {
    std::fprintf(stderr, "emu: kernel %s: %s (warp-level operations must be reached by all 32 lanes)\n",
                 warp().name, what);
    std::fflush(stderr);
    std::_Exit(3);
}

// Posts this lane's value for the current warp operation, yields, and returns the slot array that
// every lane has filled for it.
inline const uint64_t* exchange(uint64_t mine) {
    Warp& w = warp();
    const int lane = w.lane;
    const int parity = (int)(w.ops[lane] & 1);
    w.slots[parity][lane] = mine;
    ++w.ops[lane];
    swapcontext(&w.lanes[lane], &w.scheduler);
    return w.slots[parity];
}

// Runs one warp (32 consecutive threads of the current block) to completion.
inline void runWarp(unsigned firstThread) {
    Warp& w = warp();
    for (int l = 0; l < 32; ++l) {
        w.done[l] = false;
        w.ops[l] = 0;
        if (w.stacks[l].size() != STACK_BYTES) w.stacks[l].assign(STACK_BYTES, 0);
        getcontext(&w.lanes[l]);
        w.lanes[l].uc_stack.ss_sp = w.stacks[l].data();
        w.lanes[l].uc_stack.ss_size = STACK_BYTES;
        w.lanes[l].uc_link = &w.scheduler;
        makecontext(&w.lanes[l], laneEntry, 0);
    }
    for (;;) {
        for (int l = 0; l < 32; ++l) {
            if (w.done[l]) continue;
            w.lane = l;
            threadIdx.x = firstThread + (unsigned)l;
            swapcontext(&w.scheduler, &w.lanes[l]);
        }
        int finished = 0;
        for (int l = 0; l < 32; ++l) finished += w.done[l] ? 1 : 0;
        if (finished == 32) return;
        if (finished != 0) divergence("some lanes left the kernel while others wait at a warp operation");
        for (int l = 1; l < 32; ++l) {
            if (w.ops[l] != w.ops[0]) divergence("lanes reached different numbers of warp operations");
        }
    }
}

// Runs kernel() for every thread of a grid of `grid` blocks of `block` threads (block % 32 == 0).
inline void launch(unsigned grid, unsigned block, const std::function<void()>& kernel, const char* name) {
    if (block == 0 || block % 32 != 0 || grid == 0) {
        std::fprintf(stderr, "emu: bad launch of %s: grid %u block %u\n", name, grid, block);
        std::abort();
    }
    gridDim.x = grid;
    blockDim.x = block;
    warp().kernel = &kernel;
    warp().name = name;
    for (unsigned b = 0; b < grid; ++b) {
        blockIdx.x = b;
        for (unsigned first = 0; first < block; first += 32) runWarp(first);
    }
}

}  // namespace emu

inline float __uint_as_float(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline unsigned __float_as_uint(float f) {
    unsigned u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float __double2float_rn(double d) { return (float)d; }

inline void requireFullMask(unsigned mask) {
    if (mask != 0xffffffffu) {
        std::fprintf(stderr, "emu: partial warp masks are not emulated\n");
        std::abort();
    }
}

template <typename T>
inline T __shfl_xor_sync(unsigned mask, T v, int laneMask) {
    static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
    requireFullMask(mask);
    uint64_t raw = 0;
    std::memcpy(&raw, &v, sizeof(T));
    const uint64_t* slots = emu::exchange(raw);
    const uint64_t other = slots[(emu::warp().lane ^ laneMask) & 31];
    T r;
    std::memcpy(&r, &other, sizeof(T));
    return r;
}

template <typename T>
inline T __shfl_sync(unsigned mask, T v, int srcLane) {
    static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
    requireFullMask(mask);
    uint64_t raw = 0;
    std::memcpy(&raw, &v, sizeof(T));
    const uint64_t* slots = emu::exchange(raw);
    const uint64_t other = slots[srcLane & 31];
    T r;
    std::memcpy(&r, &other, sizeof(T));
    return r;
}

inline unsigned __ballot_sync(unsigned mask, int pred) {
    requireFullMask(mask);
    const uint64_t* slots = emu::exchange(pred ? 1u : 0u);
    unsigned r = 0;
    for (int l = 0; l < 32; ++l) r |= (unsigned)(slots[l] & 1u) << l;
    return r;
}

inline int __any_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) != 0u; }

inline int atomicOr(int* p, int v) {
    const int old = *p;  // single-threaded emulation
    *p = old | v;
    return old;
}
