/*
 * o2c_qconv_vnni_phases.h - the columns of o2c_qconv_vnni.h's GEMM read straight from a
 * rewritten input, for convs at strides 1 and 2 whose rewritten input fits the column
 * buffer: tap-major ones (a group's channels a multiple of 4) and, with VBMI, (c, kh, kw)
 * ones with kernel rows of 3 or 4 undilated taps (a first layer's 1 or 3 channels).
 *
 * Why: gathering each tile's columns tap by tap costs as much as the products when a
 * conv has few output channels (ResNet-8's sixteen).  Here a group's input is rewritten
 * once into byte quads - four channels of one position in one 32-bit word, or in
 * (c, kh, kw) order the four bytes of a row from one position on (a kernel row's window)
 * - padded with the zero point and split by stride into phases (space to depth), so that
 * for every tap (or kernel row of a channel) sixteen consecutive outputs read sixteen
 * consecutive words.
 *
 * Layout: phase (ph, pw) holds the padded input's rows ph, ph + s_h, ... and columns
 * pw, pw + s_w, ...; in a phase, each channel quad (or channel) has a plane of hph x wph
 * words.  Windows need only pw = 0: a kernel row's window starts at column ow * s_w.
 * Output (oh, ow) is column oh * wph + ow of a grid wph wide, and tap (kh, kw) reads its
 * word at that column plus the tap's offset (o2c_qp_taps).  The grid's columns
 * ow >= out_w are computed and not stored (o2c_qp_segments); the buffer ends in words
 * the last tile of the grid may read past the last plane.
 */
#ifndef O2C_QCONV_VNNI_PHASES_H
#define O2C_QCONV_VNNI_PHASES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qim2col.h"

#if defined(O2C_X86_VNNI_U8)
#include <immintrin.h>

#include "o2c_qgemm_vnni.h"

/* The most kernel taps (or kernel rows of all channels) the path takes: its table of
 * tap offsets; and the longest padded row of windows (their row buffer). */
#define O2C_QP_TAPS 128
#define O2C_QP_ROW 4096

typedef struct {
    int32_t windows;        /* words are kernel-row windows ((c, kh, kw) order) */
    int32_t taps, quads;    /* the GEMM's taps (o2c_qv_source), and quads of each */
    int32_t pws;            /* column phases: s_w, or 1 for windows (each starts at a
                               column ow * s_w + 4j, and s_w is 1, 2 or 4) */
    int32_t hph, wph;       /* a phase plane's rows and columns */
    size_t plane, phase;    /* words of a plane, of a phase */
    size_t words;           /* the buffer: every phase, then what a tile reads past it */
} o2c_qp_layout;

static inline o2c_qp_layout o2c_qp_layout_of(const o2c_qconv_shape *s)
{
    /* the padded input's extent that the windows read */
    const int32_t hp = (s->out_h - 1) * s->stride_h + (s->k_h - 1) * s->dil_h + 1;
    const int32_t wp = (s->out_w - 1) * s->stride_w + (s->k_w - 1) * s->dil_w + 1;
    const int32_t cin = s->in_c / s->groups;
    o2c_qp_layout l;
    l.windows = o2c_qconv_order(s) == O2C_QCOL_ROWS;
    /* windows: (k_w rounded up to even) / 4 per kernel row */
    l.taps = l.windows ? cin * s->k_h * ((s->k_w + (s->k_w & 1)) / 4) : s->k_h * s->k_w;
    l.quads = l.windows ? 1 : cin / 4;
    l.pws = l.windows ? 1 : s->stride_w;
    l.hph = (hp + s->stride_h - 1) / s->stride_h;
    l.wph = (wp + s->stride_w - 1) / s->stride_w;
    l.plane = (size_t)l.hph * (size_t)l.wph;
    l.phase = (size_t)(l.windows ? cin : cin / 4) * l.plane;
    /* the grid's last tile, under the farthest tap, ends less than a row and a tile
     * past the last plane */
    l.words = (size_t)(s->stride_h * l.pws) * l.phase + (size_t)l.wph +
              2u * O2C_QV_VECTOR;
    return l;
}

static inline int o2c_qp_supported(const o2c_qconv_shape *s)
{
    const o2c_qp_layout l = o2c_qp_layout_of(s);
#if defined(__AVX512VBMI__)
    const int vbmi = 1;
#else
    const int vbmi = 0;
#endif
    if (l.windows ? !vbmi || (s->k_w + (s->k_w & 1)) % 4 != 0 || s->dil_w != 1 ||
                        (s->stride_w != 1 && s->stride_w != 2 && s->stride_w != 4) ||
                        l.wph * s->stride_w > O2C_QP_ROW
                  : (s->in_c / s->groups) % 4 != 0 || s->stride_w > 2)
        return 0;
    return s->stride_h <= 2 && l.taps <= O2C_QP_TAPS && l.words * 4u <= O2C_QV_COLUMN_BYTES;
}

/* Words 0 .. n-1 of w, the padded row's columns iwp .. iwp+n-1, to the row of phase
 * (ph, 0) (and at stride 2, the odd columns to the row of phase (ph, 1)). */
static inline void o2c_qp_store_row(__m512i w, int32_t n, int32_t iwp, int32_t sw,
                                    size_t phase, uint32_t *row)
{
    const __m512i split = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11,
                                            13, 15);
    int32_t g;
    if (sw == 1) {
        _mm512_mask_storeu_epi32((void *)(row + iwp), (__mmask16)((1u << n) - 1u), w);
        return;
    }
    w = _mm512_permutexvar_epi32(split, w);     /* lanes 2i to i, 2i + 1 to 8 + i */
    for (g = 0; g < 2 && g < n; g++) {
        const int32_t first = iwp + g, count = (n - g + 1) / 2;
        _mm256_mask_storeu_epi32((void *)(row + (size_t)(first & 1) * phase + (first >> 1)),
                                 (__mmask8)((1u << count) - 1u),
                                 g ? _mm512_extracti64x4_epi64(w, 1)
                                   : _mm512_castsi512_si256(w));
    }
}

#if defined(__AVX512VBMI__)
/* The kernel-row windows of one input row (in, its plane's row ih) to the layout's row
 * (of phase (ph, 0)): word iwp / s_w holds the padded row's bytes iwp .. iwp+3 for the
 * columns iwp that are multiples of s_w, from a copy of the row padded with x_zero,
 * sixteen words by one byte permute of 64 bytes (s_w <= 4: the last window ends by
 * byte 63).  No compress: a 512-bit VPCOMPRESSD is slow on Zen 4. */
static inline void o2c_qp_fill_windows(const o2c_qconv_shape *s, const o2c_qp_layout *l,
                                       const uint8_t *in, int32_t x_zero, uint32_t *row)
{
    const int32_t sw = s->stride_w, cols = l->wph * sw;
    const int32_t n_in = s->in_w < cols - s->pad_left ? s->in_w : cols - s->pad_left;
    /* byte 4i + b of the permute from byte sw * i + b */
    const __m512i slide = _mm512_add_epi32(
        _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                           _mm512_set1_epi32(sw * 0x01010101)),
        _mm512_set1_epi32(0x03020100));
    const int32_t body = n_in > 0 ? n_in : 0, left = s->pad_left < cols ? s->pad_left : cols;
    uint8_t padded[O2C_QP_ROW + 64];
    int32_t i;
    /* the loads below read cols + 63 bytes */
    memset(padded, x_zero, (size_t)left);
    memcpy(padded + left, in, (size_t)body);
    memset(padded + left + body, x_zero, (size_t)(cols + 64 - left - body));
    for (i = 0; i < l->wph; i += 16) {
        const int32_t n = l->wph - i < 16 ? l->wph - i : 16;
        _mm512_mask_storeu_epi32((void *)(row + i), (__mmask16)((1u << n) - 1u),
                                 _mm512_permutexvar_epi8(
                                     slide, _mm512_loadu_si512((const void *)(padded + sw * i))));
    }
}
#endif

/* One group's input planes x in the layout, the padding x_zero. */
static inline void o2c_qp_fill(const o2c_qconv_shape *s, const o2c_qp_layout *l,
                               const uint8_t *x, int32_t x_zero, uint32_t *buf)
{
    const int32_t sh = s->stride_h, sw = s->stride_w, quads = s->in_c / s->groups / 4;
    const int32_t rows = l->hph * sh, cols = l->wph * sw;
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w;
    int32_t c, ih, iw;
    memset(buf, x_zero, l->words * 4u);
#if defined(__AVX512VBMI__)
    for (c = 0; l->windows && c < s->in_c / s->groups; c++)
        for (ih = 0; ih < s->in_h && ih + s->pad_top < rows; ih++) {
            const int32_t ihp = ih + s->pad_top;
            o2c_qp_fill_windows(s, l, x + (size_t)c * in_plane + (size_t)ih * s->in_w, x_zero,
                                buf + (size_t)(ihp % sh * l->pws) * l->phase +
                                    (size_t)c * l->plane + (size_t)(ihp / sh) * (size_t)l->wph);
        }
#endif
    for (c = 0; !l->windows && c < quads; c++)
        for (ih = 0; ih < s->in_h && ih + s->pad_top < rows; ih++) {
            const int32_t ihp = ih + s->pad_top;
            const uint8_t *in = x + (size_t)4 * (size_t)c * in_plane + (size_t)ih * s->in_w;
            uint32_t *row = buf + (size_t)(ihp % sh * l->pws) * l->phase + (size_t)c * l->plane +
                            (size_t)(ihp / sh) * (size_t)l->wph;
            for (iw = 0; iw < s->in_w && iw + s->pad_left < cols; iw += 16) {
                const int32_t left = s->in_w - iw < cols - iw - s->pad_left
                                         ? s->in_w - iw : cols - iw - s->pad_left;
                const int32_t n = left < 16 ? left : 16;
                const __mmask16 m = (__mmask16)((1u << n) - 1u);
                const __m128i b0 = _mm_maskz_loadu_epi8(m, (const void *)(in + iw));
                const __m128i b1 = _mm_maskz_loadu_epi8(m, (const void *)(in + in_plane + iw));
                const __m128i b2 = _mm_maskz_loadu_epi8(m, (const void *)(in + 2 * in_plane + iw));
                const __m128i b3 = _mm_maskz_loadu_epi8(m, (const void *)(in + 3 * in_plane + iw));
                const __m128i lo01 = _mm_unpacklo_epi8(b0, b1), hi01 = _mm_unpackhi_epi8(b0, b1);
                const __m128i lo23 = _mm_unpacklo_epi8(b2, b3), hi23 = _mm_unpackhi_epi8(b2, b3);
                __m512i w = _mm512_castsi128_si512(_mm_unpacklo_epi16(lo01, lo23));
                w = _mm512_inserti32x4(w, _mm_unpackhi_epi16(lo01, lo23), 1);
                w = _mm512_inserti32x4(w, _mm_unpacklo_epi16(hi01, hi23), 2);
                w = _mm512_inserti32x4(w, _mm_unpackhi_epi16(hi01, hi23), 3);
                o2c_qp_store_row(w, n, iw + s->pad_left, sw, l->phase, row);
            }
        }
}

/* Each tap's offset in words from the grid column's word in phase (0, 0): tap
 * (kh, kw), or for windows window j (kw = 4j ..) of kernel row kh of channel c. */
static inline void o2c_qp_taps(const o2c_qconv_shape *s, const o2c_qp_layout *l,
                               intptr_t *tap)
{
    const int32_t per_row = (s->k_w + (s->k_w & 1)) / 4;
    int32_t kh, kw, c, t = 0;
    for (c = 0; l->windows && c < s->in_c / s->groups; c++)
        for (kh = 0; kh < s->k_h; kh++)
            for (kw = 0; kw < 4 * per_row; kw += 4, t++) {
                const int32_t dh = kh * s->dil_h;
                tap[t] = (intptr_t)(dh % s->stride_h) * (intptr_t)l->phase +
                         (intptr_t)c * (intptr_t)l->plane +
                         (intptr_t)(dh / s->stride_h) * l->wph + kw / s->stride_w;
            }
    for (kh = 0; !l->windows && kh < s->k_h; kh++)
        for (kw = 0; kw < s->k_w; kw++) {
            const int32_t dh = kh * s->dil_h, dw = kw * s->dil_w;
            tap[kh * s->k_w + kw] =
                (intptr_t)((dh % s->stride_h) * l->pws + dw % s->stride_w) *
                    (intptr_t)l->phase +
                (intptr_t)(dh / s->stride_h) * l->wph + dw / s->stride_w;
        }
}

/* The output runs of grid columns g0 .. g0+n-1: one per output row they meet, lane j
 * of the run going to byte delta + j of an output plane. */
static inline int32_t o2c_qp_segments(const o2c_qconv_shape *s, const o2c_qp_layout *l,
                                      int32_t g0, int32_t n, o2c_qv_segment *seg)
{
    int32_t oh, count = 0;
    for (oh = g0 / l->wph; oh * l->wph < g0 + n && oh < s->out_h; oh++) {
        const int32_t a = oh * l->wph > g0 ? oh * l->wph - g0 : 0;
        const int32_t b = oh * l->wph + s->out_w - g0 < n ? oh * l->wph + s->out_w - g0 : n;
        if (a < b) {
            seg[count].delta = (intptr_t)oh * (s->out_w - l->wph) + g0;
            seg[count].lanes = (b >= 32 ? ~0u : (1u << b) - 1u) & ~((1u << a) - 1u);
            count++;
        }
    }
    return count;
}

#endif
#endif /* O2C_QCONV_VNNI_PHASES_H */
