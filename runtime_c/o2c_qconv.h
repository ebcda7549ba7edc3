/*
 * o2c_qconv.h - int8 convolutions over NCHW images (a 1-D image has in_h = out_h = 1).
 *
 *   o2c_qconv          any group count, weights packed as o2c_qgemm.h's row pairs (per
 *                      group), through column tiles of O2C_QTILE output positions
 *   o2c_qdwconv        depthwise (one input and one output channel per group), weights
 *                      C x (k_h * k_w) int8
 *   o2c_qconv_ref      run-time weights and quantization parameters (reference loops)
 *
 * Inputs are 8-bit (x_signed says int8 or uint8) with zero point x_zero; the kernels
 * compute sum((x - x_zero) * w) + bias exactly in int32 and hand each sum to the
 * epilogue (o2c_qgemm.h).  Padding contributes nothing, as if it held x_zero.
 *
 * In place: o2c_qconv may write y over x when the conv is pointwise (1x1, stride 1, no
 * padding, one group, in_c == out_c): a tile's inputs are all in the tile buffer before
 * its outputs are written.  o2c_qdwconv writes over x when given a plane of scratch
 * (o2c_qdwconv_scratch_bytes with inplace set) and out_h x out_w == in_h x in_w: each
 * channel is computed there and copied over its input channel, which nothing else reads.
 */
#ifndef O2C_QCONV_H
#define O2C_QCONV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_abi.h"
#include "o2c_qgemm.h"

typedef struct {
    int32_t batch, in_c, in_h, in_w, out_c, out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, groups;
} o2c_qconv_shape;

static inline int32_t o2c_qconv_k(const o2c_qconv_shape *s)
{
    return s->in_c / s->groups * s->k_h * s->k_w;
}

/* Scratch of o2c_qconv: one column tile. */
static inline size_t o2c_qconv_scratch_bytes(const o2c_qconv_shape *s)
{
    return o2c_qgemm_tile_bytes(o2c_qconv_k(s));
}

/* The column tile of output positions p0 .. p0+n-1 over input channels c0 .. c0+cin-1
 * of image x (channel planes in_h * in_w apart). */
#define O2C_QCONV_IM2COL(NAME, T)                                                          \
    static inline void NAME(const o2c_qconv_shape *s, const T *x, int32_t c0, int32_t zero, \
                            int32_t p0, int32_t n, int16_t *tile)                          \
    {                                                                                      \
        const int32_t cin = s->in_c / s->groups, K = cin * s->k_h * s->k_w;               \
        const size_t plane = (size_t)s->in_h * (size_t)s->in_w;                            \
        int32_t j, c, kh, kw;                                                              \
        for (j = 0; j < O2C_QTILE; j++) {                                                  \
            int16_t *t = tile + 2 * j;                                                     \
            int32_t k = 0;                                                                 \
            if (j < n) {                                                                   \
                const int32_t oh = (p0 + j) / s->out_w, ow = (p0 + j) % s->out_w;          \
                const int32_t ih0 = oh * s->stride_h - s->pad_top;                         \
                const int32_t iw0 = ow * s->stride_w - s->pad_left;                        \
                for (c = 0; c < cin; c++) {                                                \
                    const T *xc = x + (size_t)(c0 + c) * plane;                            \
                    for (kh = 0; kh < s->k_h; kh++) {                                      \
                        const int32_t ih = ih0 + kh * s->dil_h;                            \
                        const int inside_h = ih >= 0 && ih < s->in_h;                      \
                        for (kw = 0; kw < s->k_w; kw++, k++) {                             \
                            const int32_t iw = iw0 + kw * s->dil_w;                        \
                            int32_t v = 0;                                                 \
                            if (inside_h && iw >= 0 && iw < s->in_w)                       \
                                v = (int32_t)xc[(size_t)ih * s->in_w + iw] - zero;         \
                            t[(k >> 1) * 2 * O2C_QTILE + (k & 1)] = (int16_t)v;            \
                        }                                                                  \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
            for (; k < ((K + 1) & ~1); k++)                                                \
                t[(k >> 1) * 2 * O2C_QTILE + (k & 1)] = 0;                                 \
        }                                                                                  \
    }
O2C_QCONV_IM2COL(o2c_qconv_im2col_u8, uint8_t)
O2C_QCONV_IM2COL(o2c_qconv_im2col_s8, int8_t)

/* The epilogue of rows r0 .. of a group: per-channel arrays moved to its channels. */
static inline o2c_qepilogue o2c_qepilogue_from(const o2c_qepilogue *e, int32_t r0)
{
    o2c_qepilogue g = *e;
    if (e->per_row) {
        g.scale = e->scale ? e->scale + r0 : NULL;
        g.fixed = e->fixed ? e->fixed + r0 : NULL;
        g.bias_f = e->bias_f ? e->bias_f + r0 : NULL;
    }
    return g;
}

/* y = conv(x - x_zero, w) + bias through the epilogue; scratch: o2c_qconv_scratch_bytes. */
static inline int o2c_qconv(const o2c_qconv_shape *s, int32_t x_signed, const void *x,
                            int32_t x_zero, const int8_t *w, const int32_t *bias,
                            const o2c_qepilogue *e, void *y, void *scratch)
{
    const int32_t cog = s->out_c / s->groups, K = o2c_qconv_k(s), K2 = (K + 1) & ~1;
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const size_t elem = o2c_qepilogue_bytes(e), wg = o2c_qgemm_packed_bytes(cog, K);
    int16_t *tile = (int16_t *)scratch;
    int32_t b, g, p;
    for (b = 0; b < s->batch; b++) {
        const unsigned char *xb = (const unsigned char *)x + (size_t)b * s->in_c * in_plane;
        unsigned char *yb = (unsigned char *)y + (size_t)b * s->out_c * out_plane * elem;
        for (g = 0; g < s->groups; g++) {
            const o2c_qepilogue eg = o2c_qepilogue_from(e, g * cog);
            for (p = 0; p < (int32_t)out_plane; p += O2C_QTILE) {
                const int32_t n = (int32_t)out_plane - p < O2C_QTILE ? (int32_t)out_plane - p
                                                                   : O2C_QTILE;
                if (x_signed)
                    o2c_qconv_im2col_s8(s, (const int8_t *)xb, g * (s->in_c / s->groups),
                                        x_zero, p, n, tile);
                else
                    o2c_qconv_im2col_u8(s, (const uint8_t *)xb, g * (s->in_c / s->groups),
                                        x_zero, p, n, tile);
                o2c_qgemm_tile(cog, K2, w + (size_t)g * wg, bias ? bias + g * cog : NULL,
                               tile, n, &eg,
                               yb + ((size_t)g * cog * out_plane + (size_t)p) * elem,
                               out_plane, 1u);
            }
        }
    }
    return O2C_OK;
}

/* Scratch of o2c_qdwconv: one output plane (in the epilogue's type) when in place. */
static inline size_t o2c_qdwconv_scratch_bytes(const o2c_qconv_shape *s, int32_t inplace,
                                               size_t elem)
{
    return inplace ? (size_t)s->out_h * (size_t)s->out_w * elem : 0u;
}

#define O2C_QDWCONV_PLANE(NAME, T)                                                         \
    static inline void NAME(const o2c_qconv_shape *s, const T *xc, int32_t zero,           \
                            const int8_t *wc, int32_t acc0, const o2c_qepilogue *e,        \
                            int32_t c, unsigned char *yc, size_t elem)                     \
    {                                                                                      \
        int32_t oh, ow, kh, kw;                                                            \
        for (oh = 0; oh < s->out_h; oh++) {                                                \
            const int32_t ih0 = oh * s->stride_h - s->pad_top;                             \
            for (ow = 0; ow < s->out_w; ow++) {                                            \
                const int32_t iw0 = ow * s->stride_w - s->pad_left;                        \
                int32_t acc = acc0;                                                        \
                for (kh = 0; kh < s->k_h; kh++) {                                          \
                    const int32_t ih = ih0 + kh * s->dil_h;                                \
                    if (ih < 0 || ih >= s->in_h)                                           \
                        continue;                                                          \
                    for (kw = 0; kw < s->k_w; kw++) {                                      \
                        const int32_t iw = iw0 + kw * s->dil_w;                            \
                        if (iw >= 0 && iw < s->in_w)                                       \
                            acc += ((int32_t)xc[(size_t)ih * s->in_w + iw] - zero) *       \
                                   wc[kh * s->k_w + kw];                                   \
                    }                                                                      \
                }                                                                          \
                o2c_qepilogue_store(e, c, acc,                                             \
                                    yc + ((size_t)oh * s->out_w + ow) * elem);             \
            }                                                                              \
        }                                                                                  \
    }
O2C_QDWCONV_PLANE(o2c_qdwconv_plane_u8, uint8_t)
O2C_QDWCONV_PLANE(o2c_qdwconv_plane_s8, int8_t)

/* Depthwise y = conv(x - x_zero, w) + bias; in place (y == x) with a plane of scratch. */
static inline int o2c_qdwconv(const o2c_qconv_shape *s, int32_t x_signed, const void *x,
                              int32_t x_zero, const int8_t *w, const int32_t *bias,
                              const o2c_qepilogue *e, void *y, void *scratch)
{
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const size_t elem = o2c_qepilogue_bytes(e);
    const int32_t taps = s->k_h * s->k_w;
    int32_t b, c;
    for (b = 0; b < s->batch; b++) {
        for (c = 0; c < s->out_c; c++) {
            const size_t bc = (size_t)b * s->out_c + (size_t)c;
            unsigned char *yc = (unsigned char *)y + bc * out_plane * elem;
            unsigned char *dst = scratch ? (unsigned char *)scratch : yc;
            if (x_signed)
                o2c_qdwconv_plane_s8(s, (const int8_t *)x + bc * in_plane, x_zero,
                                     w + (size_t)c * taps, bias ? bias[c] : 0, e, c, dst, elem);
            else
                o2c_qdwconv_plane_u8(s, (const uint8_t *)x + bc * in_plane, x_zero,
                                     w + (size_t)c * taps, bias ? bias[c] : 0, e, c, dst, elem);
            if (scratch)
                memcpy(yc, scratch, out_plane * elem);
        }
    }
    return O2C_OK;
}

/* The k-th element of an 8-bit array of either signedness. */
static inline int32_t o2c_q8_at(const void *p, int32_t is_signed, size_t k)
{
    return is_signed ? (int32_t)((const int8_t *)p)[k] : (int32_t)((const uint8_t *)p)[k];
}

/*
 * Reference convolution for run-time weights (QLinearConv, ConvInteger): w is
 * out_c x (in_c / groups) x k_h x k_w, 8-bit, with w_zeros zero points (1 or out_c).
 */
static inline int o2c_qconv_ref(const o2c_qconv_shape *s, int32_t x_signed, const void *x,
                                int32_t x_zero, int32_t w_signed, const void *w,
                                const void *w_zero, int32_t w_zeros, const int32_t *bias,
                                const o2c_qepilogue *e, void *y)
{
    const int32_t cin = s->in_c / s->groups, cog = s->out_c / s->groups;
    const int32_t K = cin * s->k_h * s->k_w;
    const size_t elem = o2c_qepilogue_bytes(e);
    int32_t b, oc, oh, ow, c, kh, kw;
    for (b = 0; b < s->batch; b++)
        for (oc = 0; oc < s->out_c; oc++) {
            const int32_t wz = w_zeros ? o2c_q8_at(w_zero, w_signed, w_zeros > 1 ? (size_t)oc : 0u)
                                       : 0;
            const int32_t c0 = oc / cog * cin;
            for (oh = 0; oh < s->out_h; oh++)
                for (ow = 0; ow < s->out_w; ow++) {
                    int32_t acc = bias ? bias[oc] : 0;
                    for (c = 0; c < cin; c++)
                        for (kh = 0; kh < s->k_h; kh++)
                            for (kw = 0; kw < s->k_w; kw++) {
                                const int32_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
                                const int32_t iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
                                const size_t wk = (size_t)oc * K + ((size_t)c * s->k_h + kh) * s->k_w + kw;
                                if (ih < 0 || ih >= s->in_h || iw < 0 || iw >= s->in_w)
                                    continue;
                                acc += (o2c_q8_at(x, x_signed, (((size_t)b * s->in_c + c0 + c) *
                                                               s->in_h + ih) * s->in_w + iw) -
                                        x_zero) * (o2c_q8_at(w, w_signed, wk) - wz);
                            }
                    o2c_qepilogue_store(e, oc, acc, (unsigned char *)y +
                                        ((((size_t)b * s->out_c + oc) * s->out_h + oh) *
                                         s->out_w + ow) * elem);
                }
        }
    return O2C_OK;
}

#endif /* O2C_QCONV_H */
