/*
 * o2c_qdwconv.h - int8 depthwise convolution (one input and one output channel per
 * group) over NCHW images, included by o2c_qconv.h.
 *
 * Each channel is first copied into scratch with its padding filled with the input zero
 * point, so that every window is whole: with the zero point folded into the bias by the
 * compiler (bias - x_zero * sum(w)), sum(x * w) + bias is then exactly
 * sum((x - x_zero) * w) + the original bias, with no bounds checks.
 * On Cortex-M4/M7 (__ARM_FEATURE_DSP) a 3x3 channel runs in one assembly loop
 * (o2c_qdwconv_arm.h): per kernel row, one 32-bit load and two SXTB16 (or UXTB16) feed
 * two outputs' dual and single MACs; on x86-64 with AVX2 eight outputs at a time
 * (o2c_qdwconv_x86.h), with AVX-512 sixteen over the flattened channel, its lanes and
 * (with VBMI2) its padded copy planned once per call (o2c_qdwconv_x512.h); elsewhere
 * plain C.  Loads may read past a window: the scratch has slack for them.
 *
 * In place: y may be x when out_h x out_w == in_h x in_w - a channel is in scratch
 * before its outputs are written, and no other channel reads it.
 */
#ifndef O2C_QDWCONV_H
#define O2C_QDWCONV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_abi.h"
#include "o2c_qgemm.h"
#include "o2c_qim2col.h"

/* The padded channel's rows and row length (plus 4 bytes the 32-bit loads may touch). */
static inline void o2c_qdwconv_padded(const o2c_qconv_shape *s, int32_t *rows, int32_t *cols)
{
    const int32_t need_h = (s->out_h - 1) * s->stride_h + (s->k_h - 1) * s->dil_h + 1;
    const int32_t need_w = (s->out_w - 1) * s->stride_w + (s->k_w - 1) * s->dil_w + 1;
    *rows = need_h > s->pad_top + s->in_h ? need_h : s->pad_top + s->in_h;
    *cols = need_w > s->pad_left + s->in_w ? need_w : s->pad_left + s->in_w;
}

/* The padded channel and slack after it, all holding the zero point: the 32-bit loads
 * touch 4 bytes past the plane; the AVX-512 path may lay stride-2 rows out split by
 * parity, each row one byte longer, and its 64-byte loads for the last lanes (computed,
 * then dropped) reach past the plane - enough slack lets all of them be whole loads,
 * which on small planes are most loads. */
static inline size_t o2c_qdwconv_scratch_bytes(const o2c_qconv_shape *s)
{
    int32_t rows, cols;
    o2c_qdwconv_padded(s, &rows, &cols);
    return ((size_t)rows + (size_t)s->stride_h) * ((size_t)cols + 1u) + 68u;
}

/* Channel plane xc (bytes) into the interior of pad (rows `cols` apart), whose border
 * holds the zero point from the first channel on.  A row of 4 bytes or more goes as
 * 32-bit words (unaligned loads and stores on Cortex-M), the last one ending at the
 * row's end, overlapping its neighbour, so that no byte loop is needed. */
static inline void o2c_qdwconv_copy(const o2c_qconv_shape *s, const uint8_t *xc,
                                    int32_t cols, uint8_t *pad)
{
    uint8_t *dst = pad + (size_t)s->pad_top * cols + s->pad_left;
    const int32_t in_w = s->in_w;
    int32_t r, i;
    for (r = 0; r < s->in_h; r++, dst += cols, xc += in_w) {
        if (in_w < 4) {
            for (i = 0; i < in_w; i++)
                dst[i] = xc[i];
            continue;
        }
        for (i = 0; i + 4 < in_w; i += 4)
            memcpy(dst + i, xc + i, 4u);
        memcpy(dst + in_w - 4, xc + in_w - 4, 4u);
    }
}

/* One output of a whole window at p (rows `cols` apart) in plain C. */
#define O2C_QDW_WINDOW(NAME, T)                                                           \
    static inline int32_t NAME(const o2c_qconv_shape *s, const uint8_t *p, int32_t cols,  \
                               const int8_t *wc, int32_t acc)                             \
    {                                                                                     \
        int32_t kh, kw;                                                                   \
        for (kh = 0; kh < s->k_h; kh++) {                                                 \
            const T *row = (const T *)(const void *)(p + (size_t)kh * s->dil_h * cols);   \
            for (kw = 0; kw < s->k_w; kw++)                                               \
                acc += (int32_t)row[kw * s->dil_w] * wc[kh * s->k_w + kw];                \
        }                                                                                 \
        return acc;                                                                       \
    }
O2C_QDW_WINDOW(o2c_qdw_window_u8, uint8_t)
O2C_QDW_WINDOW(o2c_qdw_window_s8, int8_t)

#if defined(O2C_ARM_DSP)
#include "o2c_qdwconv_arm.h"
#elif defined(O2C_X86_AVX2)
#include "o2c_qdwconv_x86.h"
#include "o2c_qdwconv_x512.h"
#endif

/* The outputs of one channel from its padded copy. */
static inline void o2c_qdwconv_plane(const o2c_qconv_shape *s, int32_t x_signed,
                                     const uint8_t *pad, int32_t cols, const int8_t *wc,
                                     int32_t acc0, const o2c_qepilogue *e, int32_t c,
                                     unsigned char *yc, size_t elem)
{
    const int fast = e->mode == O2C_QEPI_REQUANT && !e->fixed;
    const float scale = e->scale ? e->scale[e->per_row ? c : 0] : 0.0f;
    const o2c_qout q = e->q;
    int32_t oh, ow;
#if defined(O2C_ARM_DSP)
    if (fast && s->k_h == 3 && s->k_w == 3 && s->dil_h == 1 && s->dil_w == 1) {
        int32_t wq[5];
        wq[0] = (int32_t)(uint16_t)wc[0] | ((int32_t)wc[2] << 16);
        wq[1] = (int32_t)(uint16_t)wc[3] | ((int32_t)wc[5] << 16);
        wq[2] = (int32_t)(uint16_t)wc[6] | ((int32_t)wc[8] << 16);
        wq[3] = (int32_t)(uint16_t)wc[1] | ((int32_t)wc[4] << 16);
        wq[4] = wc[7];
        if (x_signed && q.lo < 0)
            o2c_qdw3_plane_ss(s, pad, cols, wq, acc0, scale, q.zero, yc);
        else if (x_signed)
            o2c_qdw3_plane_su(s, pad, cols, wq, acc0, scale, q.zero, yc);
        else if (q.lo < 0)
            o2c_qdw3_plane_us(s, pad, cols, wq, acc0, scale, q.zero, yc);
        else
            o2c_qdw3_plane_uu(s, pad, cols, wq, acc0, scale, q.zero, yc);
        return;
    }
#elif defined(O2C_X86_AVX2)
    if (fast && o2c_qdwconv_x86_fits(s)) {
        int32_t rows, padded_cols;
        o2c_qdwconv_padded(s, &rows, &padded_cols);
        o2c_qdwconv_plane_x86(s, x_signed, pad, rows, cols, wc, acc0, scale, q, yc);
        return;
    }
#endif
    for (oh = 0; oh < s->out_h; oh++) {
        const uint8_t *p = pad + (size_t)oh * s->stride_h * cols;
        unsigned char *y = yc + (size_t)oh * s->out_w * elem;
        for (ow = 0; ow < s->out_w; ow++, p += s->stride_w, y += elem) {
            const int32_t acc = x_signed ? o2c_qdw_window_s8(s, p, cols, wc, acc0)
                                         : o2c_qdw_window_u8(s, p, cols, wc, acc0);
            if (fast)
                *y = (uint8_t)o2c_requant(acc, scale, q);
            else
                o2c_qepilogue_store(e, c, acc, y);
        }
    }
}

/* Depthwise y = conv(x, w) + bias through the epilogue, padding reading x_zero (see
 * above); w is C x (k_h * k_w) int8; scratch: o2c_qdwconv_scratch_bytes. */
static inline int o2c_qdwconv(const o2c_qconv_shape *s, int32_t x_signed, const void *x,
                              int32_t x_zero, const int8_t *w, const int32_t *bias,
                              const o2c_qepilogue *e, void *y, void *scratch)
{
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const size_t elem = o2c_qepilogue_bytes(e);
    const int32_t taps = s->k_h * s->k_w;
    uint8_t *pad = (uint8_t *)scratch;
    int32_t rows, cols, b, c;
#if defined(O2C_X86_AVX512)
    uint64_t keep[O2C_QDWX_LANES / 64];
    o2c_qdwx_layout lay;
    int x512;
#endif
#if defined(O2C_X86_AVX512) && defined(__AVX512VBMI2__)
    o2c_qdwx_block blocks[O2C_QDWX_COPY_BLOCKS];
    int32_t n_blocks = 0;
#endif
    o2c_qdwconv_padded(s, &rows, &cols);
    memset(pad, x_zero & 0xFF, o2c_qdwconv_scratch_bytes(s));
#if defined(O2C_X86_AVX512)
    x512 = e->mode == O2C_QEPI_REQUANT && !e->fixed && o2c_qdwconv_x512_fits(s, x_signed, cols);
    if (x512) {
        lay = o2c_qdwx_layout_of(s, rows, cols);
        o2c_qdwx_keep(s, lay.lane_cols, keep);
    }
#endif
#if defined(O2C_X86_AVX512) && defined(__AVX512VBMI2__)
    if (x512 && !lay.odd_base)
        n_blocks = o2c_qdwx_blocks(s, rows, cols, blocks);
#endif
    for (b = 0; b < s->batch; b++) {
        for (c = 0; c < s->out_c; c++) {
            const size_t bc = (size_t)b * s->out_c + (size_t)c;
#if defined(O2C_X86_AVX512) && defined(__AVX512VBMI2__)
            if (n_blocks)
                o2c_qdwx_copy(blocks, n_blocks, (size_t)rows * (size_t)cols,
                              (const uint8_t *)x + bc * in_plane, x_zero, pad);
            else
#endif
#if defined(O2C_X86_AVX512)
            if (x512 && lay.odd_base)
                o2c_qdwx_copy_rows(s, &lay, (const uint8_t *)x + bc * in_plane, pad);
            else
#endif
            o2c_qdwconv_copy(s, (const uint8_t *)x + bc * in_plane, cols, pad);
#if defined(O2C_X86_AVX512)
            if (x512) {
                o2c_qdwconv_plane_x512(s, x_signed, pad, &lay, w + (size_t)c * taps,
                                       bias ? bias[c] : 0,
                                       e->scale ? e->scale[e->per_row ? c : 0] : 0.0f, e->q,
                                       keep, (uint8_t *)y + bc * out_plane);
                continue;
            }
#endif
            o2c_qdwconv_plane(s, x_signed, pad, cols, w + (size_t)c * taps, bias ? bias[c] : 0,
                              e, c, (unsigned char *)y + bc * out_plane * elem, elem);
        }
    }
    return O2C_OK;
}

#endif /* O2C_QDWCONV_H */
