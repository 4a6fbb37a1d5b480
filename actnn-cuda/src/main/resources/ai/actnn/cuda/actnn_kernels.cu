// ActNN for DJL: fused CUDA kernels for activation compression.
//
// Every kernel here produces exactly the bytes of docs/format.md (the packed format, the 1-bit
// masks, the dropout keep mask and the max-pool offsets), so that the CUDA backend and the Java CPU
// backend are interchangeable. The file is self-contained on purpose:
//   * it includes no header, so that it compiles unchanged with nvcc (ahead of time, to PTX for
//     compute_75, see src/build/build-ptx.sh), with NVRTC (at first use, to a cubin for the device)
//     and, for the tests that run without a GPU, as plain C++ under the small SIMT emulator of
//     src/test/cuda/simt_emu.h (which defines the CUDA built-ins used below);
//   * fp16 values travel as raw 16-bit patterns and are converted in software (no cuda_fp16.h), which
//     also gives the directed roundings (toward -inf / +inf) that the FP16 records need;
//   * every fp32 operation that reaches the output uses the __f*_rn intrinsics, so that nvcc never
//     fuses a multiply and an add into an FMA: the bytes must equal those of the Java reference.
//
// Launch conventions (shared with ai.actnn.cuda.LaunchConfig and the standalone harness):
//   * 1-D grids and 1-D blocks of ACTNN_BLOCK threads; all indices are 64-bit and every kernel uses a
//     grid-stride loop, so any tensor size works with any grid (no 65535 limit on samples: groups are
//     numbered n * S + s on one axis);
//   * "warp per group" kernels give one 32-lane warp to each quantization group; all control flow
//     around warp shuffles/ballots is uniform across the warp (full masks are always valid);
//   * kernels run on the legacy default stream (the stream PyTorch uses by default), chosen by the
//     launcher, not here.

typedef unsigned char actnn_u8;
typedef unsigned short actnn_u16;
typedef unsigned int actnn_u32;
typedef unsigned long long actnn_u64;
typedef long long actnn_i64;

#define ACTNN_BLOCK 256

// Wide loads and stores must be aligned on a GPU (a misaligned one faults); x86 does not care, so
// the emulator (simt_emu.h) defines this to check every wide access. A no-op on the GPU.
#ifndef ACTNN_ASSERT_ALIGNED
#define ACTNN_ASSERT_ALIGNED(pointer, bytes)
#endif
#define ACTNN_FULL 0xffffffffu
#define ACTNN_UNROLL 4

// An 8-byte aligned pair of floats: one 64-bit load or store for two neighbouring fp32 elements.
struct alignas(8) ActnnF2 {
    float x;
    float y;
};

// ---------------------------------------------------------------------------------------------
// Bit-level helpers
// ---------------------------------------------------------------------------------------------

static __device__ __forceinline__ bool actnn_finite(float v) {
    return (__float_as_uint(v) & 0x7f800000u) != 0x7f800000u;
}

static __device__ __forceinline__ bool actnn_isnan(float v) {
    return (__float_as_uint(v) & 0x7fffffffu) > 0x7f800000u;
}

static __device__ __forceinline__ float actnn_nan() {
    return __uint_as_float(0x7fc00000u);  // Java's Float.NaN: the canonical quiet NaN of the format
}

// Minimum and maximum in Java's Math.min/max order for non-NaN values: -0 < +0, so the reduction is
// associative and commutative (a plain "<" would keep whichever zero came first); the format then
// turns a zero extreme into +0 (actnn_finalize_minmax). NaN inputs produce an arbitrary value, but a
// group holding a NaN is flagged non-finite and its minimum and maximum are never used.
static __device__ __forceinline__ float actnn_min(float a, float b) {
    if (a < b) return a;
    if (b < a) return b;
    return __uint_as_float(__float_as_uint(a) | __float_as_uint(b));  // equal: -0 wins over +0
}

static __device__ __forceinline__ float actnn_max(float a, float b) {
    if (a > b) return a;
    if (b > a) return b;
    return __uint_as_float(__float_as_uint(a) & __float_as_uint(b));  // equal: +0 wins over -0
}

// binary16 -> binary32, exact.
static __device__ __forceinline__ float actnn_h2f(actnn_u32 h) {
    const actnn_u32 sign = (h & 0x8000u) << 16;
    const actnn_u32 exp = (h >> 10) & 0x1fu;
    const actnn_u32 man = h & 0x3ffu;
    if (exp == 0x1fu) {
        return __uint_as_float(sign | 0x7f800000u | (man << 13));
    }
    if (exp == 0u) {
        // zero or subnormal: man * 2^-24, exact in fp32
        const float v = __fmul_rn((float)man, 5.9604644775390625e-8f);
        return __uint_as_float(__float_as_uint(v) | sign);
    }
    return __uint_as_float(sign | ((exp + 112u) << 23) | (man << 13));
}

// binary32 -> binary16 with a chosen rounding: 0 = to nearest, ties to even; 1 = toward -infinity
// (the format's roundDown16); 2 = toward +infinity (roundUp16). NaN gives the canonical 0x7E00.
// Zeros keep their sign.
static __device__ __forceinline__ actnn_u16 actnn_f2h(float f, int mode) {
    const actnn_u32 x = __float_as_uint(f);
    const actnn_u32 sign = x & 0x80000000u;
    const actnn_u32 ax = x ^ sign;
    const actnn_u32 hs = sign >> 16;
    if (ax > 0x7f800000u) {
        return (actnn_u16)0x7e00u;
    }
    // "away": this directed rounding increases the magnitude (up for positives, down for negatives)
    const bool away = (mode == 2 && sign == 0u) || (mode == 1 && sign != 0u);
    if (ax >= 0x47800000u) {  // |f| >= 65536 or infinite: beyond the largest finite half
        if (ax == 0x7f800000u || mode == 0 || away) {
            return (actnn_u16)(hs | 0x7c00u);
        }
        return (actnn_u16)(hs | 0x7bffu);
    }
    if (ax == 0u) {
        return (actnn_u16)hs;
    }
    if (ax < 0x00800000u) {  // fp32 subnormal: far below half an fp16 subnormal step
        return (actnn_u16)(hs | (away ? 1u : 0u));
    }
    const int e = (int)(ax >> 23) - 127;  // in [-126, 15]
    const actnn_u32 sig = (ax & 0x7fffffu) | 0x800000u;
    // Units of the fp16 step at this magnitude: 2^(e-10) for normals, 2^-24 below 2^-14.
    const int shift = e >= -14 ? 13 : 13 + (-14 - e);
    actnn_u32 q;
    actnn_u32 rem;
    actnn_u32 halfway;
    if (shift <= 24) {
        q = sig >> shift;
        rem = sig & ((1u << shift) - 1u);
        halfway = 1u << (shift - 1);
    } else {
        q = 0u;
        rem = sig;
        halfway = 0xffffffffu;  // the remainder is below half a step
    }
    bool inc;
    if (mode == 0) {
        inc = rem > halfway || (rem == halfway && (q & 1u) != 0u);
    } else {
        inc = away && rem != 0u;
    }
    q += inc ? 1u : 0u;
    // For normals q includes the implicit bit, so adding it to the exponent field works, including
    // a carry into the next binade or into infinity (0x7C00).
    const actnn_u32 bits = e >= -14 ? ((actnn_u32)(e + 14) << 10) + q : q;
    return (actnn_u16)(hs | bits);
}

// ---------------------------------------------------------------------------------------------
// The counter-based random numbers of docs/format.md: a 32-bit seed per 2^32 elements (SplitMix64
// finaliser of the key, 64-bit math), then one 32-bit hash per element (Weyl step, lowbias32)
// ---------------------------------------------------------------------------------------------

static __device__ __forceinline__ actnn_u64 actnn_mix(actnn_u64 z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static __device__ __forceinline__ float actnn_unit(actnn_u32 u24) {
    return __fmul_rn((float)u24, 5.9604644775390625e-8f);  // u * 2^-24: exact
}

// r(i) for one element.
static __device__ __forceinline__ float actnn_rand(actnn_u64 key, actnn_u64 i) {
    const actnn_u32 seed = (actnn_u32)actnn_mix(key + (i >> 32) * 0x9E3779B97F4A7C15ull);
    actnn_u32 x = seed + (actnn_u32)i * 0x9E3779B9u;
    x = (x ^ (x >> 16)) * 0x7FEB352Du;
    x = (x ^ (x >> 15)) * 0x846CA68Bu;
    x ^= x >> 16;
    return actnn_unit(x >> 8);
}

// ---------------------------------------------------------------------------------------------
// Element access for fp32 (float) and fp16 (raw actnn_u16) tensors
// ---------------------------------------------------------------------------------------------

static __device__ __forceinline__ float actnn_to_f32(float v) { return v; }
static __device__ __forceinline__ float actnn_to_f32(actnn_u16 v) { return actnn_h2f(v); }

static __device__ __forceinline__ void actnn_store(float* p, actnn_i64 i, float v) { p[i] = v; }
static __device__ __forceinline__ void actnn_store(actnn_u16* p, actnn_i64 i, float v) { p[i] = actnn_f2h(v, 0); }

// Loads elements idx and idx + 1 (each only if real). vec: the pair is aligned for one wide load.
static __device__ __forceinline__ void actnn_load_pair(const float* __restrict__ x, actnn_i64 idx, bool r0,
                                                       bool r1, bool vec, float& a, float& b) {
    if (vec && r1) {
        ACTNN_ASSERT_ALIGNED(x + idx, 8);
        const ActnnF2 v = *reinterpret_cast<const ActnnF2*>(x + idx);
        a = v.x;
        b = v.y;
    } else {
        a = r0 ? x[idx] : 0.0f;
        b = r1 ? x[idx + 1] : 0.0f;
    }
}

static __device__ __forceinline__ void actnn_load_pair(const actnn_u16* __restrict__ x, actnn_i64 idx, bool r0,
                                                       bool r1, bool vec, float& a, float& b) {
    if (vec && r1) {
        ACTNN_ASSERT_ALIGNED(x + idx, 4);
        const actnn_u32 w = *reinterpret_cast<const actnn_u32*>(x + idx);
        a = actnn_h2f(w & 0xffffu);
        b = actnn_h2f(w >> 16);
    } else {
        a = r0 ? actnn_h2f(x[idx]) : 0.0f;
        b = r1 ? actnn_h2f(x[idx + 1]) : 0.0f;
    }
}

static __device__ __forceinline__ void actnn_store_pair(float* __restrict__ y, actnn_i64 idx, bool r0, bool r1,
                                                        bool vec, float a, float b) {
    if (vec && r1) {
        ActnnF2 v;
        v.x = a;
        v.y = b;
        ACTNN_ASSERT_ALIGNED(y + idx, 8);
        *reinterpret_cast<ActnnF2*>(y + idx) = v;
    } else {
        if (r0) y[idx] = a;
        if (r1) y[idx + 1] = b;
    }
}

static __device__ __forceinline__ void actnn_store_pair(actnn_u16* __restrict__ y, actnn_i64 idx, bool r0,
                                                        bool r1, bool vec, float a, float b) {
    const actnn_u32 ha = actnn_f2h(a, 0);
    const actnn_u32 hb = actnn_f2h(b, 0);
    if (vec && r1) {
        ACTNN_ASSERT_ALIGNED(y + idx, 4);
        *reinterpret_cast<actnn_u32*>(y + idx) = ha | (hb << 16);
    } else {
        if (r0) y[idx] = (actnn_u16)ha;
        if (r1) y[idx + 1] = (actnn_u16)hb;
    }
}

// ---------------------------------------------------------------------------------------------
// Quantization records and codes (docs/format.md, "Quantization of one group")
// ---------------------------------------------------------------------------------------------

struct ActnnRecord {
    float lo;            // lower end, as used for codes (the fp16 record widened when FP16)
    float step;          // step, likewise
    float inv;           // 1 / step, or 0 when step == 0
    actnn_u32 rawLo;     // the record's bits: binary16 in the low half (FP16) or binary32 (FP32)
    actnn_u32 rawStep;
    bool finite;         // false: the group holds a NaN or an infinity
    bool eligible;       // FP16 only: the fp16 record is accurate enough
};

static __device__ __forceinline__ ActnnRecord actnn_make_record(float mn, float mx, bool finite, int bits, int meta32) {
    ActnnRecord r;
    r.finite = finite;
    r.eligible = true;
    if (!finite) {
        r.lo = actnn_nan();
        r.step = actnn_nan();
        r.inv = 0.0f;
        r.rawLo = meta32 ? 0x7fc00000u : 0x7e00u;
        r.rawStep = r.rawLo;
        return r;
    }
    const float bf = (float)((1u << bits) - 1u);
    if (!meta32) {
        const actnn_u16 lo16 = actnn_f2h(mn, 1);
        const float lo = actnn_h2f(lo16);
        const float range = __fsub_rn(mx, lo);
        actnn_u16 st16 = actnn_f2h(__fdiv_rn(range, bf), 2);
        if (mx == mn && lo == mn) {
            st16 = 0;
        }
        const float step = actnn_h2f(st16);
        const float amn = __uint_as_float(__float_as_uint(mn) & 0x7fffffffu);
        const float amx = __uint_as_float(__float_as_uint(mx) & 0x7fffffffu);
        const float mag = amn > amx ? amn : amx;
        const float allowed = __fadd_rn(__fmul_rn(1.0625f, __fsub_rn(mx, mn)), __fmul_rn(0.0009765625f, mag));
        r.eligible = actnn_finite(lo) && actnn_finite(step) && __fmul_rn(bf, step) <= allowed;
        r.lo = lo;
        r.step = step;
        r.rawLo = lo16;
        r.rawStep = st16;
    } else {
        const float d = __fsub_rn(mx, mn);
        float step = 0.0f;
        if (!(mx == mn)) {
            step = __fdiv_rn(d, bf);
            if (__fmul_rn(bf, step) < d) {
                step = __uint_as_float(__float_as_uint(step) + 1u);  // next larger float (step >= 0)
            }
            if (step < 1.17549435e-38f) {
                step = 1.17549435e-38f;  // 2^-126: keeps 1 / step finite (docs/format.md, step 4)
            }
        }
        r.lo = mn;
        r.step = step;
        r.rawLo = __float_as_uint(mn);
        r.rawStep = __float_as_uint(step);
    }
    r.inv = r.step == 0.0f ? 0.0f : __fdiv_rn(1.0f, r.step);
    return r;
}

// q = clamp(floor((x - lo) * inv + r), 0, B); NaN -> 0 (only reachable when the range overflows).
static __device__ __forceinline__ actnn_u32 actnn_code(float x, float r, const ActnnRecord& rec, float bf, actnn_u32 b) {
    const float t = __fmul_rn(__fsub_rn(x, rec.lo), rec.inv);
    const float q = floorf(__fadd_rn(t, r));
    return q >= bf ? b : (q >= 1.0f ? (actnn_u32)q : 0u);
}

static __device__ __forceinline__ actnn_i64 actnn_sample_offset(const actnn_i64* __restrict__ offsets, actnn_i64 n,
                                                                actnn_i64 bytesPerBit, int uniformBits) {
    return offsets != 0 ? offsets[n] : n * bytesPerBit * uniformBits;
}

static __device__ __forceinline__ void actnn_write_record(actnn_u8* __restrict__ meta, actnn_i64 g, int meta32,
                                                          const ActnnRecord& rec) {
    if (meta32) {
        actnn_u32* m = reinterpret_cast<actnn_u32*>(meta) + 2 * g;  // 4-byte aligned (payload end % 4 == 0)
        ACTNN_ASSERT_ALIGNED(m, 4);
        m[0] = rec.rawLo;
        m[1] = rec.rawStep;
    } else {
        ACTNN_ASSERT_ALIGNED(reinterpret_cast<actnn_u32*>(meta) + g, 4);
        reinterpret_cast<actnn_u32*>(meta)[g] = rec.rawLo | (rec.rawStep << 16);
    }
}

// Warp reduction of a group's minimum, maximum and non-finite flag.
static __device__ __forceinline__ void actnn_warp_minmax(float& mn, float& mx, bool& bad) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        mn = actnn_min(mn, __shfl_xor_sync(ACTNN_FULL, mn, o));
        mx = actnn_max(mx, __shfl_xor_sync(ACTNN_FULL, mx, o));
    }
    bad = __any_sync(ACTNN_FULL, bad) != 0;
}

// After the reduction: a group is finite iff mx - mn is (which also catches NaN, infinities and a
// range that overflows fp32), and a zero minimum or maximum is +0 (x + 0 turns -0 into +0), so the
// record never depends on which zero came first (docs/format.md, step 1).
static __device__ __forceinline__ bool actnn_finalize_minmax(float& mn, float& mx, bool bad) {
    mn = __fadd_rn(mn, 0.0f);
    mx = __fadd_rn(mx, 0.0f);
    return !bad && actnn_finite(__fsub_rn(mx, mn));
}

static __device__ __forceinline__ void actnn_accumulate(float v, float& mn, float& mx, bool& bad) {
    bad = bad || !actnn_finite(v);
    mn = actnn_min(mn, v);
    mx = actnn_max(mx, v);
}

// Encodes one 64-element chunk of a group (lane l holds positions 2l and 2l + 1) and stores its
// 2 * bits words. Must be called by all 32 lanes (it shuffles).
static __device__ __forceinline__ void actnn_encode_chunk(actnn_u32* __restrict__ words, int c, int lane, bool r0,
                                                          bool r1, float a, float b, const ActnnRecord& rec,
                                                          int bits, actnn_i64 groupWords, int stochastic,
                                                          actnn_u64 key, actnn_u64 i0) {
    const actnn_u32 bmax = (1u << bits) - 1u;
    const float bf = (float)bmax;
    actnn_u32 q0 = 0u;
    actnn_u32 q1 = 0u;
    if (rec.finite && r0) {
        float rr0 = 0.5f;
        float rr1 = 0.5f;
        if (stochastic) {
            rr0 = actnn_rand(key, i0);
            rr1 = actnn_rand(key, i0 + 1ull);
        }
        q0 = actnn_code(a, rr0, rec, bf, bmax);
        if (r1) {
            q1 = actnn_code(b, rr1, rec, bf, bmax);
        }
    }
    // Lane l's two codes are the 2*bits bits starting at bit 2*l*bits of the chunk's bit string
    // (docs/format.md: code j of a group at bit j*bits, least significant first).
    if ((bits & (bits - 1)) == 0) {
        // 1, 2, 4, 8 bits: 16/bits lanes share a word without straddling; an xor tree merges them.
        const int lanesPerWord = 16 / bits;
        const int sub = lane & (lanesPerWord - 1);
        actnn_u32 v = (q0 | (q1 << bits)) << (sub * 2 * bits);
        for (int o = 1; o < lanesPerWord; o <<= 1) {
            v |= __shfl_xor_sync(ACTNN_FULL, v, o);
        }
        if (sub == 0) {
            const actnn_i64 w = (actnn_i64)c * 2 * bits + lane / lanesPerWord;
            if (w < groupWords) {  // a group of 32 * odd elements ends half-way through its last chunk
                ACTNN_ASSERT_ALIGNED(words + w, 4);
                words[w] = v;
            }
        }
        return;
    }
    // 3, 5, 6, 7 bits: a lane's bits may straddle two words. Lane k < 2*bits writes word k of the
    // chunk (its bits 32k..32k+31) and gathers the lanes that overlap it: the lane holding bit 32k,
    // floor(16k / bits), and the next ones, at most 16/bits + 2 in all (the loop count is the same
    // for every lane, as the shuffles require).
    const actnn_u32 v = q0 | (q1 << bits);
    const int first = (16 * lane) / bits;
    const int span = 16 / bits + 2;
    actnn_u32 word = 0u;
    for (int j = 0; j < span; ++j) {
        const int src = first + j < 31 ? first + j : 31;
        const actnn_u32 other = __shfl_sync(ACTNN_FULL, v, src);
        const int d = 2 * src * bits - 32 * lane;  // where the source's bit 0 lands in word `lane`
        if (first + j <= 31 && d > -2 * bits && d < 32) {
            word |= d >= 0 ? other << d : other >> (-d);
        }
    }
    if (lane < 2 * bits) {
        const actnn_i64 w = (actnn_i64)c * 2 * bits + lane;
        if (w < groupWords) {
            ACTNN_ASSERT_ALIGNED(words + w, 4);
            words[w] = word;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Quantize: fused single pass (the group stays in registers) and the two-pass path
// ---------------------------------------------------------------------------------------------

// One warp per group; lane l holds positions 64c + 2l, 64c + 2l + 1 for c < MAXP, so G <= 64 * MAXP.
// meta32 == 0: FP16 records, and *flag |= 1 when a finite group is not eligible (the caller then
// re-runs with meta32 == 1, the format's "FP32 for all").
template <typename T, int MAXP>
static __device__ __forceinline__ void actnn_quantize_fused(
        const T* __restrict__ x, actnn_u8* __restrict__ out, int* __restrict__ flag, actnn_i64 nSamples,
        actnn_i64 features, actnn_i64 groupsPerSample, int groupSize, const actnn_u8* __restrict__ bitsArr,
        const actnn_i64* __restrict__ offsets, int uniformBits, actnn_u64 key, int stochastic, int meta32,
        int xAligned) {
    const int lane = threadIdx.x & 31;
    const actnn_i64 warp = ((actnn_i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const actnn_i64 nwarps = ((actnn_i64)gridDim.x * blockDim.x) >> 5;
    const actnn_i64 groups = nSamples * groupsPerSample;
    const actnn_i64 bytesPerBit = groupsPerSample * groupSize / 8;
    actnn_u8* const meta = out + actnn_sample_offset(offsets, nSamples, bytesPerBit, uniformBits);
    const int nchunks = (groupSize + 63) / 64;
    for (actnn_i64 g = warp; g < groups; g += nwarps) {
        const actnn_i64 n = g / groupsPerSample;
        const actnn_i64 s = g - n * groupsPerSample;
        const actnn_i64 f0 = s * groupSize;
        const actnn_i64 valid = features - f0 < groupSize ? features - f0 : groupSize;
        const actnn_i64 base = n * features + f0;
        const bool vec = xAligned != 0 && (base & 1) == 0;
        float va[MAXP];
        float vb[MAXP];
        float mn = __uint_as_float(0x7f800000u);
        float mx = __uint_as_float(0xff800000u);
        bool bad = false;
#pragma unroll
        for (int c = 0; c < MAXP; ++c) {
            const actnn_i64 p0 = 64 * c + 2 * lane;
            const bool r0 = p0 < valid;
            const bool r1 = p0 + 1 < valid;
            float a;
            float b;
            actnn_load_pair(x, base + p0, r0, r1, vec, a, b);
            if (r0) actnn_accumulate(a, mn, mx, bad);
            if (r1) actnn_accumulate(b, mn, mx, bad);
            va[c] = a;
            vb[c] = b;
        }
        actnn_warp_minmax(mn, mx, bad);
        const bool finite = actnn_finalize_minmax(mn, mx, bad);
        const int bits = bitsArr != 0 ? (int)bitsArr[n] : uniformBits;
        const ActnnRecord rec = actnn_make_record(mn, mx, finite, bits, meta32);
        if (lane == 0) {
            actnn_write_record(meta, g, meta32, rec);
            if (!meta32 && rec.finite && !rec.eligible) {
                atomicOr(flag, 1);
            }
        }
        actnn_u32* const words = reinterpret_cast<actnn_u32*>(
                out + actnn_sample_offset(offsets, n, bytesPerBit, uniformBits) + s * ((actnn_i64)groupSize * bits / 8));
        const actnn_i64 groupWords = (actnn_i64)groupSize * bits / 32;
#pragma unroll
        for (int c = 0; c < MAXP; ++c) {
            if (c < nchunks) {  // uniform across the warp
                const actnn_i64 p0 = 64 * c + 2 * lane;
                actnn_encode_chunk(words, c, lane, p0 < valid, p0 + 1 < valid, va[c], vb[c], rec, bits, groupWords,
                                   stochastic, key, (actnn_u64)(base + p0));
            }
        }
    }
}

// Pass 1 of the two-pass path (any group size): per-group (min, max), or (NaN, NaN) for a group
// holding a NaN or an infinity, or whose range overflows.
template <typename T>
static __device__ __forceinline__ void actnn_group_stats(const T* __restrict__ x, float* __restrict__ stats,
                                                         actnn_i64 nSamples, actnn_i64 features,
                                                         actnn_i64 groupsPerSample, int groupSize, int xAligned) {
    const int lane = threadIdx.x & 31;
    const actnn_i64 warp = ((actnn_i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const actnn_i64 nwarps = ((actnn_i64)gridDim.x * blockDim.x) >> 5;
    const actnn_i64 groups = nSamples * groupsPerSample;
    const int nchunks = (groupSize + 63) / 64;
    for (actnn_i64 g = warp; g < groups; g += nwarps) {
        const actnn_i64 n = g / groupsPerSample;
        const actnn_i64 s = g - n * groupsPerSample;
        const actnn_i64 f0 = s * groupSize;
        const actnn_i64 valid = features - f0 < groupSize ? features - f0 : groupSize;
        const actnn_i64 base = n * features + f0;
        const bool vec = xAligned != 0 && (base & 1) == 0;
        float mn = __uint_as_float(0x7f800000u);
        float mx = __uint_as_float(0xff800000u);
        bool bad = false;
#pragma unroll 2  // loads of later chunks are issued before the earlier chunks' shuffles
        for (int c = 0; c < nchunks; ++c) {
            const actnn_i64 p0 = 64 * c + 2 * lane;
            const bool r0 = p0 < valid;
            const bool r1 = p0 + 1 < valid;
            float a;
            float b;
            actnn_load_pair(x, base + p0, r0, r1, vec, a, b);
            if (r0) actnn_accumulate(a, mn, mx, bad);
            if (r1) actnn_accumulate(b, mn, mx, bad);
        }
        actnn_warp_minmax(mn, mx, bad);
        const bool finite = actnn_finalize_minmax(mn, mx, bad);
        if (lane == 0) {
            stats[2 * g] = finite ? mn : actnn_nan();
            stats[2 * g + 1] = finite ? mx : actnn_nan();
        }
    }
}

// Pass 2 of the two-pass path: pack with the statistics of pass 1 and a metadata type already
// decided (by actnn_fp16_check).
template <typename T>
static __device__ __forceinline__ void actnn_pack(const T* __restrict__ x, const float* __restrict__ stats,
                                                  actnn_u8* __restrict__ out, actnn_i64 nSamples, actnn_i64 features,
                                                  actnn_i64 groupsPerSample, int groupSize,
                                                  const actnn_u8* __restrict__ bitsArr,
                                                  const actnn_i64* __restrict__ offsets, int uniformBits,
                                                  actnn_u64 key, int stochastic, int meta32, int xAligned) {
    const int lane = threadIdx.x & 31;
    const actnn_i64 warp = ((actnn_i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const actnn_i64 nwarps = ((actnn_i64)gridDim.x * blockDim.x) >> 5;
    const actnn_i64 groups = nSamples * groupsPerSample;
    const actnn_i64 bytesPerBit = groupsPerSample * groupSize / 8;
    actnn_u8* const meta = out + actnn_sample_offset(offsets, nSamples, bytesPerBit, uniformBits);
    const int nchunks = (groupSize + 63) / 64;
    for (actnn_i64 g = warp; g < groups; g += nwarps) {
        const actnn_i64 n = g / groupsPerSample;
        const actnn_i64 s = g - n * groupsPerSample;
        const actnn_i64 f0 = s * groupSize;
        const actnn_i64 valid = features - f0 < groupSize ? features - f0 : groupSize;
        const actnn_i64 base = n * features + f0;
        const bool vec = xAligned != 0 && (base & 1) == 0;
        const float mn = stats[2 * g];
        const float mx = stats[2 * g + 1];
        const int bits = bitsArr != 0 ? (int)bitsArr[n] : uniformBits;
        const ActnnRecord rec = actnn_make_record(mn, mx, !actnn_isnan(mn), bits, meta32);
        if (lane == 0) {
            actnn_write_record(meta, g, meta32, rec);
        }
        actnn_u32* const words = reinterpret_cast<actnn_u32*>(
                out + actnn_sample_offset(offsets, n, bytesPerBit, uniformBits) + s * ((actnn_i64)groupSize * bits / 8));
        const actnn_i64 groupWords = (actnn_i64)groupSize * bits / 32;
#pragma unroll 2  // loads of later chunks are issued before the earlier chunks' shuffles
        for (int c = 0; c < nchunks; ++c) {
            const actnn_i64 p0 = 64 * c + 2 * lane;
            const bool r0 = p0 < valid;
            const bool r1 = p0 + 1 < valid;
            float a = 0.0f;
            float b = 0.0f;
            if (rec.finite) {
                actnn_load_pair(x, base + p0, r0, r1, vec, a, b);
            }
            actnn_encode_chunk(words, c, lane, r0, r1, a, b, rec, bits, groupWords, stochastic, key,
                               (actnn_u64)(base + p0));
        }
    }
}

// Unpack + dequantize: x' = lo + q * step (not fused), converted to the tensor's type; groups with
// a NaN record dequantize to the canonical NaN.
template <typename T>
static __device__ __forceinline__ void actnn_unpack(const actnn_u8* __restrict__ in, T* __restrict__ y,
                                                    actnn_i64 nSamples, actnn_i64 features, actnn_i64 groupsPerSample,
                                                    int groupSize, const actnn_u8* __restrict__ bitsArr,
                                                    const actnn_i64* __restrict__ offsets, int uniformBits, int meta32,
                                                    int yAligned) {
    const int lane = threadIdx.x & 31;
    const actnn_i64 warp = ((actnn_i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const actnn_i64 nwarps = ((actnn_i64)gridDim.x * blockDim.x) >> 5;
    const actnn_i64 groups = nSamples * groupsPerSample;
    const actnn_i64 bytesPerBit = groupsPerSample * groupSize / 8;
    const actnn_u8* const meta = in + actnn_sample_offset(offsets, nSamples, bytesPerBit, uniformBits);
    const int nchunks = (groupSize + 63) / 64;
    for (actnn_i64 g = warp; g < groups; g += nwarps) {
        const actnn_i64 n = g / groupsPerSample;
        const actnn_i64 s = g - n * groupsPerSample;
        const actnn_i64 f0 = s * groupSize;
        const actnn_i64 valid = features - f0 < groupSize ? features - f0 : groupSize;
        const actnn_i64 base = n * features + f0;
        const bool vec = yAligned != 0 && (base & 1) == 0;
        float lo;
        float step;
        if (meta32) {
            const actnn_u32* m = reinterpret_cast<const actnn_u32*>(meta) + 2 * g;
            ACTNN_ASSERT_ALIGNED(m, 4);
            lo = __uint_as_float(m[0]);
            step = __uint_as_float(m[1]);
        } else {
            ACTNN_ASSERT_ALIGNED(reinterpret_cast<const actnn_u32*>(meta) + g, 4);
            const actnn_u32 m = reinterpret_cast<const actnn_u32*>(meta)[g];
            lo = actnn_h2f(m & 0xffffu);
            step = actnn_h2f(m >> 16);
        }
        const bool bad = actnn_isnan(lo) || actnn_isnan(step);
        const int bits = bitsArr != 0 ? (int)bitsArr[n] : uniformBits;
        const actnn_u32 bmax = (1u << bits) - 1u;
        // Lane l's two codes start at bit 2*l*bits of each 64-element chunk: in word w0 from bit
        // shift, continuing into word w0 + 1 when they straddle it (only at 3, 5, 6, 7 bits).
        const int at = 2 * lane * bits;
        const int w0 = at >> 5;
        const int shift = at & 31;
        const bool straddles = shift + 2 * bits > 32;
        const actnn_u32* const words = reinterpret_cast<const actnn_u32*>(
                in + actnn_sample_offset(offsets, n, bytesPerBit, uniformBits) + s * ((actnn_i64)groupSize * bits / 8));
#pragma unroll 2  // loads of later chunks are issued before the earlier chunks' shuffles
        for (int c = 0; c < nchunks; ++c) {
            const actnn_i64 p0 = 64 * c + 2 * lane;
            const bool r0 = p0 < valid;
            const bool r1 = p0 + 1 < valid;
            if (r0) {
                const actnn_u32* const chunk = words + (actnn_i64)c * 2 * bits;
                ACTNN_ASSERT_ALIGNED(chunk + w0, 4);
                actnn_u32 pair = chunk[w0] >> shift;
                if (straddles) {
                    pair |= chunk[w0 + 1] << (32 - shift);  // shift > 0 here: no shift by 32
                }
                const actnn_u32 q0 = pair & bmax;
                const actnn_u32 q1 = (pair >> bits) & bmax;
                const float y0 = bad ? actnn_nan() : __fadd_rn(lo, __fmul_rn((float)q0, step));
                const float y1 = bad ? actnn_nan() : __fadd_rn(lo, __fmul_rn((float)q1, step));
                actnn_store_pair(y, base + p0, r0, r1, vec, y0, y1);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1-bit masks: ReLU, dropout, generic non-zero; their backward
// ---------------------------------------------------------------------------------------------

// Writes the mask bits of one 32-element word (ballot result m, word index w): 4 lanes, one byte
// each, never past ceil(n / 8) bytes (ActNN's mask kernel overran its buffer when n % 512 != 0).
static __device__ __forceinline__ void actnn_store_mask_word(actnn_u8* __restrict__ mask, actnn_i64 w, int lane,
                                                             actnn_u32 m, actnn_i64 maskBytes) {
    if (lane < 4) {
        const actnn_i64 byte = w * 4 + lane;
        if (byte < maskBytes) {
            mask[byte] = (actnn_u8)(m >> (8 * lane));
        }
    }
}

// y = relu(x) and the mask x > 0, in one pass. relu as PyTorch's CPU kernel computes it (max(x, 0)
// keeping x unless x < 0): +0 where x < 0, x itself elsewhere, so -0 and NaN pass bit for bit.
// y may be null (mask only: the backend's packPositive) or x itself (in place: each lane writes
// only the elements it read, so x and y are not restrict-qualified).
template <typename T>
static __device__ __forceinline__ void actnn_relu_forward(const T* x, T* y, actnn_u8* __restrict__ mask,
                                                          actnn_i64 n) {
    const int lane = threadIdx.x & 31;
    const actnn_i64 warp = ((actnn_i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const actnn_i64 nwarps = ((actnn_i64)gridDim.x * blockDim.x) >> 5;
    const actnn_i64 nwords = (n + 31) >> 5;
    const actnn_i64 maskBytes = (n + 7) >> 3;
    for (actnn_i64 w0 = warp * ACTNN_UNROLL; w0 < nwords; w0 += nwarps * ACTNN_UNROLL) {
        T v[ACTNN_UNROLL];
#pragma unroll
        for (int j = 0; j < ACTNN_UNROLL; ++j) {  // all loads first: four requests in flight per lane
            const actnn_i64 i = (w0 + j) * 32 + lane;
            v[j] = i < n ? x[i] : (T)0;
        }
#pragma unroll
        for (int j = 0; j < ACTNN_UNROLL; ++j) {
            const actnn_i64 i = (w0 + j) * 32 + lane;
            const bool real = i < n;
            const bool pos = real && actnn_to_f32(v[j]) > 0.0f;
            if (real && y != 0) {
                y[i] = actnn_to_f32(v[j]) < 0.0f ? (T)0 : v[j];
            }
            actnn_store_mask_word(mask, w0 + j, lane, __ballot_sync(ACTNN_FULL, pos), maskBytes);
        }
    }
}

// Mask of m != 0 for any element type of width W bytes; signMask clears the sign bit of floats so
// that -0 counts as zero (NaN counts as non-zero, as in m != 0).
template <typename W>
static __device__ __forceinline__ void actnn_pack_nonzero(const W* __restrict__ m, actnn_u8* __restrict__ mask,
                                                          actnn_i64 n, W valueMask) {
    const int lane = threadIdx.x & 31;
    const actnn_i64 warp = ((actnn_i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const actnn_i64 nwarps = ((actnn_i64)gridDim.x * blockDim.x) >> 5;
    const actnn_i64 nwords = (n + 31) >> 5;
    const actnn_i64 maskBytes = (n + 7) >> 3;
    for (actnn_i64 w0 = warp * ACTNN_UNROLL; w0 < nwords; w0 += nwarps * ACTNN_UNROLL) {
        W v[ACTNN_UNROLL];
#pragma unroll
        for (int j = 0; j < ACTNN_UNROLL; ++j) {
            const actnn_i64 i = (w0 + j) * 32 + lane;
            v[j] = i < n ? m[i] : (W)0;
        }
#pragma unroll
        for (int j = 0; j < ACTNN_UNROLL; ++j) {
            const bool bit = (v[j] & valueMask) != (W)0;
            actnn_store_mask_word(mask, w0 + j, lane, __ballot_sync(ACTNN_FULL, bit), maskBytes);
        }
    }
}

// Dropout (docs/format.md, "Dropout keep mask"): element i is kept iff r(i) >= rate, r from the
// format's generator keyed by key; y = x * scale where kept and +0 where dropped, with scale =
// 1 / (1 - rate) computed by the caller in fp32 (0 for rate 1): exactly applyMask(x, keep, scale),
// the CPU backend's dropout forward. x and y may be null: then only the keep mask is written
// (QuantizerBackend.randomKeepMask).
template <typename T>
static __device__ __forceinline__ void actnn_dropout_forward(const T* __restrict__ x, T* __restrict__ y,
                                                             actnn_u8* __restrict__ mask, actnn_i64 n, actnn_u64 key,
                                                             float rate, float scale) {
    const int lane = threadIdx.x & 31;
    const actnn_i64 warp = ((actnn_i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const actnn_i64 nwarps = ((actnn_i64)gridDim.x * blockDim.x) >> 5;
    const actnn_i64 nwords = (n + 31) >> 5;
    const actnn_i64 maskBytes = (n + 7) >> 3;
    for (actnn_i64 w0 = warp * ACTNN_UNROLL; w0 < nwords; w0 += nwarps * ACTNN_UNROLL) {
        T v[ACTNN_UNROLL];
#pragma unroll
        for (int j = 0; j < ACTNN_UNROLL; ++j) {
            const actnn_i64 i = (w0 + j) * 32 + lane;
            v[j] = (i < n && x != 0) ? x[i] : (T)0;
        }
#pragma unroll
        for (int j = 0; j < ACTNN_UNROLL; ++j) {
            const actnn_i64 i = (w0 + j) * 32 + lane;
            const bool real = i < n;
            const bool keep = real && actnn_rand(key, (actnn_u64)i) >= rate;
            if (real && y != 0) {
                if (!keep) {
                    y[i] = (T)0;
                } else if (scale == 1.0f) {
                    y[i] = v[j];
                } else {
                    actnn_store(y, i, __fmul_rn(actnn_to_f32(v[j]), scale));
                }
            }
            actnn_store_mask_word(mask, w0 + j, lane, __ballot_sync(ACTNN_FULL, keep), maskBytes);
        }
    }
}

// out = grad * scale where the mask is set and +0 elsewhere (like PyTorch's threshold_backward: a
// NaN gradient of a masked-out element does not leak through): ReLU's backward (scale 1), dropout's
// backward and the forward of a dropout whose mask was drawn alone (scale 1 / (1 - rate), 0 for
// rate 1). With scale 1 a kept element is copied
// bit for bit (a GPU product would canonicalise NaN payloads).
template <typename T>
static __device__ __forceinline__ void actnn_apply_mask(const T* __restrict__ grad, const actnn_u8* __restrict__ mask,
                                                        T* __restrict__ out, actnn_i64 n, float scale) {
    const actnn_i64 stride = (actnn_i64)gridDim.x * blockDim.x;
    for (actnn_i64 i = (actnn_i64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const bool bit = ((mask[i >> 3] >> (i & 7)) & 1) != 0;
        const T g = grad[i];
        if (!bit) {
            out[i] = (T)0;
        } else if (scale == 1.0f) {
            out[i] = g;
        } else {
            actnn_store(out, i, __fmul_rn(actnn_to_f32(g), scale));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Max pooling 2d (dilation 1): y and the argmax offset inside the window as one byte
// ---------------------------------------------------------------------------------------------

// PyTorch's rule: an element replaces the running maximum if it is greater or NaN (so the last NaN
// of the window wins, and ties keep the first element in row-major window order); windows are
// clipped to the input (padding never wins). offset = kh_index * kernelW + kw_index.
template <typename T>
static __device__ __forceinline__ void actnn_maxpool2d_forward(const T* __restrict__ x, T* __restrict__ y,
                                                               actnn_u8* __restrict__ offsets, actnn_i64 planes,
                                                               int height, int width, int outH, int outW, int kernelH,
                                                               int kernelW, int strideH, int strideW, int padH,
                                                               int padW) {
    const actnn_i64 outPlane = (actnn_i64)outH * outW;
    const actnn_i64 total = planes * outPlane;
    const actnn_i64 stride = (actnn_i64)gridDim.x * blockDim.x;
    for (actnn_i64 o = (actnn_i64)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += stride) {
        const actnn_i64 plane = o / outPlane;
        const actnn_i64 rem = o - plane * outPlane;
        const int oh = (int)(rem / outW);
        const int ow = (int)(rem - (actnn_i64)oh * outW);
        const int hs = oh * strideH - padH;
        const int ws = ow * strideW - padW;
        const int h0 = hs > 0 ? hs : 0;
        const int w0 = ws > 0 ? ws : 0;
        const int h1 = hs + kernelH < height ? hs + kernelH : height;
        const int w1 = ws + kernelW < width ? ws + kernelW : width;
        const T* const xp = x + plane * height * (actnn_i64)width;
        if (h0 >= h1 || w0 >= w1) {  // unreachable with PyTorch's padding rules; kept bounds-safe
            actnn_store(y, o, __uint_as_float(0xff800000u));
            offsets[o] = 255;
            continue;
        }
        T best = xp[(actnn_i64)h0 * width + w0];
        float bestF = __uint_as_float(0xff800000u);
        int bh = h0;
        int bw = w0;
        for (int h = h0; h < h1; ++h) {
            for (int w = w0; w < w1; ++w) {
                const T raw = xp[(actnn_i64)h * width + w];
                const float v = actnn_to_f32(raw);
                if (v > bestF || actnn_isnan(v)) {
                    bestF = v;
                    best = raw;
                    bh = h;
                    bw = w;
                }
            }
        }
        y[o] = best;
        offsets[o] = (actnn_u8)((bh - hs) * kernelW + (bw - ws));
    }
}

// Backward as a gather (deterministic, no atomics): each input element sums, in fp32 and in
// ascending (oh, ow) order, the gradients of the windows whose argmax it is, then rounds once.
template <typename T>
static __device__ __forceinline__ void actnn_maxpool2d_backward(const T* __restrict__ dy,
                                                                const actnn_u8* __restrict__ offsets,
                                                                T* __restrict__ dx, actnn_i64 planes, int height,
                                                                int width, int outH, int outW, int kernelH,
                                                                int kernelW, int strideH, int strideW, int padH,
                                                                int padW) {
    const actnn_i64 inPlane = (actnn_i64)height * width;
    const actnn_i64 outPlane = (actnn_i64)outH * outW;
    const actnn_i64 total = planes * inPlane;
    const actnn_i64 stride = (actnn_i64)gridDim.x * blockDim.x;
    for (actnn_i64 i = (actnn_i64)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
        const actnn_i64 plane = i / inPlane;
        const actnn_i64 rem = i - plane * inPlane;
        const int h = (int)(rem / width);
        const int w = (int)(rem - (actnn_i64)h * width);
        // windows oh with oh*strideH - padH <= h < oh*strideH - padH + kernelH
        const int ohLo = h + padH < kernelH ? 0 : (h + padH - kernelH) / strideH + 1;
        const int owLo = w + padW < kernelW ? 0 : (w + padW - kernelW) / strideW + 1;
        int ohHi = (h + padH) / strideH;
        int owHi = (w + padW) / strideW;
        ohHi = ohHi < outH - 1 ? ohHi : outH - 1;
        owHi = owHi < outW - 1 ? owHi : outW - 1;
        const actnn_i64 ob = plane * outPlane;
        float acc = 0.0f;
        for (int oh = ohLo; oh <= ohHi; ++oh) {
            for (int ow = owLo; ow <= owHi; ++ow) {
                const actnn_i64 o = ob + (actnn_i64)oh * outW + ow;
                const int expect = (h - (oh * strideH - padH)) * kernelW + (w - (ow * strideW - padW));
                if ((int)offsets[o] == expect) {
                    acc = __fadd_rn(acc, actnn_to_f32(dy[o]));
                }
            }
        }
        actnn_store(dx, i, acc);
    }
}

// Per-sample sum over groups of (max - min)^2 (GroupStats.sampleRangeSquares), accumulated in
// fp64 in a fixed order and rounded once; +Infinity for a sample with a non-finite group.
static __device__ __forceinline__ void actnn_range_squares(const float* __restrict__ stats, float* __restrict__ out,
                                                           actnn_i64 nSamples, actnn_i64 groupsPerSample) {
    const int lane = threadIdx.x & 31;
    const actnn_i64 warp = ((actnn_i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const actnn_i64 nwarps = ((actnn_i64)gridDim.x * blockDim.x) >> 5;
    for (actnn_i64 n = warp; n < nSamples; n += nwarps) {
        double acc = 0.0;
        bool bad = false;
        for (actnn_i64 s = lane; s < groupsPerSample; s += 32) {
            const actnn_i64 g = n * groupsPerSample + s;
            const float mn = stats[2 * g];
            const float mx = stats[2 * g + 1];
            if (actnn_isnan(mn)) {
                bad = true;
            } else {
                const double d = __dsub_rn((double)mx, (double)mn);
                acc = __dadd_rn(acc, __dmul_rn(d, d));
            }
        }
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            acc = __dadd_rn(acc, __shfl_xor_sync(ACTNN_FULL, acc, o));
        }
        bad = __any_sync(ACTNN_FULL, bad) != 0;
        if (lane == 0) {
            out[n] = bad ? __uint_as_float(0x7f800000u) : __double2float_rn(acc);
        }
    }
}

// FP16 eligibility of every finite group for the bits of its sample (two-pass path): *flag |= 1 if
// any group needs FP32 records.
static __device__ __forceinline__ void actnn_fp16_check(const float* __restrict__ stats, int* __restrict__ flag,
                                                        actnn_i64 nSamples, actnn_i64 groupsPerSample,
                                                        const actnn_u8* __restrict__ bitsArr, int uniformBits) {
    const actnn_i64 groups = nSamples * groupsPerSample;
    const actnn_i64 stride = (actnn_i64)gridDim.x * blockDim.x;
    for (actnn_i64 g = (actnn_i64)blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += stride) {
        const float mn = stats[2 * g];
        const float mx = stats[2 * g + 1];
        if (!actnn_isnan(mn)) {
            const int bits = bitsArr != 0 ? (int)bitsArr[g / groupsPerSample] : uniformBits;
            const ActnnRecord rec = actnn_make_record(mn, mx, true, bits, 0);
            if (!rec.eligible) {
                atomicOr(flag, 1);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Entry points (C names, looked up by ai.actnn.cuda.CudaKernels and called by the harness)
// ---------------------------------------------------------------------------------------------

#define ACTNN_QUANTIZE_ARGS(T)                                                                          \
    const T *__restrict__ x, actnn_u8 *__restrict__ out, int *__restrict__ flag, actnn_i64 nSamples,    \
            actnn_i64 features, actnn_i64 groupsPerSample, int groupSize,                                \
            const actnn_u8 *__restrict__ bitsArr, const actnn_i64 *__restrict__ offsets, int uniformBits, \
            actnn_u64 key, int stochastic, int meta32, int xAligned
#define ACTNN_QUANTIZE_PASS                                                                                  \
    x, out, flag, nSamples, features, groupsPerSample, groupSize, bitsArr, offsets, uniformBits, key, stochastic, \
            meta32, xAligned

#define ACTNN_DEFINE_QUANTIZE(NAME, T, MAXP)                                                              \
    extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK) NAME(ACTNN_QUANTIZE_ARGS(T)) {              \
        actnn_quantize_fused<T, MAXP>(ACTNN_QUANTIZE_PASS);                                               \
    }

ACTNN_DEFINE_QUANTIZE(actnn_quantize_f32_r2, float, 2)
ACTNN_DEFINE_QUANTIZE(actnn_quantize_f32_r4, float, 4)
ACTNN_DEFINE_QUANTIZE(actnn_quantize_f32_r8, float, 8)
ACTNN_DEFINE_QUANTIZE(actnn_quantize_f32_r16, float, 16)
ACTNN_DEFINE_QUANTIZE(actnn_quantize_f16_r2, actnn_u16, 2)
ACTNN_DEFINE_QUANTIZE(actnn_quantize_f16_r4, actnn_u16, 4)
ACTNN_DEFINE_QUANTIZE(actnn_quantize_f16_r8, actnn_u16, 8)
ACTNN_DEFINE_QUANTIZE(actnn_quantize_f16_r16, actnn_u16, 16)

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_group_stats_f32(const float* __restrict__ x, float* __restrict__ stats, actnn_i64 nSamples,
                              actnn_i64 features, actnn_i64 groupsPerSample, int groupSize, int xAligned) {
    actnn_group_stats<float>(x, stats, nSamples, features, groupsPerSample, groupSize, xAligned);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_group_stats_f16(const actnn_u16* __restrict__ x, float* __restrict__ stats, actnn_i64 nSamples,
                              actnn_i64 features, actnn_i64 groupsPerSample, int groupSize, int xAligned) {
    actnn_group_stats<actnn_u16>(x, stats, nSamples, features, groupsPerSample, groupSize, xAligned);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_range_squares_kernel(const float* __restrict__ stats, float* __restrict__ out, actnn_i64 nSamples,
                                   actnn_i64 groupsPerSample) {
    actnn_range_squares(stats, out, nSamples, groupsPerSample);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_fp16_check_kernel(const float* __restrict__ stats, int* __restrict__ flag, actnn_i64 nSamples,
                                actnn_i64 groupsPerSample, const actnn_u8* __restrict__ bitsArr, int uniformBits) {
    actnn_fp16_check(stats, flag, nSamples, groupsPerSample, bitsArr, uniformBits);
}

#define ACTNN_PACK_ARGS(T)                                                                                   \
    const T *__restrict__ x, const float *__restrict__ stats, actnn_u8 *__restrict__ out, actnn_i64 nSamples, \
            actnn_i64 features, actnn_i64 groupsPerSample, int groupSize,                                     \
            const actnn_u8 *__restrict__ bitsArr, const actnn_i64 *__restrict__ offsets, int uniformBits,      \
            actnn_u64 key, int stochastic, int meta32, int xAligned

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK) actnn_pack_f32(ACTNN_PACK_ARGS(float)) {
    actnn_pack<float>(x, stats, out, nSamples, features, groupsPerSample, groupSize, bitsArr, offsets, uniformBits,
                      key, stochastic, meta32, xAligned);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK) actnn_pack_f16(ACTNN_PACK_ARGS(actnn_u16)) {
    actnn_pack<actnn_u16>(x, stats, out, nSamples, features, groupsPerSample, groupSize, bitsArr, offsets,
                          uniformBits, key, stochastic, meta32, xAligned);
}

#define ACTNN_UNPACK_ARGS(T)                                                                                   \
    const actnn_u8 *__restrict__ in, T *__restrict__ y, actnn_i64 nSamples, actnn_i64 features,               \
            actnn_i64 groupsPerSample, int groupSize, const actnn_u8 *__restrict__ bitsArr,                    \
            const actnn_i64 *__restrict__ offsets, int uniformBits, int meta32, int yAligned

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK) actnn_unpack_f32(ACTNN_UNPACK_ARGS(float)) {
    actnn_unpack<float>(in, y, nSamples, features, groupsPerSample, groupSize, bitsArr, offsets, uniformBits, meta32,
                        yAligned);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK) actnn_unpack_f16(ACTNN_UNPACK_ARGS(actnn_u16)) {
    actnn_unpack<actnn_u16>(in, y, nSamples, features, groupsPerSample, groupSize, bitsArr, offsets, uniformBits,
                            meta32, yAligned);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_relu_forward_f32(const float* x, float* y, actnn_u8* __restrict__ mask, actnn_i64 n) {
    actnn_relu_forward<float>(x, y, mask, n);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_relu_forward_f16(const actnn_u16* x, actnn_u16* y, actnn_u8* __restrict__ mask, actnn_i64 n) {
    actnn_relu_forward<actnn_u16>(x, y, mask, n);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_pack_nonzero_w1(const actnn_u8* __restrict__ m, actnn_u8* __restrict__ mask, actnn_i64 n,
                              actnn_u32 valueMask) {
    actnn_pack_nonzero<actnn_u8>(m, mask, n, (actnn_u8)valueMask);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_pack_nonzero_w2(const actnn_u16* __restrict__ m, actnn_u8* __restrict__ mask, actnn_i64 n,
                              actnn_u32 valueMask) {
    actnn_pack_nonzero<actnn_u16>(m, mask, n, (actnn_u16)valueMask);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_pack_nonzero_w4(const actnn_u32* __restrict__ m, actnn_u8* __restrict__ mask, actnn_i64 n,
                              actnn_u32 valueMask) {
    actnn_pack_nonzero<actnn_u32>(m, mask, n, valueMask);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_pack_nonzero_w8(const actnn_u64* __restrict__ m, actnn_u8* __restrict__ mask, actnn_i64 n,
                              actnn_u64 valueMask) {
    actnn_pack_nonzero<actnn_u64>(m, mask, n, valueMask);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_dropout_forward_f32(const float* __restrict__ x, float* __restrict__ y, actnn_u8* __restrict__ mask,
                                  actnn_i64 n, actnn_u64 key, float rate, float scale) {
    actnn_dropout_forward<float>(x, y, mask, n, key, rate, scale);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_dropout_forward_f16(const actnn_u16* __restrict__ x, actnn_u16* __restrict__ y,
                                  actnn_u8* __restrict__ mask, actnn_i64 n, actnn_u64 key, float rate, float scale) {
    actnn_dropout_forward<actnn_u16>(x, y, mask, n, key, rate, scale);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_apply_mask_f32(const float* __restrict__ grad, const actnn_u8* __restrict__ mask,
                             float* __restrict__ out, actnn_i64 n, float scale) {
    actnn_apply_mask<float>(grad, mask, out, n, scale);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_apply_mask_f16(const actnn_u16* __restrict__ grad, const actnn_u8* __restrict__ mask,
                             actnn_u16* __restrict__ out, actnn_i64 n, float scale) {
    actnn_apply_mask<actnn_u16>(grad, mask, out, n, scale);
}

#define ACTNN_POOL_ARGS                                                                                  \
    actnn_i64 planes, int height, int width, int outH, int outW, int kernelH, int kernelW, int strideH,  \
            int strideW, int padH, int padW
#define ACTNN_POOL_PASS planes, height, width, outH, outW, kernelH, kernelW, strideH, strideW, padH, padW

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_maxpool2d_forward_f32(const float* __restrict__ x, float* __restrict__ y,
                                    actnn_u8* __restrict__ offsets, ACTNN_POOL_ARGS) {
    actnn_maxpool2d_forward<float>(x, y, offsets, ACTNN_POOL_PASS);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_maxpool2d_forward_f16(const actnn_u16* __restrict__ x, actnn_u16* __restrict__ y,
                                    actnn_u8* __restrict__ offsets, ACTNN_POOL_ARGS) {
    actnn_maxpool2d_forward<actnn_u16>(x, y, offsets, ACTNN_POOL_PASS);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_maxpool2d_backward_f32(const float* __restrict__ dy, const actnn_u8* __restrict__ offsets,
                                     float* __restrict__ dx, ACTNN_POOL_ARGS) {
    actnn_maxpool2d_backward<float>(dy, offsets, dx, ACTNN_POOL_PASS);
}

extern "C" __global__ void __launch_bounds__(ACTNN_BLOCK)
        actnn_maxpool2d_backward_f16(const actnn_u16* __restrict__ dy, const actnn_u8* __restrict__ offsets,
                                     actnn_u16* __restrict__ dx, ACTNN_POOL_ARGS) {
    actnn_maxpool2d_backward<actnn_u16>(dy, offsets, dx, ACTNN_POOL_PASS);
}
