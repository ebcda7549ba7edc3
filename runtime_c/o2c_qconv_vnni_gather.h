/*
 * o2c_qconv_vnni_gather.h - the columns of o2c_qconv_vnni.h's GEMM gathered tile by tile,
 * for the convs whose input o2c_qconv_vnni_phases.h does not rewrite (longer strides,
 * inputs past its buffer): eight columns at a time straight from the NCHW planes as byte
 * quads (masked byte loads, the zero point in the padding), into a tile whose word
 * q * cols + j holds column j's k = 4q .. 4q+3 in o2c_qconv.h's column order.  A quad is
 * four bytes of one gather: four channels of one tap (tap-major order, a group's channel
 * count a multiple of 4), or the taps kw = 0..3 of one kernel row ((c, kh, kw) order with
 * a kernel width of 3 or 4; the fourth tap of a width-3 kernel meets a zero weight).
 */
#ifndef O2C_QCONV_VNNI_GATHER_H
#define O2C_QCONV_VNNI_GATHER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qim2col.h"

#if defined(O2C_X86_VNNI_U8)
#include <immintrin.h>

#include "o2c_qgemm_vnni.h"

/* The columns one gather places (o2c_qv_run). */
#define O2C_QV_COLS 8

/* The columns of a gathered tile for a K4: two vectors, or one when they do not fit the
 * column buffer. */
static inline int32_t o2c_qv_tile_cols(int32_t K4)
{
    return 2 * O2C_QV_VECTOR * K4 <= O2C_QV_COLUMN_BYTES ? 2 * O2C_QV_VECTOR : O2C_QV_VECTOR;
}

/* The columns of a tile on one output row (from ow of row oh): lanes j0 .. j0+len-1. */
typedef struct {
    int32_t oh, ow, j0, len;
} o2c_qv_run;

/* Where one kernel tap's bytes lie in a channel plane, per run: lane j reads element
 * at[i] + j * stride_w where bit j (bit 2j at stride 2, the byte it loads to) of
 * mask[i] is set, and the fill elsewhere. */
typedef struct {
    intptr_t at[O2C_QV_COLS];
    uint32_t mask[O2C_QV_COLS];
} o2c_qv_tap;

/* a / sw rounded up for a >= 0, without a division at strides 1 and 2 */
static inline int32_t o2c_qv_ceil_div(int32_t a, int32_t sw)
{
    return sw == 1 ? a : sw == 2 ? (a + 1) >> 1 : (a + sw - 1) / sw;
}

/* The lanes j of [j0, j0 + len) with 0 <= iw + j * sw < in_w, as bits j. */
static inline uint32_t o2c_qv_lanes(int32_t iw, int32_t in_w, int32_t sw, int32_t j0,
                                    int32_t len)
{
    const int32_t need = iw >= 0 ? 0 : o2c_qv_ceil_div(-iw, sw), room = in_w - iw;
    const int32_t lo = need > j0 ? (need < O2C_QV_COLS ? need : O2C_QV_COLS) : j0;
    const int32_t end = room <= 0 ? 0 : o2c_qv_ceil_div(room, sw);
    const int32_t hi = end < j0 + len ? end : j0 + len;
    return lo >= hi ? 0u : ((1u << hi) - 1u) & ~((1u << lo) - 1u);
}

/* o2c_qv_tap of kernel tap (kh, kw) for the tile's runs. */
static inline void o2c_qv_tap_at(const o2c_qconv_shape *s, const o2c_qv_run *runs,
                                 int32_t n_runs, int32_t kh, int32_t kw, o2c_qv_tap *tap)
{
    const int32_t sw = s->stride_w;
    int32_t i;
    for (i = 0; i < n_runs; i++) {
        const int32_t ih = runs[i].oh * s->stride_h - s->pad_top + kh * s->dil_h;
        /* the input column lane 0 would read, so that lane j reads iw + j * sw */
        const int32_t iw = runs[i].ow * sw - s->pad_left + kw * s->dil_w - runs[i].j0 * sw;
        uint32_t bits = ih < 0 || ih >= s->in_h ? 0u
                                                : o2c_qv_lanes(iw, s->in_w, sw, runs[i].j0,
                                                               runs[i].len);
        if (sw == 2) {      /* bit j to bit 2j */
            bits = (bits | (bits << 4)) & 0x0F0Fu;
            bits = (bits | (bits << 2)) & 0x3333u;
            bits = (bits | (bits << 1)) & 0x5555u;
        }
        tap->mask[i] = bits;
        tap->at[i] = (intptr_t)ih * s->in_w + iw;
    }
}

/* The tile's eight bytes of one tap in one channel plane (low half), the fill in the
 * padding.  A masked load reads (and may fault on) only the bytes it keeps; the
 * address is formed in integers, since a run's lane 0 may lie before the plane. */
static inline __m128i o2c_qv_bytes8(const uint8_t *plane, const o2c_qv_tap *tap,
                                    int32_t n_runs, int32_t sw, __m128i fill)
{
    const __m128i evens = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1,
                                        -1, -1, -1);
    __m128i v = fill;
    int32_t i, j;
    if (sw > 2) {
        uint8_t bytes[16];
        _mm_storeu_si128((__m128i *)(void *)bytes, fill);
        for (i = 0; i < n_runs; i++)
            for (j = 0; j < O2C_QV_COLS; j++)
                if (tap->mask[i] >> j & 1u)
                    bytes[j] = plane[tap->at[i] + (intptr_t)j * sw];
        return _mm_loadu_si128((const __m128i *)(const void *)bytes);
    }
    for (i = 0; i < n_runs; i++)
        v = _mm_mask_loadu_epi8(v, (__mmask16)tap->mask[i],
                                (const void *)((uintptr_t)(const void *)plane +
                                               (uintptr_t)tap->at[i]));
    return sw == 2 ? _mm_shuffle_epi8(v, evens) : v;
}

/* Quad q of the tile from four gathers of eight bytes (byte i of the quad from v_i). */
static inline void o2c_qv_store_quad(__m128i v0, __m128i v1, __m128i v2, __m128i v3,
                                     uint32_t *tile, int32_t cols, int32_t q)
{
    const __m128i lo = _mm_unpacklo_epi8(v0, v1), hi = _mm_unpacklo_epi8(v2, v3);
    _mm_storeu_si128((__m128i *)(void *)(tile + q * cols), _mm_unpacklo_epi16(lo, hi));
    _mm_storeu_si128((__m128i *)(void *)(tile + q * cols + 4),
                     _mm_unpackhi_epi16(lo, hi));
}

/* Eight columns of the tile (cols words per quad) from their runs: each tap's masks and
 * offsets once, shared by every channel. */
static inline void o2c_qv_gather(const o2c_qconv_shape *s, const uint8_t *x, __m128i fill,
                                 const o2c_qv_run *runs, int32_t n_runs, uint32_t *tile,
                                 int32_t cols)
{
    const int32_t cin = s->in_c / s->groups, sw = s->stride_w;
    const size_t plane = (size_t)s->in_h * (size_t)s->in_w;
    const int taps_order = o2c_qconv_order(s) == O2C_QCOL_TAPS;
    o2c_qv_tap taps[4];
    int32_t kh, kw, c, q = 0;
    for (kh = 0; kh < s->k_h; kh++) {
        for (kw = 0; kw < (taps_order ? s->k_w : 4); kw++) {
            o2c_qv_tap_at(s, runs, n_runs, kh, kw, &taps[taps_order ? 0 : kw]);
            for (c = 0; taps_order && c < cin; c += 4, q++) {
                const uint8_t *xc = x + (size_t)c * plane;
                o2c_qv_store_quad(o2c_qv_bytes8(xc, &taps[0], n_runs, sw, fill),
                                  o2c_qv_bytes8(xc + plane, &taps[0], n_runs, sw, fill),
                                  o2c_qv_bytes8(xc + 2 * plane, &taps[0], n_runs, sw, fill),
                                  o2c_qv_bytes8(xc + 3 * plane, &taps[0], n_runs, sw, fill),
                                  tile, cols, q);
            }
        }
        for (c = 0; !taps_order && c < cin; c++) {  /* tap 3 of width 3: a zero weight */
            const uint8_t *xc = x + (size_t)c * plane;
            o2c_qv_store_quad(o2c_qv_bytes8(xc, &taps[0], n_runs, sw, fill),
                              o2c_qv_bytes8(xc, &taps[1], n_runs, sw, fill),
                              o2c_qv_bytes8(xc, &taps[2], n_runs, sw, fill),
                              o2c_qv_bytes8(xc, &taps[3], n_runs, sw, fill), tile, cols,
                              c * s->k_h + kh);
        }
    }
}

/* Output positions p0 .. p0+n-1 (0 < n <= 8) of one group's planes x as eight columns
 * of a tile of cols; the common run on one output row has its own copy of the loops. */
static inline void o2c_qv_tile(const o2c_qconv_shape *s, const uint8_t *x, int32_t fill,
                               int32_t p0, int32_t n, uint32_t *tile, int32_t cols)
{
    const __m128i fill8 = _mm_set1_epi8((char)fill);
    o2c_qv_run runs[O2C_QV_COLS] = {{0, 0, 0, 0}};
    int32_t n_runs = 0, j;
    for (j = 0; j < n; j += runs[n_runs++].len) {
        runs[n_runs].oh = (p0 + j) / s->out_w;
        runs[n_runs].ow = (p0 + j) - runs[n_runs].oh * s->out_w;
        runs[n_runs].j0 = j;
        runs[n_runs].len = s->out_w - runs[n_runs].ow < n - j ? s->out_w - runs[n_runs].ow
                                                              : n - j;
    }
    if (n_runs == 1)
        o2c_qv_gather(s, x, fill8, runs, 1, tile, cols);
    else
        o2c_qv_gather(s, x, fill8, runs, n_runs, tile, cols);
}

/* The columns g0 .. g0+n-1 of one group's planes x, gathered into a tile of cols: where
 * the GEMM reads them and where their sums go. */
static inline int32_t o2c_qv_gathered(const o2c_qconv_shape *s, const uint8_t *x,
                                      int32_t x_zero, int32_t g0, int32_t n, int32_t cols,
                                      uint32_t *tile, o2c_qv_segment *seg)
{
    int32_t j;
    for (j = 0; j < n; j += O2C_QV_COLS)
        o2c_qv_tile(s, x, x_zero, g0 + j, n - j < O2C_QV_COLS ? n - j : O2C_QV_COLS,
                    tile + j, cols);
    seg[0].delta = g0;
    seg[0].lanes = n >= 32 ? ~0u : (1u << n) - 1u;
    return 1;
}

#endif
#endif /* O2C_QCONV_VNNI_GATHER_H */
