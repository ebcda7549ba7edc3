/*
 * o2c_qdwconv_x512.h - the AVX-512 path of o2c_qdwconv.h (x86-64, O2C_X86_AVX512),
 * included by it: a padded channel (see there) sixteen outputs at a time over the
 * channel flattened, for equal strides 1 or 2.  o2c_qdwconv computes the lanes that are
 * outputs once per call (o2c_qdwx_keep) and hands each channel here.
 *
 * The sums and the bytes are the portable loop's: the products are exact (VPMADDWD of a
 * byte and a weight, or VPDPBUSD of four uint8 bytes and four weights), the int32
 * additions wrap alike, and the requantization is o2c_qrequant_x86.h's.
 */
#ifndef O2C_QDWCONV_X512_H
#define O2C_QDWCONV_X512_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qgemm.h"
#include "o2c_qim2col.h"

#if defined(O2C_X86_AVX512)
#include <immintrin.h>

/* The most loads per output (taps, or quads of taps), and of lanes in a flattened
 * channel (o2c_qdwx_keep's table of bits). */
#define O2C_QDWX_TAPS 16
#define O2C_QDWX_LANES 16384

/* Inlined into o2c_qdwconv's channel loop, GCC 12 spills this loop's values to vector
 * registers and back (about 25 % slower in benchmarks/speed.py); called, it is not. */
#if defined(__GNUC__)
#define O2C_QDWX_NOINLINE __attribute__((noinline))
#else
#define O2C_QDWX_NOINLINE
#endif

/* The loads of a kernel row in o2c_qdwconv_plane_x512 when each is a quad of taps (uint8
 * with VNNI and VBMI, up to 8 undilated taps: one or two quads), else 0: one per tap. */
static inline int32_t o2c_qdwx_row_quads(const o2c_qconv_shape *s, int32_t x_signed)
{
#if defined(O2C_X86_VNNI_U8) && defined(__AVX512VBMI__)
    if (!x_signed && s->k_w <= 8 && (s->k_w == 1 || s->dil_w == 1))
        return s->k_w > 4 ? 2 : 1;
#endif
    (void)s;
    (void)x_signed;
    return 0;
}

/* With AVX-512 (o2c_qdwconv_plane_x512): stride h == stride w of 1 or 2, up to 16 loads
 * per output, a channel of up to O2C_QDWX_BLOCKS blocks of sixteen lanes. */
static inline int o2c_qdwconv_x512_fits(const o2c_qconv_shape *s, int32_t x_signed,
                                        int32_t cols)
{
    const int32_t quads = o2c_qdwx_row_quads(s, x_signed);
    return s->stride_h == s->stride_w && s->stride_w <= 2 &&
           (quads ? s->k_h * quads : s->k_h * s->k_w) <= O2C_QDWX_TAPS &&
           (int64_t)s->out_h * cols <= O2C_QDWX_LANES;
}

/* Where o2c_qdwconv_plane_x512 finds a padded channel in scratch: `pitch` bytes per
 * padded row, `lane_cols` lanes per output row.  At stride 2 the padded rows are split
 * by parity, the even ones from byte 0 and the odd ones from odd_base, each phase's
 * rows pitch = 2 * lane_cols apart: output row oh's lanes then start at its window's
 * first row in the even phase, and no lanes are spent on the rows a stride skips (in
 * one flattened plane, half of them).  Otherwise one plane, odd_base 0. */
typedef struct {
    int32_t pitch, lane_cols;
    size_t odd_base;
    size_t bytes;               /* the scratch, slack included (o2c_qdwconv_scratch_bytes) */
} o2c_qdwx_layout;

static inline o2c_qdwx_layout o2c_qdwx_layout_of(const o2c_qconv_shape *s, int32_t rows,
                                                 int32_t cols)
{
    o2c_qdwx_layout l;
    l.pitch = l.lane_cols = cols;
    l.odd_base = 0;
    l.bytes = o2c_qdwconv_scratch_bytes(s);
    if (s->stride_h == 2 && s->dil_h == 1) {
        l.lane_cols = (cols + 1) / 2;
        l.pitch = 2 * l.lane_cols;
        l.odd_base = (size_t)((rows + 1) / 2) * (size_t)l.pitch;
    }
    return l;
}

/* Where padded row r starts. */
static inline size_t o2c_qdwx_row_at(const o2c_qdwx_layout *l, int32_t r)
{
    if (l->odd_base)
        return (size_t)(r & 1) * l->odd_base + (size_t)(r >> 1) * (size_t)l->pitch;
    return (size_t)r * (size_t)l->pitch;
}

/* Channel plane xc into the inside of the padded rows of a split layout, a row at a
 * time (64 bytes per masked load and store). */
static inline void o2c_qdwx_copy_rows(const o2c_qconv_shape *s, const o2c_qdwx_layout *l,
                                      const uint8_t *xc, uint8_t *pad)
{
    int32_t i, k;
    for (i = 0; i < s->in_h; i++, xc += s->in_w) {
        uint8_t *dst = pad + o2c_qdwx_row_at(l, s->pad_top + i) + s->pad_left;
        for (k = 0; k < s->in_w; k += 64) {
            const int32_t left = s->in_w - k;
            const __mmask64 m = left >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << left) - 1u;
            _mm512_mask_storeu_epi8((void *)(dst + k), m,
                                    _mm512_maskz_loadu_epi8(m, (const void *)(xc + k)));
        }
    }
}

/* Bits a .. b-1 of the bit string words (bit i: bit i % 64 of words[i / 64]) set. */
static inline void o2c_qdwx_set_bits(uint64_t *words, int32_t a, int32_t b)
{
    while (a < b) {
        const int32_t end = b < (a / 64 + 1) * 64 ? b : (a / 64 + 1) * 64;
        const uint64_t upto = end % 64 ? ((uint64_t)1 << end % 64) - 1u : ~(uint64_t)0;
        words[a / 64] |= upto & ~(((uint64_t)1 << a % 64) - 1u);
        a = end;
    }
}

/* Which lanes of a flattened channel are outputs (bit l: ow = l % cols < out_w), a run
 * per output row: the same for every channel. */
static inline void o2c_qdwx_keep(const o2c_qconv_shape *s, int32_t cols, uint64_t *keep)
{
    int32_t oh;
    memset(keep, 0, (size_t)(s->out_h * cols + 63) / 64 * 8u);
    for (oh = 0; oh < s->out_h; oh++)
        o2c_qdwx_set_bits(keep, oh * cols, oh * cols + s->out_w);
}

#if defined(__AVX512VBMI2__)
/* The most 64-byte blocks of a padded channel o2c_qdwx_copy fills. */
#define O2C_QDWX_COPY_BLOCKS 512

/* A 64-byte block of the padded channel: its bytes from the input (bits of inside, in
 * order) and where in the input plane they start (the inside bytes before it). */
typedef struct {
    uint64_t inside;
    int32_t from;
} o2c_qdwx_block;

/* The blocks of a padded channel (rows x cols), the same for every channel; 0 when there
 * are more than O2C_QDWX_COPY_BLOCKS. */
static inline int32_t o2c_qdwx_blocks(const o2c_qconv_shape *s, int32_t rows, int32_t cols,
                                      o2c_qdwx_block *blocks)
{
    const int32_t count = (rows * cols + 63) / 64;
    uint64_t inside[O2C_QDWX_COPY_BLOCKS];
    int32_t r, i, from = 0;
    if (count > O2C_QDWX_COPY_BLOCKS)
        return 0;
    memset(inside, 0, (size_t)count * 8u);
    for (r = s->pad_top; r < s->pad_top + s->in_h; r++)     /* a run per input row */
        o2c_qdwx_set_bits(inside, r * cols + s->pad_left, r * cols + s->pad_left + s->in_w);
    for (i = 0; i < count; i++) {
        blocks[i].inside = inside[i];
        blocks[i].from = from;
        from += __builtin_popcountll(inside[i]);
    }
    return count;
}

/* Channel plane xc into pad (bytes bytes, then 4 more) as o2c_qdwconv_copy leaves it,
 * 64 bytes at a time: a byte expand puts the block's input bytes among the zero point's. */
static inline void o2c_qdwx_copy(const o2c_qdwx_block *blocks, int32_t count, size_t bytes,
                                 const uint8_t *xc, int32_t x_zero, uint8_t *pad)
{
    const __m512i zero = _mm512_set1_epi8((char)x_zero);
    int32_t i;
    for (i = 0; i < count; i++) {
        const uint64_t inside = blocks[i].inside;
        const int32_t n = __builtin_popcountll(inside);
        const __mmask64 take = n >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1u;
        const __m512i in = _mm512_maskz_loadu_epi8(take, (const void *)(xc + blocks[i].from));
        const size_t left = bytes - 64u * (size_t)i;
        _mm512_mask_storeu_epi8((void *)(pad + 64u * (size_t)i),
                                left >= 64u ? ~(__mmask64)0 : ((__mmask64)1 << left) - 1u,
                                _mm512_mask_expand_epi8(zero, (__mmask64)inside, in));
    }
}
#endif

/* Sixteen lanes' bytes of one tap from p (even bytes at stride 2), only the bytes below
 * `room` read (all of them when room >= 16 * sw), widened to int32. */
static inline __m512i o2c_qdwx_bytes16(const uint8_t *p, int32_t sw, int64_t room,
                                       int32_t x_signed)
{
    const uint32_t mask = room >= 16 * sw ? 0xFFFFFFFFu
                          : room <= 0     ? 0u
                                          : (uint32_t)((1ull << room) - 1u);
    const __m128i v = sw == 1 ? _mm_maskz_loadu_epi8((__mmask16)mask, p)
                              : _mm256_cvtepi16_epi8(_mm256_maskz_loadu_epi8((__mmask32)mask, p));
    return x_signed ? _mm512_cvtepi8_epi32(v) : _mm512_cvtepu8_epi32(v);
}

#if defined(O2C_X86_VNNI_U8) && defined(__AVX512VBMI__)
/* uint8 with VNNI and VBMI, a kernel row of up to 8 undilated taps: one byte permute
 * makes each lane's row window (bytes sw * l .. sw * l + 3, and + 4 .. + 7) a quad, and
 * one VPDPBUSD adds its products with the row's weights (zero past k_w, meeting whatever
 * byte is there) - exact, as in o2c_qgemm_vnni.h. */
#define O2C_QDWX_ROW_QUADS 1

static inline __m512i o2c_qdwx_quad_sums(__m512i acc, const uint8_t *p, int64_t room,
                                         __m512i slide, __m512i row_weights)
{
    const __mmask64 mask = room >= 64 ? ~(__mmask64)0 : room <= 0 ? 0
                                                                 : ((__mmask64)1 << room) - 1u;
    return _mm512_dpbusd_epi32(
        acc, _mm512_permutexvar_epi8(slide, _mm512_maskz_loadu_epi8(mask, p)), row_weights);
}

/* The same for a whole 64-byte load. */
static inline __m512i o2c_qdwx_quad_sums64(__m512i acc, const uint8_t *p, __m512i slide,
                                           __m512i row_weights)
{
    return _mm512_dpbusd_epi32(
        acc, _mm512_permutexvar_epi8(slide, _mm512_loadu_si512((const void *)p)), row_weights);
}
#endif

/* The requantized outputs of one padded channel (laid out as `lay` says, then slack),
 * sixteen at a time over the output rows flattened: lane l = oh * lane_cols + ow reads
 * the taps from byte sw * l plus the tap's offset (as sh == sw), and the lanes with
 * ow >= out_w (the window past the row's end) are computed, then dropped by compressing
 * the sums (keep: o2c_qdwx_keep) before requantizing, or with VBMI2 the bytes after.
 * Per tap, the bytes widened to int32 times the weight as an int16 pair (w, 0):
 * VPMADDWD's sum is x * w exactly.  A load that would pass the end of the scratch is
 * masked (its slack makes them rare). */
O2C_QDWX_NOINLINE static void o2c_qdwconv_plane_x512(const o2c_qconv_shape *s, int32_t x_signed,
                                          const uint8_t *pad, const o2c_qdwx_layout *lay,
                                          const int8_t *wc, int32_t acc0, float scale,
                                          o2c_qout q, const uint64_t *keep_of, uint8_t *yc)
{
    const int32_t sw = s->stride_w, lanes = s->out_h * lay->lane_cols, taps = s->k_h * s->k_w;
    const int64_t end = (int64_t)lay->bytes;
    const __m512 scale16 = _mm512_set1_ps(scale);
    const int32_t finite = scale - scale == 0.0f;
    const uint8_t *y_end = yc + (size_t)s->out_h * (size_t)s->out_w;
    __m512i weight[O2C_QDWX_TAPS];
    int64_t offset[O2C_QDWX_TAPS];
    const int32_t row_quads = o2c_qdwx_row_quads(s, x_signed);
    int32_t l, t;
#if defined(O2C_QDWX_ROW_QUADS)
    const int32_t loads = s->k_h * row_quads;
    /* byte 4l + b of the permute from byte sw * l + b (at most 33) */
    const __m512i slide = _mm512_add_epi32(
        _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                           _mm512_set1_epi32(sw * 0x01010101)),
        _mm512_set1_epi32(0x03020100));
#endif
    for (t = 0; !row_quads && t < taps; t++) {
        const int32_t kh = t / s->k_w, kw = t - kh * s->k_w;
        offset[t] = (int64_t)o2c_qdwx_row_at(lay, kh * s->dil_h) + (int64_t)kw * s->dil_w;
        weight[t] = _mm512_set1_epi32((int32_t)(uint16_t)wc[t]);
    }
#if defined(O2C_QDWX_ROW_QUADS)
    for (t = 0; t < loads; t++) {       /* per quad of a kernel row: offset, weight bytes */
        const int32_t kh = t / row_quads, kw = 4 * (t - kh * row_quads);
        uint32_t quad = 0;
        int32_t b;
        /* built in a register: bytes stored and read back as a word stall the load */
        for (b = 0; b < 4 && kw + b < s->k_w; b++)
            quad |= (uint32_t)(uint8_t)wc[kh * s->k_w + kw + b] << (8 * b);
        offset[t] = (int64_t)o2c_qdwx_row_at(lay, kh * s->dil_h) + kw;
        weight[t] = _mm512_set1_epi32((int32_t)quad);
    }
#endif
    for (l = 0; l < lanes; l += 16) {
        const __mmask16 keep = (__mmask16)(keep_of[l / 64] >> (l % 64));
        const int32_t kept = (int32_t)__builtin_popcount((unsigned)keep);
        const uint8_t *p = pad + (size_t)sw * (size_t)l;
        const int64_t room = end - (int64_t)sw * l;
        __m512i acc = _mm512_set1_epi32(acc0);
        __m128i bytes;
#if defined(O2C_QDWX_ROW_QUADS)
        if (row_quads && room >= offset[loads - 1] + 64) {     /* every load whole */
            for (t = 0; t < loads; t++)
                acc = o2c_qdwx_quad_sums64(acc, p + offset[t], slide, weight[t]);
        } else if (row_quads) {
            for (t = 0; t < loads; t++)
                acc = o2c_qdwx_quad_sums(acc, room > offset[t] ? p + offset[t] : pad,
                                         room - offset[t], slide, weight[t]);
        } else
#endif
        if (room >= offset[taps - 1] + 16 * sw) {       /* every load whole */
            for (t = 0; t < taps; t++)
                acc = _mm512_add_epi32(acc, _mm512_madd_epi16(
                    o2c_qdwx_bytes16(p + offset[t], sw, 16 * sw, x_signed), weight[t]));
        } else {
            for (t = 0; t < taps; t++) {
                const int64_t left = room - offset[t];
                acc = _mm512_add_epi32(acc, _mm512_madd_epi16(
                    o2c_qdwx_bytes16(left > 0 ? p + offset[t] : pad, sw, left, x_signed),
                    weight[t]));
            }
        }
#if defined(__AVX512VBMI2__)
        /* the bytes compressed: a 512-bit VPCOMPRESSD costs Zen 4 as much as the rest */
        bytes = _mm_maskz_compress_epi8(
            keep, o2c_qx_requant_zmm(acc, scale16, q.zero, q.lo, q.hi, finite));
#else
        bytes = o2c_qx_requant_zmm(_mm512_maskz_compress_epi32(keep, acc), scale16, q.zero,
                                   q.lo, q.hi, finite);
#endif
        /* a whole store where the channel's outputs go on: the next store overwrites
         * the bytes past `kept` (a masked byte store is much slower) */
        if (y_end - yc >= 16)
            _mm_storeu_si128((__m128i *)(void *)yc, bytes);
        else
            _mm_mask_storeu_epi8(yc, (__mmask16)((1u << kept) - 1u), bytes);
        yc += kept;
    }
}
#endif
#endif /* O2C_QDWCONV_X512_H */
