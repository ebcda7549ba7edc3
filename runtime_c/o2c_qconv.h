/*
 * o2c_qconv.h - int8 convolutions over NCHW images (a 1-D image has in_h = out_h = 1).
 *
 *   o2c_qconv          any group count, weights packed as o2c_qgemm.h's row pairs (per
 *                      group), through column tiles of O2C_QTILE output positions
 *   o2c_qdwconv        depthwise (one input and one output channel per group), weights
 *                      C x (k_h * k_w) int8 (o2c_qdwconv.h)
 *   o2c_qconv_ref      run-time weights and quantization parameters (reference loops)
 *
 * Inputs are 8-bit (x_signed says int8 or uint8).  In o2c_qconv and o2c_qdwconv the
 * compiler has folded the input zero point x_zero into the bias, and taps in the padding
 * read x_zero, so the int32 sums are exactly sum((x - x_zero) * w) + bias; each sum goes
 * through the epilogue (o2c_qgemm.h).
 *
 * o2c_qconv orders the K values of a column tap by tap, channels inner ("tap-major",
 * k = (kh * k_w + kw) * C2 + c, the channel count C2 rounded up to even with zero
 * weights): two channels of one tap make one column word, read straight from the two
 * channel planes.  A group with an odd channel count and an even kernel width (a
 * single-channel spectrogram under a 10x4 kernel) keeps ONNX's order (c, kh, kw)
 * instead, and two neighbouring taps of a kernel row make a word: no padding channel.
 * onnx2c/quant/packing.py orders the weights the same way.
 *
 * On x86-64 with AVX512-VNNI a uint8 image under float requantization goes to
 * o2c_qconv_vnni.h (columns as byte quads, the same sums) when its shape allows.
 *
 * In place: o2c_qconv may write y over x when the conv is pointwise (1x1, stride 1, no
 * padding, one group, in_c == out_c): a tile's inputs are all in the tile buffer before
 * its outputs are written.  o2c_qdwconv may write over x when out_h x out_w ==
 * in_h x in_w: each channel is copied (padded) to scratch before its outputs are written.
 */
#ifndef O2C_QCONV_H
#define O2C_QCONV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_abi.h"
#include "o2c_qgemm.h"

#include "o2c_qim2col.h"
#include "o2c_qconv_vnni.h"

/* y = conv(x, w) + bias through the epilogue, padding reading x_zero (see above);
 * scratch: o2c_qconv_scratch_bytes, 4-byte aligned. */
static inline int o2c_qconv(const o2c_qconv_shape *s, int32_t x_signed, const void *x,
                            int32_t x_zero, const int8_t *w, const int32_t *bias,
                            const o2c_qepilogue *e, void *y, void *scratch)
{
    const int32_t cin = s->in_c / s->groups, cog = s->out_c / s->groups;
    const int32_t K = o2c_qconv_k(s), K4 = o2c_qk4(K);
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const size_t elem = o2c_qepilogue_bytes(e), wg = o2c_qgemm_packed_bytes(cog, K);
    const int pointwise = s->k_h == 1 && s->k_w == 1 && s->stride_h == 1 &&
                          s->stride_w == 1 && s->pad_top == 0 && s->pad_left == 0 &&
                          s->in_h == s->out_h && s->in_w == s->out_w;
    uint32_t *tile = (uint32_t *)scratch;
    int32_t b, g, p;
#if defined(O2C_X86_VNNI_U8)
    if (!x_signed && e->mode == O2C_QEPI_REQUANT && !e->fixed && o2c_qv_supported(s, x, y))
        return o2c_qv_conv(s, (const uint8_t *)x, x_zero, w, bias, e, (uint8_t *)y, scratch);
#endif
    for (b = 0; b < s->batch; b++) {
        const unsigned char *xb = (const unsigned char *)x + (size_t)b * s->in_c * in_plane;
        unsigned char *yb = (unsigned char *)y + (size_t)b * s->out_c * out_plane * elem;
        for (g = 0; g < s->groups; g++) {
            const o2c_qepilogue eg = o2c_qepilogue_from(e, g * cog);
            const unsigned char *xg = xb + (size_t)g * cin * in_plane;
            for (p = 0; p < (int32_t)out_plane; p += O2C_QTILE) {
                const int32_t n = (int32_t)out_plane - p < O2C_QTILE ? (int32_t)out_plane - p
                                                                   : O2C_QTILE;
                if (pointwise && x_signed)
                    o2c_qconv_pointwise_s8(cin, in_plane, (const int8_t *)xg + p, n, tile);
                else if (pointwise)
                    o2c_qconv_pointwise_u8(cin, in_plane, xg + p, n, tile);
                else if (x_signed)
                    o2c_qconv_im2col_s8(s, (const int8_t *)xg, x_zero, p, n, tile);
                else
                    o2c_qconv_im2col_u8(s, xg, x_zero, p, n, tile);
                o2c_qgemm_tile(x_signed, cog, K4, w + (size_t)g * wg,
                               bias ? bias + g * cog : NULL,
                               tile, n, &eg,
                               yb + ((size_t)g * cog * out_plane + (size_t)p) * elem,
                               out_plane, 1u);
            }
        }
    }
    return O2C_OK;
}

#include "o2c_qdwconv.h"

/*
 * Reference convolution for run-time weights (QLinearConv, ConvInteger): w is
 * out_c x (in_c / groups) x k_h x k_w, 8-bit, with w_zeros zero points (1 or out_c, 0 for
 * none); x_zero is subtracted from every input tap.
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
