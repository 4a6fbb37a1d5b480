// The kernel checks shared by the standalone GPU check (harness.cu, real GPU) and the emulator test
// (emu_check.cpp, CPU only). The includer first includes actnn_kernels.cu and host_reference.h and
// defines:
//   ACTNN_LAUNCH(kernel, grid, block, args...)   launch one kernel (function pointer or name)
//   void* devAlloc(size_t), void devFree(void*), void devUpload(void* d, const void* h, size_t),
//   void devDownload(void* h, const void* d, size_t), void devSync()
// The host-side driving logic (kernel choice, FP16 attempt then FP32 re-run, two-pass path, grid
// sizes) mirrors ai.actnn.cuda.CudaQuantizerBackend, so the checks exercise the same sequence.
#pragma once

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "host_reference.h"

namespace suite {

using ref::DType;
using ref::i64;
using ref::u16;
using ref::u32;
using ref::u64;
using ref::u8;

// ---- bookkeeping -----------------------------------------------------------------------------

struct Report {
    long checks = 0;
    long failures = 0;
    int printed = 0;
    void fail(const std::string& what) {
        ++failures;
        if (printed < 40) {
            std::printf("FAIL %s\n", what.c_str());
            ++printed;
        } else if (printed == 40) {
            std::printf("FAIL ... (further failures not printed)\n");
            ++printed;
        }
        std::fflush(stdout);
    }
    void pass() { ++checks; }
};

inline Report& report() {
    static Report r;
    return r;
}

inline std::string hex(const std::vector<u8>& v, size_t from, size_t count) {
    std::string s;
    char buf[4];
    for (size_t i = from; i < v.size() && i < from + count; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", v[i]);
        s += buf;
    }
    return s;
}

inline bool sameBytes(const std::string& what, const std::vector<u8>& got, const std::vector<u8>& want) {
    report().pass();
    if (got.size() != want.size()) {
        report().fail(what + ": size " + std::to_string(got.size()) + " != expected " + std::to_string(want.size()));
        return false;
    }
    for (size_t i = 0; i < got.size(); ++i) {
        if (got[i] != want[i]) {
            const size_t from = i >= 8 ? i - 8 : 0;
            report().fail(what + ": first difference at byte " + std::to_string(i) + " of " +
                          std::to_string(got.size()) + ": got " + hex(got, from, 24) + " expected " +
                          hex(want, from, 24));
            return false;
        }
    }
    return true;
}

// Element-wise equality of fp32/fp16 tensors, bit for bit except that any NaN equals any NaN (the
// GPU canonicalises NaN payloads in arithmetic; the format fixes only NaN records).
inline bool sameValues(const std::string& what, const std::vector<u8>& got, const std::vector<u8>& want, DType t) {
    report().pass();
    if (got.size() != want.size()) {
        report().fail(what + ": size " + std::to_string(got.size()) + " != expected " + std::to_string(want.size()));
        return false;
    }
    const size_t es = ref::elemSize(t);
    for (size_t i = 0; i < got.size() / es; ++i) {
        if (std::memcmp(got.data() + i * es, want.data() + i * es, es) == 0) continue;
        const float g = ref::loadAsFloat(got, t, (i64)i);
        const float w = ref::loadAsFloat(want, t, (i64)i);
        if (std::isnan(g) && std::isnan(w)) continue;
        char buf[160];
        std::snprintf(buf, sizeof buf, ": element %zu of %zu: got %.9g (%s) expected %.9g (%s)", i,
                      got.size() / es, g, hex(got, i * es, es).c_str(), w, hex(want, i * es, es).c_str());
        report().fail(what + buf);
        return false;
    }
    return true;
}

// ---- device buffers with guard bytes -----------------------------------------------------------

constexpr size_t GUARD = 64;
constexpr u8 GUARD_BYTE = 0xA5;

struct DevBuf {
    u8* base = nullptr;
    u8* ptr = nullptr;
    size_t bytes = 0;
    size_t offset = 0;
    DevBuf() = default;
    DevBuf(const DevBuf&) = delete;
    DevBuf& operator=(const DevBuf&) = delete;
    DevBuf(DevBuf&& o) noexcept { *this = std::move(o); }
    DevBuf& operator=(DevBuf&& o) noexcept {
        release();
        base = o.base;
        ptr = o.ptr;
        bytes = o.bytes;
        offset = o.offset;
        o.base = o.ptr = nullptr;
        return *this;
    }
    // offset: extra bytes before the data, to test unaligned inputs.
    DevBuf(size_t n, const void* init = nullptr, size_t offsetBytes = 0) : bytes(n), offset(offsetBytes) {
        const size_t total = n + 2 * GUARD + offsetBytes;
        base = static_cast<u8*>(devAlloc(total));
        std::vector<u8> fill(total, GUARD_BYTE);
        if (init != nullptr && n > 0) std::memcpy(fill.data() + GUARD + offsetBytes, init, n);
        devUpload(base, fill.data(), total);
        ptr = base + GUARD + offsetBytes;
        devGuard(base, GUARD + offsetBytes);
        devGuard(ptr + n, GUARD);
    }
    ~DevBuf() { release(); }
    void release() {
        if (base != nullptr) {
            devUnguard(base, bytes + 2 * GUARD + offset);
            devFree(base);
        }
        base = ptr = nullptr;
    }
    std::vector<u8> download() const {
        std::vector<u8> v(bytes);
        if (bytes > 0) devDownload(v.data(), ptr, bytes);
        return v;
    }
    // true when no byte outside [ptr, ptr + bytes) was written
    bool guardsIntact(const std::string& what) const {
        const size_t total = bytes + 2 * GUARD + offset;
        std::vector<u8> all(total);
        devUnguard(base, total);
        devDownload(all.data(), base, total);
        devGuard(base, GUARD + offset);
        devGuard(ptr + bytes, GUARD);
        report().pass();
        for (size_t i = 0; i < total; ++i) {
            const bool inside = i >= GUARD + offset && i < GUARD + offset + bytes;
            if (!inside && all[i] != GUARD_BYTE) {
                report().fail(what + ": wrote outside its buffer (guard byte " + std::to_string(i) + ")");
                return false;
            }
        }
        return true;
    }
    template <typename T>
    T* as() const {
        return reinterpret_cast<T*>(ptr);
    }
};

// ---- launch configuration (mirrors ai.actnn.cuda.LaunchConfig) ---------------------------------

struct Launch {
    unsigned block = ACTNN_BLOCK;
    unsigned maxBlocks = 1024;
    // one warp per item (groups, samples, 32-element words in units of ACTNN_UNROLL)
    unsigned warps(i64 items) const {
        const i64 warpsPerBlock = block / 32;
        i64 b = (items + warpsPerBlock - 1) / warpsPerBlock;
        if (b < 1) b = 1;
        return (unsigned)(b < (i64)maxBlocks ? b : maxBlocks);
    }
    // one thread per item
    unsigned threads(i64 items) const {
        i64 b = (items + block - 1) / block;
        if (b < 1) b = 1;
        return (unsigned)(b < (i64)maxBlocks ? b : maxBlocks);
    }
    unsigned words(i64 n) const { return warps(((n + 31) / 32 + ACTNN_UNROLL - 1) / ACTNN_UNROLL); }
};

inline Launch& launchConfig() {
    static Launch l;
    return l;
}

// ---- kernel tables per element type ------------------------------------------------------------

template <typename T>
struct K;

template <>
struct K<float> {
    using Fused = decltype(&actnn_quantize_f32_r2);
    static Fused fused(int maxp) {
        switch (maxp) {
            case 2: return actnn_quantize_f32_r2;
            case 4: return actnn_quantize_f32_r4;
            case 8: return actnn_quantize_f32_r8;
            default: return actnn_quantize_f32_r16;
        }
    }
    static constexpr auto stats = actnn_group_stats_f32;
    static constexpr auto pack = actnn_pack_f32;
    static constexpr auto unpack = actnn_unpack_f32;
    static constexpr auto relu = actnn_relu_forward_f32;
    static constexpr auto dropout = actnn_dropout_forward_f32;
    static constexpr auto applyMask = actnn_apply_mask_f32;
    static constexpr auto poolFwd = actnn_maxpool2d_forward_f32;
    static constexpr auto poolBwd = actnn_maxpool2d_backward_f32;
};

template <>
struct K<u16> {
    using Fused = decltype(&actnn_quantize_f16_r2);
    static Fused fused(int maxp) {
        switch (maxp) {
            case 2: return actnn_quantize_f16_r2;
            case 4: return actnn_quantize_f16_r4;
            case 8: return actnn_quantize_f16_r8;
            default: return actnn_quantize_f16_r16;
        }
    }
    static constexpr auto stats = actnn_group_stats_f16;
    static constexpr auto pack = actnn_pack_f16;
    static constexpr auto unpack = actnn_unpack_f16;
    static constexpr auto relu = actnn_relu_forward_f16;
    static constexpr auto dropout = actnn_dropout_forward_f16;
    static constexpr auto applyMask = actnn_apply_mask_f16;
    static constexpr auto poolFwd = actnn_maxpool2d_forward_f16;
    static constexpr auto poolBwd = actnn_maxpool2d_backward_f16;
};

// Smallest register variant holding a group (G <= 64 * maxp), 0 when G needs the two-pass path.
inline int fusedVariant(i64 groupSize) {
    for (int m : {2, 4, 8, 16}) {
        if (groupSize <= 64 * m) return m;
    }
    return 0;
}

inline bool uniformBits(const ref::Layout& L) {
    for (int b : L.bits) {
        if (b != L.bits[0]) return false;
    }
    return true;
}

struct SampleTables {
    DevBuf bits;
    DevBuf offsets;
    int uniform = 0;  // the bits when uniform, else 0 (per-sample tables are used)
    SampleTables(const ref::Layout& L) {
        if (L.samples > 0 && uniformBits(L)) {
            uniform = L.bits[0];
            return;
        }
        std::vector<u8> b(L.bits.begin(), L.bits.end());
        bits = DevBuf(b.size(), b.data());
        offsets = DevBuf(L.offsets.size() * 8, L.offsets.data());
    }
    const u8* bitsPtr() const { return uniform ? nullptr : bits.ptr; }
    const actnn_i64* offsetsPtr() const { return uniform ? nullptr : offsets.as<actnn_i64>(); }
};

inline int readFlag(const DevBuf& flag) {
    devSync();
    int v = 0;
    devDownload(&v, flag.ptr, 4);
    return v;
}

struct GpuPacked {
    std::vector<u8> bytes;
    bool meta32 = false;
    bool guardsOk = true;
};

// What CudaQuantizerBackend.quantize(x, spec) does: the fused kernel with FP16 records, re-run with
// FP32 records when the flag says a group is not eligible; the two-pass path for large groups or
// when asked (twoPass: the analyze + quantize(x, stats, spec) sequence of the adaptive level).
template <typename T>
GpuPacked gpuQuantize(const DevBuf& x, bool xAligned, const ref::Layout& L, u64 key, bool stochastic, bool twoPass,
                      const std::string& what) {
    const Launch& lc = launchConfig();
    SampleTables tables(L);
    DevBuf flag(4);
    const int zero = 0;
    devUpload(flag.ptr, &zero, 4);
    GpuPacked r;
    const int maxp = fusedVariant(L.groupSize);
    const unsigned grid = lc.warps(L.groups());
    DevBuf out;
    if (!twoPass && maxp != 0) {
        out = DevBuf((size_t)L.totalBytes(false));
        ACTNN_LAUNCH(K<T>::fused(maxp), grid, lc.block, x.as<const T>(), out.ptr, flag.as<int>(), L.samples,
                     L.features, L.groupsPerSample, (int)L.groupSize, tables.bitsPtr(), tables.offsetsPtr(),
                     tables.uniform, key, stochastic ? 1 : 0, 0, xAligned ? 1 : 0);
        r.meta32 = readFlag(flag) != 0;
        if (r.meta32) {
            r.guardsOk = out.guardsIntact(what + " [fused fp16 attempt]");
            out = DevBuf((size_t)L.totalBytes(true));
            ACTNN_LAUNCH(K<T>::fused(maxp), grid, lc.block, x.as<const T>(), out.ptr, flag.as<int>(), L.samples,
                         L.features, L.groupsPerSample, (int)L.groupSize, tables.bitsPtr(), tables.offsetsPtr(),
                         tables.uniform, key, stochastic ? 1 : 0, 1, xAligned ? 1 : 0);
        }
    } else {
        DevBuf stats((size_t)(L.groups() * 8));
        ACTNN_LAUNCH(K<T>::stats, grid, lc.block, x.as<const T>(), stats.as<float>(), L.samples, L.features,
                     L.groupsPerSample, (int)L.groupSize, xAligned ? 1 : 0);
        ACTNN_LAUNCH(actnn_fp16_check_kernel, lc.threads(L.groups()), lc.block, stats.as<const float>(),
                     flag.as<int>(), L.samples, L.groupsPerSample, tables.bitsPtr(), tables.uniform);
        r.meta32 = readFlag(flag) != 0;
        out = DevBuf((size_t)L.totalBytes(r.meta32));
        ACTNN_LAUNCH(K<T>::pack, grid, lc.block, x.as<const T>(), stats.as<const float>(), out.ptr, L.samples,
                     L.features, L.groupsPerSample, (int)L.groupSize, tables.bitsPtr(), tables.offsetsPtr(),
                     tables.uniform, key, stochastic ? 1 : 0, r.meta32 ? 1 : 0, xAligned ? 1 : 0);
        r.guardsOk = stats.guardsIntact(what + " [stats]") && r.guardsOk;
    }
    devSync();
    r.bytes = out.download();
    r.guardsOk = out.guardsIntact(what + " [packed]") && r.guardsOk;
    return r;
}

template <typename T>
std::vector<float> gpuRangeSquares(const DevBuf& x, bool xAligned, const ref::Layout& L) {
    const Launch& lc = launchConfig();
    DevBuf stats((size_t)(L.groups() * 8));
    DevBuf out((size_t)L.samples * 4);
    ACTNN_LAUNCH(K<T>::stats, lc.warps(L.groups()), lc.block, x.as<const T>(), stats.as<float>(), L.samples,
                 L.features, L.groupsPerSample, (int)L.groupSize, xAligned ? 1 : 0);
    ACTNN_LAUNCH(actnn_range_squares_kernel, lc.warps(L.samples), lc.block, stats.as<const float>(), out.as<float>(),
                 L.samples, L.groupsPerSample);
    devSync();
    std::vector<u8> raw = out.download();
    std::vector<float> v((size_t)L.samples);
    if (!v.empty()) std::memcpy(v.data(), raw.data(), raw.size());
    return v;
}

template <typename T>
std::vector<u8> gpuDequantize(const std::vector<u8>& packed, bool meta32, const ref::Layout& L, size_t yOffsetBytes,
                              const std::string& what) {
    const Launch& lc = launchConfig();
    SampleTables tables(L);
    DevBuf in(packed.size(), packed.data());
    DevBuf y((size_t)(L.samples * L.features) * sizeof(T), nullptr, yOffsetBytes);
    const bool aligned = (reinterpret_cast<uintptr_t>(y.ptr) % (2 * sizeof(T))) == 0;
    ACTNN_LAUNCH(K<T>::unpack, lc.warps(L.groups()), lc.block, in.ptr, y.as<T>(), L.samples, L.features,
                 L.groupsPerSample, (int)L.groupSize, tables.bitsPtr(), tables.offsetsPtr(), tables.uniform,
                 meta32 ? 1 : 0, aligned ? 1 : 0);
    devSync();
    y.guardsIntact(what + " [dequantized]");
    return y.download();
}

// ---- test data ---------------------------------------------------------------------------------

enum class Pattern { Normal, Positive, Specials, Constant, Huge, Tiny, BelowHalfRange, ReluLike, Ties, SignedZeros, Overflow, Subnormal };

inline const char* patternName(Pattern p) {
    switch (p) {
        case Pattern::Normal: return "normal";
        case Pattern::Positive: return "positive";
        case Pattern::Specials: return "specials";
        case Pattern::Constant: return "constant";
        case Pattern::Huge: return "huge";
        case Pattern::Tiny: return "tiny";
        case Pattern::BelowHalfRange: return "below-fp16-range";
        case Pattern::ReluLike: return "relu-like";
        case Pattern::Ties: return "ties";
        case Pattern::SignedZeros: return "signed-zeros";
        case Pattern::Overflow: return "range-overflow";
        case Pattern::Subnormal: return "subnormal";
    }
    return "?";
}

inline std::vector<float> makeValues(i64 count, Pattern p, std::mt19937_64& rng) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> uni(0.0f, 1.0f);
    std::vector<float> v((size_t)count);
    for (i64 i = 0; i < count; ++i) {
        float x = normal(rng);
        switch (p) {
            case Pattern::Normal: break;
            case Pattern::Positive: x = uni(rng) * 6.0f; break;
            case Pattern::Specials: {
                const u64 r = rng() % 64;
                if (r == 0) x = NAN;
                else if (r == 1) x = INFINITY;
                else if (r == 2) x = -INFINITY;
                else if (r == 3) x = -0.0f;
                else if (r == 4) x = 0.0f;
                else if (r == 5) x = 1e-42f;  // fp32 subnormal
                else if (r == 6) x = 65504.0f;
                break;
            }
            case Pattern::Constant: x = (i / 100) % 3 == 0 ? 0.1f : ((i / 100) % 3 == 1 ? 2.0f : -0.0f); break;
            case Pattern::Huge: x = normal(rng) * 1e30f; break;
            case Pattern::Tiny: x = normal(rng) * 1e-6f + 1000.0f; break;
            case Pattern::BelowHalfRange: x = -70000.0f + normal(rng); break;
            case Pattern::ReluLike: x = x > 0 ? x : 0.0f; break;
            case Pattern::Ties: x = (float)(rng() % 4) - 1.0f; break;
            case Pattern::SignedZeros: {
                const u64 r = rng() % 3;
                x = r == 0 ? -0.0f : (r == 1 ? 0.0f : std::fabs(x));
                break;
            }
            case Pattern::Overflow: {  // finite values whose range overflows fp32 in some groups
                const u64 r = rng() % 97;
                x = r == 0 ? 3.0e38f : (r == 1 ? -3.0e38f : x);
                break;
            }
            case Pattern::Subnormal: x *= 1e-39f; break;  // FP32 records with steps below 2^-126
        }
        v[(size_t)i] = x;
    }
    return v;
}

inline std::vector<u8> encode(const std::vector<float>& v, DType t) {
    std::vector<u8> raw(v.size() * ref::elemSize(t));
    for (size_t i = 0; i < v.size(); ++i) {
        if (t == DType::F32) {
            std::memcpy(raw.data() + 4 * i, &v[i], 4);
        } else {
            const u16 h = std::isnan(v[i]) ? (u16)0x7e00 : ref::roundNearest16(v[i]);
            std::memcpy(raw.data() + 2 * i, &h, 2);
        }
    }
    return raw;
}

inline const char* dtypeName(DType t) { return t == DType::F32 ? "f32" : "f16"; }

// ---- quantization checks -----------------------------------------------------------------------

template <typename T>
void checkQuantizeTyped(const std::string& what, const std::vector<u8>& raw, DType t, const ref::Layout& L, u64 key,
                        bool stochastic, const ref::Packed* expected) {
    const ref::Packed want = ref::quantize(raw, t, L, key, stochastic);
    if (expected != nullptr) {
        // the file's bytes (Java CPU backend) are authoritative: the host reference must agree too
        if (!sameBytes(what + " host-reference vs Java CPU backend", want.bytes, expected->bytes)) return;
    }
    // aligned input, then an input shifted by one element (scalar loads everywhere)
    for (int shifted = 0; shifted < 2; ++shifted) {
        DevBuf x(raw.size(), raw.data(), shifted ? sizeof(T) : 0);
        const bool aligned = (reinterpret_cast<uintptr_t>(x.ptr) % (2 * sizeof(T))) == 0;
        for (int twoPass = 0; twoPass < 2; ++twoPass) {
            const std::string tag = what + (twoPass ? " two-pass" : " fused") + (shifted ? " unaligned" : "");
            GpuPacked got = gpuQuantize<T>(x, aligned, L, key, stochastic, twoPass != 0, tag);
            report().pass();
            if (got.meta32 != want.meta32) {
                report().fail(tag + ": metadata type " + (got.meta32 ? "FP32" : "FP16") + " expected " +
                              (want.meta32 ? "FP32" : "FP16"));
                continue;
            }
            sameBytes(tag + " packed bytes", got.bytes, want.bytes);
        }
        x.guardsIntact(what + " input");
    }
    const std::vector<u8> deqWant = ref::dequantize(want.bytes, want.meta32, t, L);
    for (size_t off : {(size_t)0, sizeof(T)}) {
        const std::vector<u8> deq = gpuDequantize<T>(want.bytes, want.meta32, L, off, what);
        sameValues(what + (off ? " dequantized (unaligned output)" : " dequantized"), deq, deqWant, t);
    }
    DevBuf x(raw.size(), raw.data());
    const std::vector<float> rs = gpuRangeSquares<T>(x, true, L);
    const std::vector<float> rsWant = ref::sampleRangeSquares(raw, t, L);
    report().pass();
    for (size_t i = 0; i < rs.size(); ++i) {
        const float a = rs[i], b = rsWant[i];
        const bool ok = (std::isinf(a) && std::isinf(b)) || std::fabs(a - b) <= 1e-6f * std::fabs(b);
        if (!ok) {
            report().fail(what + " sampleRangeSquares[" + std::to_string(i) + "] = " + std::to_string(a) +
                          " expected " + std::to_string(b));
            break;
        }
    }
}

inline void checkQuantize(const std::string& what, const std::vector<u8>& raw, DType t, const ref::Layout& L, u64 key,
                          bool stochastic, const ref::Packed* expected = nullptr) {
    if (t == DType::F32) {
        checkQuantizeTyped<float>(what, raw, t, L, key, stochastic, expected);
    } else {
        checkQuantizeTyped<u16>(what, raw, t, L, key, stochastic, expected);
    }
}

struct QuantCase {
    i64 n, f, g;
};

// Built-in cases against the host reference. large: also run sizes only a GPU gets through quickly.
inline void runQuantizeSuite(bool large) {
    std::mt19937_64 rng(20240611);
    std::vector<QuantCase> shapes = {{1, 1, 32},   {3, 5, 256},  {2, 256, 256}, {4, 300, 256}, {5, 33, 32},
                                     {2, 96, 96},  {3, 200, 64}, {2, 700, 512}, {2, 1500, 1024}, {2, 2100, 2048},
                                     {1, 513, 160}, {6, 64, 32}};
    if (large) {
        shapes.push_back({70000, 3, 32});       // more than 65535 samples
        shapes.push_back({64, 50176, 256});     // a conv activation
        shapes.push_back({1, 1 << 20, 256});
    }
    const Pattern patterns[] = {Pattern::Normal, Pattern::Positive, Pattern::Specials, Pattern::Constant,
                                Pattern::Huge,   Pattern::Tiny,     Pattern::BelowHalfRange, Pattern::ReluLike,
                                Pattern::Ties,   Pattern::SignedZeros, Pattern::Overflow, Pattern::Subnormal};
    int caseNo = 0;
    for (const QuantCase& c : shapes) {
        for (DType t : {DType::F32, DType::F16}) {
            for (Pattern p : patterns) {
                const bool big = c.n * c.f > 100000;
                if (big && p != Pattern::Normal && p != Pattern::Specials) continue;
                const std::vector<float> vals = makeValues(c.n * c.f, p, rng);
                const std::vector<u8> raw = encode(vals, t);
                // bits: uniform 1 to 8 and one per-sample mix of them
                for (int variant = 0; variant < 9; ++variant) {
                    if (big && variant != 1 && variant != 2 && variant != 8) continue;
                    std::vector<int> bits((size_t)c.n);
                    for (i64 i = 0; i < c.n; ++i) {
                        bits[(size_t)i] = variant < 8 ? variant + 1 : 1 + (int)(rng() % 8);
                    }
                    const ref::Layout L(c.n, c.f, c.g, bits);
                    const u64 key = rng();
                    const bool stochastic = (caseNo % 3) != 2;
                    char what[200];
                    std::snprintf(what, sizeof what, "quantize #%d %s N=%" PRId64 " F=%" PRId64 " G=%" PRId64
                                  " bits=%s %s %s",
                                  caseNo, dtypeName(t), c.n, c.f, c.g,
                                  variant < 8 ? std::to_string(variant + 1).c_str() : "per-sample",
                                  stochastic ? "stochastic" : "nearest", patternName(p));
                    checkQuantize(what, raw, t, L, key, stochastic);
                    ++caseNo;
                }
            }
        }
    }
    // N = 0 and F = 0 pack to nothing (and must not launch anything that writes)
    for (DType t : {DType::F32, DType::F16}) {
        const ref::Layout L0(0, 10, 256, {});
        checkQuantize(std::string("quantize empty N=0 ") + dtypeName(t), {}, t, L0, 1, true);
        const ref::Layout L1(3, 0, 256, {2, 2, 2});
        checkQuantize(std::string("quantize empty F=0 ") + dtypeName(t), {}, t, L1, 1, true);
    }
}

// Single-group tensors whose FP16 eligibility is decided near the format's threshold
// (B * step <= 1.0625 * (mx - mn) + 2^-10 * max(|mn|, |mx|)): the offset of the values is large
// against their range, so the fp16 rounding of lo and step inflates the range by a few percent.
inline void runEligibilitySuite(int cases) {
    std::mt19937_64 rng(4242);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    int fp32 = 0;
    for (int k = 0; k < cases; ++k) {
        const double c = (0.5 + 1.5 * uni(rng)) * std::ldexp(1.0, -(int)(rng() % 16)) * (rng() % 2 ? 1 : -1);
        const double r = std::fabs(c) * std::ldexp(1.0, -(int)(rng() % 11));
        std::vector<float> v(32);
        for (size_t i = 0; i < v.size(); ++i) v[i] = (float)(c + r * uni(rng));
        v[0] = (float)c;
        v[1] = (float)(c + r);
        const int bits = 1 + (int)(rng() % 8);
        const ref::Layout L(1, 32, 32, {bits});
        const DType t = k % 4 == 3 ? DType::F16 : DType::F32;
        const std::vector<u8> raw = encode(v, t);
        fp32 += ref::quantize(raw, t, L, 0, false).meta32 ? 1 : 0;
        checkQuantize("eligibility boundary #" + std::to_string(k) + " " + dtypeName(t) + " bits=" +
                              std::to_string(bits),
                      raw, t, L, (u64)k, k % 2 == 0);
    }
    // Both outcomes must occur, or the cases do not probe the threshold.
    std::printf("eligibility suite: %d of %d single-group tensors need FP32 records\n", fp32, cases);
    report().pass();
    if (fp32 == 0 || fp32 == cases) report().fail("eligibility suite: no mix of FP16 and FP32 decisions");
}

// ---- masks, dropout, pooling -------------------------------------------------------------------

// ReLU in place (y = x, the backend's reluInPlace): the same y and mask as out of place.
template <typename T>
void checkReluInPlace(const std::string& what, const std::vector<u8>& raw, DType t, i64 n,
                      const std::vector<u8>& yWant, const std::vector<u8>& mWant) {
    const Launch& lc = launchConfig();
    DevBuf xy(raw.size(), raw.data());
    DevBuf m((size_t)((n + 7) / 8));
    ACTNN_LAUNCH(K<T>::relu, lc.words(n), lc.block, xy.as<const T>(), xy.as<T>(), m.ptr, n);
    devSync();
    sameValues(what + " relu in place y", xy.download(), yWant, t);
    sameBytes(what + " relu in place mask", m.download(), mWant);
    xy.guardsIntact(what + " relu in place y");
    m.guardsIntact(what + " relu in place mask");
}

template <typename T>
void checkMasksTyped(const std::string& what, const std::vector<u8>& raw, DType t, i64 n, u64 key, float rate) {
    const Launch& lc = launchConfig();
    const size_t maskBytes = (size_t)((n + 7) / 8);
    // ReLU forward (y + mask) and the mask alone
    {
        std::vector<u8> yWant, mWant;
        ref::reluForward(raw, t, n, yWant, mWant);
        DevBuf x(raw.size(), raw.data());
        DevBuf y(raw.size());
        DevBuf m(maskBytes);
        ACTNN_LAUNCH(K<T>::relu, lc.words(n), lc.block, x.as<const T>(), y.as<T>(), m.ptr, n);
        devSync();
        sameValues(what + " relu y", y.download(), yWant, t);
        sameBytes(what + " relu mask", m.download(), mWant);
        y.guardsIntact(what + " relu y");
        m.guardsIntact(what + " relu mask");
        DevBuf m2(maskBytes);
        ACTNN_LAUNCH(K<T>::relu, lc.words(n), lc.block, x.as<const T>(), (T*)nullptr, m2.ptr, n);
        devSync();
        sameBytes(what + " packPositive", m2.download(), mWant);
        m2.guardsIntact(what + " packPositive");
        checkReluInPlace<T>(what, raw, t, n, yWant, mWant);
        // backward: grad * mask (scale 1) and a scaled variant
        std::vector<float> gv(raw.size() / sizeof(T));
        std::mt19937_64 rng(key);
        std::normal_distribution<float> nd;
        for (auto& v : gv) v = nd(rng);
        if (!gv.empty()) gv[0] = NAN;
        const std::vector<u8> graw = encode(gv, t);
        DevBuf g(graw.size(), graw.data());
        for (float scale : {1.0f, 2.5f}) {
            DevBuf out(graw.size());
            ACTNN_LAUNCH(K<T>::applyMask, lc.threads(n), lc.block, g.as<const T>(), m.as<const u8>(), out.as<T>(), n,
                         scale);
            devSync();
            sameValues(what + " applyMask scale " + std::to_string(scale), out.download(),
                       ref::applyMask(graw, t, mWant, n, scale), t);
            out.guardsIntact(what + " applyMask");
        }
    }
    // dropout forward (y + keep mask), and the keep mask alone (randomKeepMask)
    {
        const float scale = rate >= 1.0f ? 0.0f : 1.0f / (1.0f - rate);
        std::vector<u8> yWant, mWant;
        ref::dropoutForward(raw, t, n, key, rate, scale, yWant, mWant);
        DevBuf x(raw.size(), raw.data());
        DevBuf y(raw.size());
        DevBuf m(maskBytes);
        ACTNN_LAUNCH(K<T>::dropout, lc.words(n), lc.block, x.as<const T>(), y.as<T>(), m.ptr, n, key, rate, scale);
        devSync();
        sameValues(what + " dropout y (rate " + std::to_string(rate) + ")", y.download(), yWant, t);
        sameBytes(what + " dropout keep mask", m.download(), mWant);
        y.guardsIntact(what + " dropout y");
        m.guardsIntact(what + " dropout mask");
        DevBuf m2(maskBytes);
        ACTNN_LAUNCH(K<T>::dropout, lc.words(n), lc.block, (const T*)nullptr, (T*)nullptr, m2.ptr, n, key, rate, scale);
        devSync();
        sameBytes(what + " randomKeepMask", m2.download(), mWant);
        m2.guardsIntact(what + " randomKeepMask");
    }
}

template <typename W, typename M>
void checkNonZero(const std::string& what, i64 n, int width, bool isFloat, M valueMask,
                  void (*kernel)(const W*, actnn_u8*, actnn_i64, M), std::mt19937_64& rng) {
    std::vector<u8> raw((size_t)n * width);
    for (i64 i = 0; i < n; ++i) {
        const u64 r = rng() % 6;
        u64 v = 0;
        if (r == 1) v = 1;
        if (r == 2) v = rng();
        if (r == 3 && isFloat) v = (u64)1 << (8 * width - 1);  // -0
        if (r == 4 && isFloat) v = ~(u64)0 >> (64 - 8 * width);  // a NaN
        std::memcpy(raw.data() + i * width, &v, (size_t)width);
    }
    const Launch& lc = launchConfig();
    DevBuf m(raw.size(), raw.data());
    DevBuf out((size_t)((n + 7) / 8));
    ACTNN_LAUNCH(kernel, lc.words(n), lc.block, m.as<const W>(), out.ptr, n, valueMask);
    devSync();
    sameBytes(what, out.download(), ref::packNonZero(raw, width, isFloat, n));
    out.guardsIntact(what);
}

inline void checkNonZeroW8(const std::string& what, i64 n, bool isFloat, std::mt19937_64& rng) {
    checkNonZero<actnn_u64, actnn_u64>(what, n, 8, isFloat, isFloat ? 0x7fffffffffffffffull : ~0ull,
                                       actnn_pack_nonzero_w8, rng);
}

inline void runMaskSuite(bool large) {
    std::mt19937_64 rng(77);
    std::vector<i64> sizes = {1, 7, 8, 31, 32, 33, 127, 128, 129, 511, 512, 513, 1000, 4097, 10007};
    if (large) {
        sizes.push_back(1 << 24);
        sizes.push_back((1 << 24) + 5);
    }
    const float rates[] = {0.0f, 0.1f, 0.5f, 1.0f};
    int k = 0;
    for (i64 n : sizes) {
        for (DType t : {DType::F32, DType::F16}) {
            const std::vector<float> vals = makeValues(n, k % 2 ? Pattern::Specials : Pattern::Normal, rng);
            const std::vector<u8> raw = encode(vals, t);
            const std::string what = std::string("masks ") + dtypeName(t) + " n=" + std::to_string(n);
            const u64 key = rng();
            // every other case: a rate equal to the random number of one element (kept: r >= rate)
            const float rate = k % 2 == 0 ? rates[(k / 2) % 4] : std::min(ref::randomAt(key, (u64)(n / 2)), 0.99f);
            if (t == DType::F32) {
                checkMasksTyped<float>(what, raw, t, n, key, rate);
            } else {
                checkMasksTyped<u16>(what, raw, t, n, key, rate);
            }
            ++k;
        }
        const std::string nz = "packNonZero n=" + std::to_string(n);
        checkNonZero<actnn_u8, actnn_u32>(nz + " bool/int8", n, 1, false, 0xffu, actnn_pack_nonzero_w1, rng);
        checkNonZero<actnn_u16, actnn_u32>(nz + " f16", n, 2, true, 0x7fffu, actnn_pack_nonzero_w2, rng);
        checkNonZero<actnn_u32, actnn_u32>(nz + " f32", n, 4, true, 0x7fffffffu, actnn_pack_nonzero_w4, rng);
        checkNonZero<actnn_u32, actnn_u32>(nz + " int32", n, 4, false, 0xffffffffu, actnn_pack_nonzero_w4, rng);
        checkNonZeroW8(nz + " f64", n, true, rng);
        checkNonZeroW8(nz + " int64", n, false, rng);
    }
}

template <typename T>
void checkPoolTyped(const std::string& what, const std::vector<u8>& raw, DType t, i64 planes, int H, int W,
                    const ref::Pool& P, const std::vector<u8>* expY, const std::vector<u8>* expOff,
                    const std::vector<u8>* dyIn, const std::vector<u8>* expDx) {
    std::vector<u8> yWant, offWant;
    int OH = 0, OW = 0;
    ref::maxPoolForward(raw, t, planes, H, W, P, yWant, offWant, OH, OW);
    if (expY != nullptr) {
        sameValues(what + " host-reference y vs Java", yWant, *expY, t);
        sameBytes(what + " host-reference offsets vs Java", offWant, *expOff);
    }
    const Launch& lc = launchConfig();
    const i64 outN = planes * OH * OW;
    DevBuf x(raw.size(), raw.data());
    DevBuf y((size_t)outN * sizeof(T));
    DevBuf off((size_t)outN);
    ACTNN_LAUNCH(K<T>::poolFwd, lc.threads(outN), lc.block, x.as<const T>(), y.as<T>(), off.ptr, planes, H, W, OH, OW,
                 P.kernelH, P.kernelW, P.strideH, P.strideW, P.padH, P.padW);
    devSync();
    sameValues(what + " maxpool y", y.download(), yWant, t);
    sameBytes(what + " maxpool offsets", off.download(), offWant);
    y.guardsIntact(what + " maxpool y");
    off.guardsIntact(what + " maxpool offsets");
    std::vector<u8> dy;
    if (dyIn != nullptr) {
        dy = *dyIn;
    } else {
        std::mt19937_64 rng((u64)outN * 31 + H);
        std::normal_distribution<float> nd;
        std::vector<float> g((size_t)outN);
        for (auto& v : g) v = nd(rng);
        dy = encode(g, t);
    }
    const std::vector<u8> dxWant = ref::maxPoolBackward(dy, offWant, t, planes, H, W, OH, OW, P);
    if (expDx != nullptr) sameValues(what + " host-reference dx vs Java", dxWant, *expDx, t);
    DevBuf dyd(dy.size(), dy.data());
    DevBuf dx(raw.size());
    ACTNN_LAUNCH(K<T>::poolBwd, lc.threads(planes * H * W), lc.block, dyd.as<const T>(), off.as<const u8>(),
                 dx.as<T>(), planes, H, W, OH, OW, P.kernelH, P.kernelW, P.strideH, P.strideW, P.padH, P.padW);
    devSync();
    sameValues(what + " maxpool dx", dx.download(), dxWant, t);
    dx.guardsIntact(what + " maxpool dx");
}

inline void checkPool(const std::string& what, const std::vector<u8>& raw, DType t, i64 planes, int H, int W,
                      const ref::Pool& P, const std::vector<u8>* expY = nullptr,
                      const std::vector<u8>* expOff = nullptr, const std::vector<u8>* dy = nullptr,
                      const std::vector<u8>* expDx = nullptr) {
    if (t == DType::F32) {
        checkPoolTyped<float>(what, raw, t, planes, H, W, P, expY, expOff, dy, expDx);
    } else {
        checkPoolTyped<u16>(what, raw, t, planes, H, W, P, expY, expOff, dy, expDx);
    }
}

inline void runPoolSuite(bool large) {
    std::mt19937_64 rng(99);
    struct PC {
        i64 planes;
        int h, w;
        ref::Pool p;
    };
    std::vector<PC> cases = {
            {6, 7, 9, {3, 3, 2, 2, 1, 1, false}}, {6, 7, 9, {3, 3, 2, 2, 1, 1, true}},
            {4, 8, 8, {2, 2, 2, 2, 0, 0, false}}, {3, 5, 5, {3, 3, 1, 1, 1, 1, false}},
            {2, 6, 11, {2, 3, 1, 2, 1, 1, true}}, {2, 1, 1, {1, 1, 1, 1, 0, 0, false}},
            {1, 16, 16, {15, 15, 4, 4, 7, 7, true}}, {5, 9, 4, {4, 2, 3, 3, 2, 1, true}},
    };
    if (large) cases.push_back({64 * 64, 56, 56, {3, 3, 2, 2, 1, 1, false}});
    int k = 0;
    for (const PC& c : cases) {
        for (DType t : {DType::F32, DType::F16}) {
            const i64 count = c.planes * c.h * c.w;
            const Pattern p = k % 3 == 0 ? Pattern::Ties : (k % 3 == 1 ? Pattern::Specials : Pattern::Normal);
            const std::vector<u8> raw = encode(makeValues(count, p, rng), t);
            char what[160];
            std::snprintf(what, sizeof what, "maxpool %s planes=%" PRId64 " %dx%d k=%dx%d s=%dx%d p=%dx%d ceil=%d %s",
                          dtypeName(t), c.planes, c.h, c.w, c.p.kernelH, c.p.kernelW, c.p.strideH, c.p.strideW,
                          c.p.padH, c.p.padW, c.p.ceilMode ? 1 : 0, patternName(p));
            checkPool(what, raw, t, c.planes, c.h, c.w, c.p);
            ++k;
        }
    }
}

// ---- host reference self-test (known answers; no GPU) ------------------------------------------

inline void hostSelfTest() {
    Report& r = report();
    auto expect = [&](bool ok, const std::string& what) {
        r.pass();
        if (!ok) r.fail("host self-test: " + what);
    };
    // SplitMix64: with key = golden ratio and i = 0, z is the generator's first output for seed 0.
    expect(ref::splitmixFinal(0x9E3779B97F4A7C15ull) == 0xE220A8397B1DCDAFull, "splitmix64 first output for seed 0");
    // r(i): seed = low half of SplitMix64(key) = 0x7B1DCDAF, then lowbias32 of seed + i * 0x9E3779B9
    // (answers computed independently, in Python)
    expect(ref::randomAt(0x9E3779B97F4A7C15ull, 0) == (float)0x8C2686u / 16777216.0f, "r(0): lowbias32(seed) >> 8");
    expect(ref::randomAt(0x9E3779B97F4A7C15ull, 1) == (float)0xD1492Eu / 16777216.0f,
           "r(1): lowbias32(seed + 0x9E3779B9) >> 8");
    expect(ref::randomAt(0, 1) == (float)0x01FCE5u / 16777216.0f, "r(1) of key 0: lowbias32(0x9E3779B9) >> 8");
    // binary16 roundings
    expect(ref::roundDown16(0.1f) == 0x2e66 && ref::roundUp16(0.1f) == 0x2e67, "0.1 between 0x2E66 and 0x2E67");
    expect(ref::roundNearest16(0.1f) == 0x2e66, "0.1 rounds to 0x2E66");
    expect(ref::roundDown16(-70000.0f) == 0xfc00, "below -65504 rounds down to -inf");
    expect(ref::roundUp16(70000.0f) == 0x7c00 && ref::roundDown16(70000.0f) == 0x7bff, "above 65504");
    expect(ref::roundUp16(1e-30f) == 0x0001 && ref::roundDown16(1e-30f) == 0x0000, "tiny positive");
    expect(ref::roundNearest16(65519.0f) == 0x7bff && ref::roundNearest16(65520.0f) == 0x7c00, "overflow threshold");
    expect(ref::roundNearest16(2.98023224e-8f) == 0x0000 && ref::roundNearest16(8.94069672e-8f) == 0x0002,
           "ties to even among subnormals");
    expect(ref::halfToFloat(0x3c00) == 1.0f && ref::halfToFloat(0x0001) == 5.9604644775390625e-8f, "half to float");
    // A worked example: G = 32, 2 bits, values 0,1,2,3 repeated, nearest rounding: FP16 record
    // lo = 0 (0x0000), step = 1 (0x3C00), codes = values, each byte 0b11100100.
    {
        std::vector<float> v(32);
        for (int i = 0; i < 32; ++i) v[(size_t)i] = (float)(i % 4);
        const std::vector<u8> raw = encode(v, DType::F32);
        const ref::Layout L(1, 32, 32, {2});
        const ref::Packed p = ref::quantize(raw, DType::F32, L, 0, false);
        const std::vector<u8> want = {0xE4, 0xE4, 0xE4, 0xE4, 0xE4, 0xE4, 0xE4, 0xE4, 0x00, 0x00, 0x00, 0x3c};
        expect(!p.meta32 && p.bytes == want, "worked example bytes " + hex(p.bytes, 0, 12));
        expect(ref::dequantize(p.bytes, false, DType::F32, L) == raw, "worked example round trip");
    }
    // A step fp16 cannot hold (1e10 / 255 > 65504) forces FP32 records for the whole tensor.
    {
        std::vector<float> v = {0.0f, 1e10f, 0.0f, 1.0f};
        const ref::Layout L(2, 2, 32, {8, 8});
        const ref::Packed p = ref::quantize(encode(v, DType::F32), DType::F32, L, 0, false);
        expect(p.meta32 && p.bytes.size() == 2 * 32 + 2 * 8, "FP32 fallback");
    }
    // ReLU as PyTorch's CPU kernel: +0 only where x < 0; -0 and NaN (payload too) are copied.
    {
        const std::vector<u8> x = {0x00, 0x00, 0x00, 0x80,   // -0
                                   0x00, 0x00, 0x80, 0xbf,   // -1
                                   0x01, 0x00, 0xc0, 0xff,   // a negative NaN with a payload
                                   0x00, 0x00, 0x00, 0x40};  // 2
        std::vector<u8> y, m;
        ref::reluForward(x, DType::F32, 4, y, m);
        const std::vector<u8> want = {0x00, 0x00, 0x00, 0x80, 0, 0, 0, 0, 0x01, 0x00, 0xc0, 0xff, 0x00, 0x00, 0x00, 0x40};
        expect(y == want && m == std::vector<u8>{0x08}, "relu of -0, -1, NaN, 2: " + hex(y, 0, 16));
    }
}

// ---- reference files written by ai.actnn.cuda.tools.ReferenceDataGenerator ---------------------

struct RefFile {
    std::string path;
    std::map<std::string, std::vector<u8>> entries;
    bool has(const std::string& k) const { return entries.count(k) != 0; }
    const std::vector<u8>& get(const std::string& k) const {
        static const std::vector<u8> empty;
        auto it = entries.find(k);
        return it == entries.end() ? empty : it->second;
    }
    std::string str(const std::string& k) const {
        const auto& v = get(k);
        return std::string(v.begin(), v.end());
    }
    i64 i64At(const std::string& k, size_t idx = 0) const {
        i64 v = 0;
        const auto& b = get(k);
        if (b.size() >= 8 * (idx + 1)) std::memcpy(&v, b.data() + 8 * idx, 8);
        return v;
    }
    std::vector<i64> i64s(const std::string& k) const {
        const auto& b = get(k);
        std::vector<i64> v(b.size() / 8);
        if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * 8);
        return v;
    }
    float f32At(const std::string& k) const {
        float v = 0;
        const auto& b = get(k);
        if (b.size() >= 4) std::memcpy(&v, b.data(), 4);
        return v;
    }
};

// Format: "ACTNREF1", then entries: u16 name length, name, u64 byte length, bytes (little-endian).
inline bool readRefFile(const std::string& path, RefFile& out, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot open " + path;
        return false;
    }
    std::vector<u8> all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (all.size() < 8 || std::memcmp(all.data(), "ACTNREF1", 8) != 0) {
        error = path + ": not a reference file (bad magic)";
        return false;
    }
    size_t p = 8;
    out.path = path;
    while (p < all.size()) {
        if (p + 2 > all.size()) break;
        u16 nl;
        std::memcpy(&nl, all.data() + p, 2);
        p += 2;
        if (p + nl + 8 > all.size()) {
            error = path + ": truncated entry name";
            return false;
        }
        std::string name(reinterpret_cast<const char*>(all.data() + p), nl);
        p += nl;
        u64 len;
        std::memcpy(&len, all.data() + p, 8);
        p += 8;
        if (p + len > all.size()) {
            error = path + ": truncated entry " + name;
            return false;
        }
        out.entries[name] = std::vector<u8>(all.begin() + (long)p, all.begin() + (long)(p + len));
        p += len;
    }
    return true;
}

inline DType dtypeOf(const RefFile& f) { return f.str("dtype") == "float16" ? DType::F16 : DType::F32; }

// Runs one generated case; returns false if the file is unusable.
inline bool runRefCase(const RefFile& f) {
    const std::string op = f.str("op");
    const std::string what = "ref " + f.str("name") + " (" + f.path + ")";
    const DType t = dtypeOf(f);
    const std::vector<i64> shape = f.i64s("shape");
    i64 numel = 1;
    for (i64 d : shape) numel *= d;
    if (op == "quantize") {
        const i64 n = shape.empty() ? 1 : shape[0];
        const i64 feat = shape.size() <= 1 ? 1 : numel / (n == 0 ? 1 : n);
        const std::vector<u8>& b = f.get("bits");
        const ref::Layout L(n, n == 0 ? 0 : feat, f.i64At("groupSize"), std::vector<int>(b.begin(), b.end()));
        ref::Packed expected;
        expected.bytes = f.get("packed");
        expected.meta32 = f.str("metadataType") == "FP32";
        const u64 key = (u64)f.i64At("key");
        const bool stochastic = !f.get("stochastic").empty() && f.get("stochastic")[0] != 0;
        checkQuantize(what, f.get("input"), t, L, key, stochastic, &expected);
        const ref::Packed want = ref::quantize(f.get("input"), t, L, key, stochastic);
        report().pass();
        if (want.meta32 != expected.meta32) report().fail(what + ": host reference disagrees on the metadata type");
        if (f.has("rangeSquares")) {
            // GroupStats.sampleRangeSquares: equal up to the rounding of the summation order
            const std::vector<float> rs = ref::sampleRangeSquares(f.get("input"), t, L);
            const std::vector<u8>& jb = f.get("rangeSquares");
            report().pass();
            for (size_t i = 0; i < rs.size() && 4 * i + 4 <= jb.size(); ++i) {
                float j;
                std::memcpy(&j, jb.data() + 4 * i, 4);
                const bool ok = (std::isinf(rs[i]) && std::isinf(j)) || std::fabs(rs[i] - j) <= 1e-5f * std::fabs(j);
                if (!ok) {
                    report().fail(what + " host-reference sampleRangeSquares[" + std::to_string(i) + "] = " +
                                  std::to_string(rs[i]) + ", Java " + std::to_string(j));
                    break;
                }
            }
        }
        if (f.has("dequantized")) {
            sameValues(what + " host-reference dequantized vs Java",
                       ref::dequantize(expected.bytes, expected.meta32, t, L), f.get("dequantized"), t);
            const std::vector<u8> deq = t == DType::F32
                                                ? gpuDequantize<float>(expected.bytes, expected.meta32, L, 0, what)
                                                : gpuDequantize<u16>(expected.bytes, expected.meta32, L, 0, what);
            sameValues(what + " dequantized vs Java", deq, f.get("dequantized"), t);
        }
        return true;
    }
    if (op == "relu" || op == "dropout") {
        const std::vector<u8>& x = f.get("input");
        std::vector<u8> y, m;
        if (op == "relu") {
            ref::reluForward(x, t, numel, y, m);
        } else {
            ref::dropoutForward(x, t, numel, (u64)f.i64At("key"), f.f32At("rate"), f.f32At("scale"), y, m);
        }
        sameBytes(what + " host-reference mask vs Java", m, f.get("mask"));
        if (f.has("output")) sameValues(what + " host-reference y vs Java", y, f.get("output"), t);
        if (f.has("gradIn")) {
            const float scale = op == "relu" ? 1.0f : f.f32At("scale");
            sameValues(what + " host-reference applyMask vs Java", ref::applyMask(f.get("gradIn"), t, m, numel, scale),
                       f.get("gradOut"), t);
        }
        // the kernels, against the same expectations
        const Launch& lc = launchConfig();
        DevBuf xd(x.size(), x.data());
        DevBuf yd(x.size());
        DevBuf md((size_t)((numel + 7) / 8));
        if (op == "relu") {
            if (t == DType::F32) {
                ACTNN_LAUNCH(actnn_relu_forward_f32, lc.words(numel), lc.block, xd.as<const float>(), yd.as<float>(), md.ptr, numel);
            } else {
                ACTNN_LAUNCH(actnn_relu_forward_f16, lc.words(numel), lc.block, xd.as<const u16>(), yd.as<u16>(), md.ptr, numel);
            }
        } else {
            const u64 key = (u64)f.i64At("key");
            const float rate = f.f32At("rate"), scale = f.f32At("scale");
            if (t == DType::F32) {
                ACTNN_LAUNCH(actnn_dropout_forward_f32, lc.words(numel), lc.block, xd.as<const float>(), yd.as<float>(), md.ptr, numel, key, rate, scale);
            } else {
                ACTNN_LAUNCH(actnn_dropout_forward_f16, lc.words(numel), lc.block, xd.as<const u16>(), yd.as<u16>(), md.ptr, numel, key, rate, scale);
            }
        }
        devSync();
        sameBytes(what + " mask vs Java", md.download(), f.get("mask"));
        if (f.has("output")) sameValues(what + " y vs Java", yd.download(), f.get("output"), t);
        if (f.has("gradIn")) {
            const float scale = op == "relu" ? 1.0f : f.f32At("scale");
            const std::vector<u8>& g = f.get("gradIn");
            DevBuf gd(g.size(), g.data());
            DevBuf od(g.size());
            if (t == DType::F32) {
                ACTNN_LAUNCH(actnn_apply_mask_f32, lc.threads(numel), lc.block, gd.as<const float>(), md.as<const u8>(), od.as<float>(), numel, scale);
            } else {
                ACTNN_LAUNCH(actnn_apply_mask_f16, lc.threads(numel), lc.block, gd.as<const u16>(), md.as<const u8>(), od.as<u16>(), numel, scale);
            }
            devSync();
            sameValues(what + " applyMask vs Java", od.download(), f.get("gradOut"), t);
        }
        if (op == "relu" && f.has("output")) {
            if (t == DType::F32) {
                checkReluInPlace<float>(what, x, t, numel, f.get("output"), f.get("mask"));
            } else {
                checkReluInPlace<u16>(what, x, t, numel, f.get("output"), f.get("mask"));
            }
        }
        return true;
    }
    if (op == "nonzero") {
        const std::string dt = f.str("dtype");
        const std::vector<u8>& x = f.get("input");
        int width = 1;
        bool isFloat = false;
        if (dt == "float16") { width = 2; isFloat = true; }
        else if (dt == "float32") { width = 4; isFloat = true; }
        else if (dt == "float64") { width = 8; isFloat = true; }
        else if (dt == "int32") { width = 4; }
        else if (dt == "int64") { width = 8; }
        sameBytes(what + " host-reference packNonZero vs Java", ref::packNonZero(x, width, isFloat, numel), f.get("mask"));
        const Launch& lc = launchConfig();
        DevBuf xd(x.size(), x.data());
        DevBuf md((size_t)((numel + 7) / 8));
        switch (width) {
            case 1: ACTNN_LAUNCH(actnn_pack_nonzero_w1, lc.words(numel), lc.block, xd.as<const u8>(), md.ptr, numel, 0xffu); break;
            case 2: ACTNN_LAUNCH(actnn_pack_nonzero_w2, lc.words(numel), lc.block, xd.as<const u16>(), md.ptr, numel, isFloat ? 0x7fffu : 0xffffu); break;
            case 4: ACTNN_LAUNCH(actnn_pack_nonzero_w4, lc.words(numel), lc.block, xd.as<const u32>(), md.ptr, numel, isFloat ? 0x7fffffffu : 0xffffffffu); break;
            default: ACTNN_LAUNCH(actnn_pack_nonzero_w8, lc.words(numel), lc.block, xd.as<const actnn_u64>(), md.ptr, numel, isFloat ? 0x7fffffffffffffffull : ~0ull); break;
        }
        devSync();
        sameBytes(what + " packNonZero vs Java", md.download(), f.get("mask"));
        return true;
    }
    if (op == "maxpool2d") {
        const std::vector<i64> p = f.i64s("pool");  // kernelH, kernelW, strideH, strideW, padH, padW, ceil
        if (shape.size() != 4 || p.size() != 7) return false;
        ref::Pool P{(int)p[0], (int)p[1], (int)p[2], (int)p[3], (int)p[4], (int)p[5], p[6] != 0};
        const std::vector<u8>& y = f.get("output");
        const std::vector<u8>& off = f.get("offsets");
        const std::vector<u8>& dy = f.get("gradIn");
        const std::vector<u8>& dx = f.get("gradOut");
        checkPool(what, f.get("input"), t, shape[0] * shape[1], (int)shape[2], (int)shape[3], P, &y, &off, &dy, &dx);
        return true;
    }
    return false;
}

}  // namespace suite
