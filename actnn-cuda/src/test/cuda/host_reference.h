// An independent host (C++) implementation of docs/format.md and of the layer kernels' contracts,
// used by the standalone GPU check (harness.cu) and by the emulator test (emu_check.cpp).
//
// It deliberately shares no code with actnn_kernels.cu and is written in the most literal way:
// binary16 roundings come from a sorted table of every binary16 value (not from bit tricks), the
// minimum and maximum from a sequential scan, the random numbers are hashed per element, and codes
// are packed bit by bit. Agreement between it, the kernels and the Java CPU backend is what the
// checks establish.
//
// fp32 arithmetic must be IEEE binary32 without contraction: compile with -ffp-contract=off.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ref {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i64 = int64_t;

inline u32 f2u(float f) {
    u32 u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline float u2f(u32 u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// ---- binary16 ----------------------------------------------------------------------------------

inline double halfToDouble(u16 h) {
    const int sign = (h >> 15) & 1;
    const int exp = (h >> 10) & 0x1f;
    const int man = h & 0x3ff;
    double v;
    if (exp == 0x1f) {
        v = man == 0 ? INFINITY : NAN;
    } else if (exp == 0) {
        v = std::ldexp((double)man, -24);
    } else {
        v = std::ldexp((double)(man + 1024), exp - 25);
    }
    return sign ? -v : v;
}

inline float halfToFloat(u16 h) { return (float)halfToDouble(h); }

// Every non-NaN binary16 value except -0, sorted by value (from -inf to +inf).
struct HalfTable {
    std::vector<double> values;
    std::vector<u16> patterns;
    HalfTable() {
        std::vector<std::pair<double, u16>> all;
        for (u32 p = 0; p < 65536; ++p) {
            const u16 h = (u16)p;
            if (h == 0x8000) continue;
            const double v = halfToDouble(h);
            if (std::isnan(v)) continue;
            all.emplace_back(v, h);
        }
        std::sort(all.begin(), all.end());
        for (auto& e : all) {
            values.push_back(e.first);
            patterns.push_back(e.second);
        }
    }
};

inline const HalfTable& halfTable() {
    static const HalfTable t;
    return t;
}

// A zero result carries the sign of the exact value (IEEE 754 directed roundings).
inline u16 signedZeroIfZero(u16 h, float x) {
    if ((h & 0x7fff) == 0) return std::signbit(x) ? 0x8000 : 0x0000;
    return h;
}

// The largest binary16 value <= x.
inline u16 roundDown16(float x) {
    if (std::isnan(x)) return 0x7e00;
    if (x == 0.0f) return std::signbit(x) ? 0x8000 : 0x0000;
    const HalfTable& t = halfTable();
    auto it = std::upper_bound(t.values.begin(), t.values.end(), (double)x);
    const size_t i = (size_t)(it - t.values.begin()) - 1;  // x >= -inf always has a predecessor
    return signedZeroIfZero(t.patterns[i], x);
}

// The smallest binary16 value >= x.
inline u16 roundUp16(float x) {
    if (std::isnan(x)) return 0x7e00;
    if (x == 0.0f) return std::signbit(x) ? 0x8000 : 0x0000;
    const HalfTable& t = halfTable();
    auto it = std::lower_bound(t.values.begin(), t.values.end(), (double)x);
    return signedZeroIfZero(t.patterns[(size_t)(it - t.values.begin())], x);
}

// Round to nearest, ties to even (IEEE: |x| >= 65520 overflows to infinity).
inline u16 roundNearest16(float x) {
    if (std::isnan(x)) return 0x7e00;
    if (std::fabs(x) >= 65520.0f) return std::signbit(x) ? 0xfc00 : 0x7c00;
    const u16 d = roundDown16(x);
    const u16 u = roundUp16(x);
    if (d == u) return d;
    const double dx = (double)x - halfToDouble(d);
    const double ux = halfToDouble(u) - (double)x;
    u16 r;
    if (dx < ux) {
        r = d;
    } else if (ux < dx) {
        r = u;
    } else {
        r = (d & 1) == 0 ? d : u;  // tie: the even significand
    }
    return signedZeroIfZero(r, x);
}

// ---- random numbers ----------------------------------------------------------------------------

inline u64 splitmixFinal(u64 z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

inline float randomAt(u64 key, u64 i) {
    const u32 seed = (u32)splitmixFinal(key + (i >> 32) * 0x9E3779B97F4A7C15ull);
    u32 x = seed + (u32)(i & 0xFFFFFFFFull) * 0x9E3779B9u;
    x = (x ^ (x >> 16)) * 0x7FEB352Du;
    x = (x ^ (x >> 15)) * 0x846CA68Bu;
    x ^= x >> 16;
    return (float)std::ldexp((double)(x >> 8), -24);
}

// ---- tensors -----------------------------------------------------------------------------------

enum class DType { F32, F16 };

inline size_t elemSize(DType t) { return t == DType::F32 ? 4 : 2; }

inline float loadAsFloat(const std::vector<u8>& raw, DType t, i64 i) {
    if (t == DType::F32) {
        float f;
        std::memcpy(&f, raw.data() + 4 * i, 4);
        return f;
    }
    u16 h;
    std::memcpy(&h, raw.data() + 2 * i, 2);
    return halfToFloat(h);
}

inline void storeFromFloat(std::vector<u8>& raw, DType t, i64 i, float v) {
    if (t == DType::F32) {
        std::memcpy(raw.data() + 4 * i, &v, 4);
    } else {
        const u16 h = roundNearest16(v);
        std::memcpy(raw.data() + 2 * i, &h, 2);
    }
}

inline bool rawIsNan(const std::vector<u8>& raw, DType t, i64 i) { return std::isnan(loadAsFloat(raw, t, i)); }

// ---- packed format -----------------------------------------------------------------------------

struct Layout {
    i64 samples = 0;
    i64 features = 0;
    i64 groupSize = 256;
    i64 groupsPerSample = 0;
    std::vector<int> bits;         // per sample
    std::vector<i64> offsets;      // samples + 1 payload offsets
    Layout() = default;
    Layout(i64 n, i64 f, i64 g, const std::vector<int>& b) : samples(n), features(f), groupSize(g), bits(b) {
        groupsPerSample = (f + g - 1) / g;
        offsets.assign((size_t)n + 1, 0);
        for (i64 i = 0; i < n; ++i) {
            offsets[(size_t)i + 1] = offsets[(size_t)i] + groupsPerSample * g * bits[(size_t)i] / 8;
        }
    }
    i64 payloadBytes() const { return offsets.back(); }
    i64 groups() const { return samples * groupsPerSample; }
    i64 totalBytes(bool meta32) const { return payloadBytes() + groups() * (meta32 ? 8 : 4); }
};

struct GroupMinMax {
    float mn, mx;
    bool finite;
};

inline std::vector<GroupMinMax> groupMinMax(const std::vector<u8>& x, DType t, const Layout& L) {
    std::vector<GroupMinMax> out;
    out.reserve((size_t)L.groups());
    for (i64 n = 0; n < L.samples; ++n) {
        for (i64 s = 0; s < L.groupsPerSample; ++s) {
            GroupMinMax g{0, 0, true};
            bool first = true;
            for (i64 j = 0; j < L.groupSize; ++j) {
                const i64 f = s * L.groupSize + j;
                if (f >= L.features) break;
                const float v = loadAsFloat(x, t, n * L.features + f);
                if (!std::isfinite(v)) g.finite = false;
                if (first) {
                    g.mn = v;
                    g.mx = v;
                    first = false;
                } else {
                    // Java Math.min/max: -0 is below +0
                    if (v < g.mn || (v == g.mn && std::signbit(v))) g.mn = v;
                    if (v > g.mx || (v == g.mx && !std::signbit(v))) g.mx = v;
                }
            }
            // a zero minimum or maximum is +0; a range that overflows makes the group non-finite
            if (g.mn == 0.0f) g.mn = 0.0f;
            if (g.mx == 0.0f) g.mx = 0.0f;
            if (!std::isfinite(g.mx - g.mn)) g.finite = false;
            out.push_back(g);
        }
    }
    return out;
}

struct Record {
    float lo, step;
    u32 rawLo, rawStep;
    bool finite, eligible;
};

inline Record fp16Record(const GroupMinMax& g, int bits) {
    Record r{};
    r.finite = g.finite;
    r.eligible = true;
    if (!g.finite) {
        r.lo = r.step = NAN;
        r.rawLo = r.rawStep = 0x7e00;
        return r;
    }
    const float B = (float)((1 << bits) - 1);
    const u16 lo16 = roundDown16(g.mn);
    const float lo = halfToFloat(lo16);
    const float range = g.mx - lo;
    const float q = range / B;
    u16 st16 = roundUp16(q);
    if (g.mx == g.mn && lo == g.mn) st16 = 0;
    const float step = halfToFloat(st16);
    const float a = 1.0625f * (g.mx - g.mn);
    const float m = std::max(std::fabs(g.mn), std::fabs(g.mx));
    const float b = 0.0009765625f * m;
    const float allowed = a + b;
    const float used = B * step;
    r.eligible = std::isfinite(lo) && std::isfinite(step) && used <= allowed;
    r.lo = lo;
    r.step = step;
    r.rawLo = lo16;
    r.rawStep = st16;
    return r;
}

inline Record fp32Record(const GroupMinMax& g, int bits) {
    Record r{};
    r.finite = g.finite;
    r.eligible = true;
    if (!g.finite) {
        r.lo = r.step = NAN;
        r.rawLo = r.rawStep = 0x7fc00000u;
        return r;
    }
    const float B = (float)((1 << bits) - 1);
    const float d = g.mx - g.mn;
    float step = 0.0f;
    if (g.mx != g.mn) {
        step = d / B;
        if (B * step < d) step = std::nextafter(step, INFINITY);
        step = std::max(step, std::ldexp(1.0f, -126));  // 1 / step stays finite
    }
    r.lo = g.mn;
    r.step = step;
    r.rawLo = f2u(g.mn);
    r.rawStep = f2u(step);
    return r;
}

struct Packed {
    std::vector<u8> bytes;
    bool meta32 = false;
};

inline Packed quantize(const std::vector<u8>& x, DType t, const Layout& L, u64 key, bool stochastic) {
    const std::vector<GroupMinMax> mm = groupMinMax(x, t, L);
    bool meta32 = false;
    for (i64 g = 0; g < L.groups(); ++g) {
        const Record r = fp16Record(mm[(size_t)g], L.bits[(size_t)(g / L.groupsPerSample)]);
        if (r.finite && !r.eligible) meta32 = true;
    }
    Packed p;
    p.meta32 = meta32;
    p.bytes.assign((size_t)L.totalBytes(meta32), 0);
    const i64 metaStart = L.payloadBytes();
    for (i64 n = 0; n < L.samples; ++n) {
        const int bits = L.bits[(size_t)n];
        const u32 B = (1u << bits) - 1u;
        for (i64 s = 0; s < L.groupsPerSample; ++s) {
            const i64 g = n * L.groupsPerSample + s;
            const Record r = meta32 ? fp32Record(mm[(size_t)g], bits) : fp16Record(mm[(size_t)g], bits);
            if (meta32) {
                std::memcpy(&p.bytes[(size_t)(metaStart + 8 * g)], &r.rawLo, 4);
                std::memcpy(&p.bytes[(size_t)(metaStart + 8 * g + 4)], &r.rawStep, 4);
            } else {
                const u16 a = (u16)r.rawLo;
                const u16 b = (u16)r.rawStep;
                std::memcpy(&p.bytes[(size_t)(metaStart + 4 * g)], &a, 2);
                std::memcpy(&p.bytes[(size_t)(metaStart + 4 * g + 2)], &b, 2);
            }
            if (!r.finite) continue;
            const float inv = r.step == 0.0f ? 0.0f : 1.0f / r.step;
            const i64 groupStart = L.offsets[(size_t)n] + s * L.groupSize * bits / 8;
            for (i64 j = 0; j < L.groupSize; ++j) {
                const i64 f = s * L.groupSize + j;
                if (f >= L.features) break;
                const i64 i = n * L.features + f;
                const float v = loadAsFloat(x, t, i);
                const float tt = (v - r.lo) * inv;
                const float rr = stochastic ? randomAt(key, (u64)i) : 0.5f;
                const float qf = std::floor(tt + rr);
                u32 q;
                if (std::isnan(qf) || qf < 0.0f) {
                    q = 0;
                } else if (qf > (float)B) {
                    q = B;
                } else {
                    q = (u32)qf;
                }
                for (int k = 0; k < bits; ++k) {
                    if ((q >> k) & 1u) {
                        const i64 bit = j * bits + k;
                        p.bytes[(size_t)(groupStart + bit / 8)] |= (u8)(1u << (bit % 8));
                    }
                }
            }
        }
    }
    return p;
}

inline std::vector<u8> dequantize(const std::vector<u8>& packed, bool meta32, DType t, const Layout& L) {
    std::vector<u8> out((size_t)(L.samples * L.features) * elemSize(t), 0);
    const i64 metaStart = L.payloadBytes();
    for (i64 n = 0; n < L.samples; ++n) {
        const int bits = L.bits[(size_t)n];
        for (i64 s = 0; s < L.groupsPerSample; ++s) {
            const i64 g = n * L.groupsPerSample + s;
            float lo, step;
            if (meta32) {
                u32 a, b;
                std::memcpy(&a, &packed[(size_t)(metaStart + 8 * g)], 4);
                std::memcpy(&b, &packed[(size_t)(metaStart + 8 * g + 4)], 4);
                lo = u2f(a);
                step = u2f(b);
            } else {
                u16 a, b;
                std::memcpy(&a, &packed[(size_t)(metaStart + 4 * g)], 2);
                std::memcpy(&b, &packed[(size_t)(metaStart + 4 * g + 2)], 2);
                lo = halfToFloat(a);
                step = halfToFloat(b);
            }
            const bool bad = std::isnan(lo) || std::isnan(step);
            const i64 groupStart = L.offsets[(size_t)n] + s * L.groupSize * bits / 8;
            for (i64 j = 0; j < L.groupSize; ++j) {
                const i64 f = s * L.groupSize + j;
                if (f >= L.features) break;
                u32 q = 0;
                for (int k = 0; k < bits; ++k) {
                    const i64 bit = j * bits + k;
                    q |= (u32)((packed[(size_t)(groupStart + bit / 8)] >> (bit % 8)) & 1u) << k;
                }
                const float v = bad ? u2f(0x7fc00000u) : lo + (float)q * step;
                storeFromFloat(out, t, n * L.features + f, v);
            }
        }
    }
    return out;
}

inline std::vector<float> sampleRangeSquares(const std::vector<u8>& x, DType t, const Layout& L) {
    const std::vector<GroupMinMax> mm = groupMinMax(x, t, L);
    std::vector<float> out((size_t)L.samples);
    for (i64 n = 0; n < L.samples; ++n) {
        double acc = 0;
        bool bad = false;
        for (i64 s = 0; s < L.groupsPerSample; ++s) {
            const GroupMinMax& g = mm[(size_t)(n * L.groupsPerSample + s)];
            if (!g.finite) {
                bad = true;
            } else {
                const double d = (double)g.mx - (double)g.mn;
                acc += d * d;
            }
        }
        out[(size_t)n] = bad ? INFINITY : (float)acc;
    }
    return out;
}

// ---- masks and layers --------------------------------------------------------------------------

inline void setBit(std::vector<u8>& mask, i64 i) { mask[(size_t)(i / 8)] |= (u8)(1u << (i % 8)); }
inline bool getBit(const std::vector<u8>& mask, i64 i) { return (mask[(size_t)(i / 8)] >> (i % 8)) & 1u; }

inline void reluForward(const std::vector<u8>& x, DType t, i64 n, std::vector<u8>& y, std::vector<u8>& mask) {
    y.assign((size_t)n * elemSize(t), 0);
    mask.assign((size_t)((n + 7) / 8), 0);
    for (i64 i = 0; i < n; ++i) {
        const float v = loadAsFloat(x, t, i);
        if (v > 0.0f) setBit(mask, i);
        if (!(v < 0.0f)) {  // PyTorch's CPU relu: x unless x < 0, so -0 and NaN are copied
            std::memcpy(y.data() + i * elemSize(t), x.data() + i * elemSize(t), elemSize(t));
        }
    }
}

// width: bytes per element; isFloat: compare as a float (so -0 is zero and NaN is non-zero).
inline std::vector<u8> packNonZero(const std::vector<u8>& m, int width, bool isFloat, i64 n) {
    std::vector<u8> mask((size_t)((n + 7) / 8), 0);
    for (i64 i = 0; i < n; ++i) {
        bool nz;
        const u8* p = m.data() + i * width;
        if (isFloat && width == 2) {
            u16 h;
            std::memcpy(&h, p, 2);
            nz = halfToDouble(h) != 0.0 || std::isnan(halfToDouble(h));
        } else if (isFloat && width == 4) {
            float f;
            std::memcpy(&f, p, 4);
            nz = f != 0.0f;
        } else if (isFloat && width == 8) {
            double d;
            std::memcpy(&d, p, 8);
            nz = d != 0.0;
        } else {
            nz = false;
            for (int k = 0; k < width; ++k) nz = nz || p[k] != 0;
        }
        if (nz) setBit(mask, i);
    }
    return mask;
}

// grad * scale where the mask is set, +0 elsewhere (bit copies for scale 1).
inline std::vector<u8> applyMask(const std::vector<u8>& g, DType t, const std::vector<u8>& mask, i64 n, float scale) {
    std::vector<u8> out((size_t)n * elemSize(t), 0);
    for (i64 i = 0; i < n; ++i) {
        if (!getBit(mask, i)) continue;  // +0
        if (scale == 1.0f) {
            std::memcpy(out.data() + i * elemSize(t), g.data() + i * elemSize(t), elemSize(t));
        } else {
            storeFromFloat(out, t, i, loadAsFloat(g, t, i) * scale);
        }
    }
    return out;
}

// keep iff r(i) >= rate; y = applyMask(x, keep, scale)
inline void dropoutForward(const std::vector<u8>& x, DType t, i64 n, u64 key, float rate, float scale,
                           std::vector<u8>& y, std::vector<u8>& mask) {
    mask.assign((size_t)((n + 7) / 8), 0);
    for (i64 i = 0; i < n; ++i) {
        if (randomAt(key, (u64)i) >= rate) setBit(mask, i);
    }
    y = applyMask(x, t, mask, n, scale);
}

struct Pool {
    int kernelH = 2, kernelW = 2, strideH = 2, strideW = 2, padH = 0, padW = 0;
    bool ceilMode = false;
};

// PyTorch's pooling_output_shape (dilation 1).
inline i64 poolOutSize(i64 in, int k, int s, int p, bool ceilMode) {
    const i64 num = in + 2 * p - (k - 1) - 1 + (ceilMode ? s - 1 : 0);
    i64 out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
    if (ceilMode && (out - 1) * s >= in + p) --out;
    return out;
}

inline void maxPoolForward(const std::vector<u8>& x, DType t, i64 planes, int H, int W, const Pool& P,
                           std::vector<u8>& y, std::vector<u8>& offsets, int& OH, int& OW) {
    OH = (int)poolOutSize(H, P.kernelH, P.strideH, P.padH, P.ceilMode);
    OW = (int)poolOutSize(W, P.kernelW, P.strideW, P.padW, P.ceilMode);
    y.assign((size_t)(planes * OH * OW) * elemSize(t), 0);
    offsets.assign((size_t)(planes * OH * OW), 0);
    for (i64 pl = 0; pl < planes; ++pl) {
        for (int oh = 0; oh < OH; ++oh) {
            for (int ow = 0; ow < OW; ++ow) {
                const int hs = oh * P.strideH - P.padH;
                const int ws = ow * P.strideW - P.padW;
                const int h0 = std::max(hs, 0), h1 = std::min(hs + P.kernelH, H);
                const int w0 = std::max(ws, 0), w1 = std::min(ws + P.kernelW, W);
                int bh = h0, bw = w0;
                float best = -INFINITY;
                for (int h = h0; h < h1; ++h) {
                    for (int w = w0; w < w1; ++w) {
                        const float v = loadAsFloat(x, t, (pl * H + h) * W + w);
                        if (v > best || std::isnan(v)) {
                            best = v;
                            bh = h;
                            bw = w;
                        }
                    }
                }
                const i64 o = (pl * OH + oh) * OW + ow;
                std::memcpy(y.data() + o * elemSize(t), x.data() + ((pl * H + bh) * W + bw) * elemSize(t),
                            elemSize(t));
                offsets[(size_t)o] = (u8)((bh - hs) * P.kernelW + (bw - ws));
            }
        }
    }
}

// Scatter in output order (PyTorch's CPU order), accumulated in fp32, rounded once.
inline std::vector<u8> maxPoolBackward(const std::vector<u8>& dy, const std::vector<u8>& offsets, DType t,
                                       i64 planes, int H, int W, int OH, int OW, const Pool& P) {
    std::vector<float> acc((size_t)(planes * H * W), 0.0f);
    for (i64 pl = 0; pl < planes; ++pl) {
        for (int oh = 0; oh < OH; ++oh) {
            for (int ow = 0; ow < OW; ++ow) {
                const i64 o = (pl * OH + oh) * OW + ow;
                const int off = offsets[(size_t)o];
                const int h = oh * P.strideH - P.padH + off / P.kernelW;
                const int w = ow * P.strideW - P.padW + off % P.kernelW;
                acc[(size_t)((pl * H + h) * W + w)] += loadAsFloat(dy, t, o);
            }
        }
    }
    std::vector<u8> out((size_t)(planes * H * W) * elemSize(t));
    for (i64 i = 0; i < planes * H * W; ++i) storeFromFloat(out, t, i, acc[(size_t)i]);
    return out;
}

}  // namespace ref
