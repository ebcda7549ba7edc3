/*
 * o2c_conv.h - float32 convolutions on the GEMM kernels of o2c_gemm.h (NCHW images).
 *
 * Every entry point takes the geometry first (an o2c_conv_shape), then tile sizes and the
 * epilogue, then the operands, scratch and the output last, and returns O2C_OK. Each has
 * a *_SCRATCH_BYTES companion giving the scratch it needs; generated code checks at
 * compile time that the workspace plan reserved exactly that.
 *
 *   o2c_conv_gemm_f32          any convolution as C = W * im2col(X), im2col built `tile`
 *                              output positions at a time; a 1x1 stride-1 unpadded one
 *                              multiplies the image itself (no scratch)
 *   o2c_conv_rows_f32          2-D / 1-D convolutions with column stride 1 or 2, directly
 *                              on a stack of the input rows each output row reads
 *                              (o2c_convrow.h), no im2col
 *   o2c_conv_pointwise_band_f32  a pointwise convolution writing over its own input
 *   o2c_conv_depthwise_f32     one input channel per group, direct (o2c_dwconv.h)
 *   o2c_conv_transpose_f32     ConvTranspose as col = W^T * X then col2im
 *
 * Weights are packed A operands (o2c_gemm.h): group g's rows start at
 * g * O2C_PACKED_ROWS(rows per group) * K floats.
 */
#ifndef O2C_CONV_H
#define O2C_CONV_H

#include <stddef.h>
#include <string.h>
#include "o2c_abi.h"
#include "o2c_gemm.h"

/* Sizes of one convolution; 2-D uses depth 1, 1-D also height 1. in_c and out_c count
 * every group; pads are the leading ones (the trailing ones follow from the sizes). */
typedef struct {
    size_t batch, groups;
    size_t in_c, in_d, in_h, in_w;
    size_t out_c, out_d, out_h, out_w;
    size_t k_d, k_h, k_w;
    size_t stride_d, stride_h, stride_w;
    size_t dil_d, dil_h, dil_w;
    size_t pad_d, pad_h, pad_w;
} o2c_conv_shape;

#define O2C_PACKED_ROWS(rows) (((rows) + O2C_PANEL_ROWS - 1) / O2C_PANEL_ROWS * O2C_PANEL_ROWS)
/* input rows (or columns) that `out` outputs' taps reach: padding included */
#define O2C_CONV_SPAN(out, stride, k, dil) (((out) - 1) * (stride) + ((k) - 1) * (dil) + 1)
#define O2C_CONV_IM2COL_SCRATCH_BYTES(k_rows, tile) ((size_t)(k_rows) * (tile) * sizeof(float))
#define O2C_CONV_BAND_SCRATCH_BYTES(out_c, band) ((size_t)(out_c) * (band) * sizeof(float))
#define O2C_CONV_TRANSPOSE_SCRATCH_BYTES(col_rows, tile) \
    ((size_t)(col_rows) * (tile) * sizeof(float))

/* dst[j] = row[start + j * step] where that index is in [0, w), else 0, for j < n */
static inline void o2c_gather_run_f32(const float *row, size_t w, ptrdiff_t start,
                                      size_t step, size_t n, float *dst)
{
    size_t j = 0;
    if (!row) {
        memset(dst, 0, n * sizeof *dst);
        return;
    }
    if (step == 1) {
        /* zeros left of the row, a copy of what lies inside, zeros right of it */
        for (; j < n && start + (ptrdiff_t)j < 0; j++)
            dst[j] = 0.0f;
        if (j < n && start + (ptrdiff_t)j < (ptrdiff_t)w) {
            size_t len = (size_t)((ptrdiff_t)w - start - (ptrdiff_t)j);
            len = len < n - j ? len : n - j;
            o2c_copy_f32(dst + j, row + start + (ptrdiff_t)j, len);
            j += len;
        }
        for (; j < n; j++)
            dst[j] = 0.0f;
        return;
    }
    for (; j < n; j++) {
        const ptrdiff_t i = start + (ptrdiff_t)(j * step);
        dst[j] = i >= 0 && i < (ptrdiff_t)w ? row[i] : 0.0f;
    }
}

/* Input coordinate of output coordinate o under tap t, and whether it is inside. */
static inline ptrdiff_t o2c_conv_in(size_t o, size_t t, size_t stride, size_t dil, size_t pad)
{
    return (ptrdiff_t)(o * stride + t * dil) - (ptrdiff_t)pad;
}

/*
 * im2col of `cols` output positions from flat position p0, for `channels` input channels
 * of one image x (channel stride in_d * in_h * in_w): row (c, kd, kh, kw), column j
 * holds the input element that tap of channel c meets at position p0 + j (0 in the
 * padding). col is channels * k_d * k_h * k_w rows of `cols` floats.
 */
static inline void o2c_im2col_f32(const o2c_conv_shape *s, size_t channels, size_t p0,
                                  size_t cols, const float *x, float *col)
{
    const size_t plane = s->in_d * s->in_h * s->in_w, ow_n = s->out_w;
    size_t c, kd, kh, kw, j = 0, p = p0;
    /* runs of positions that share an output row outermost: their coordinates (three
     * divisions) are worked out once per run, not once per run and tap */
    while (j < cols) {
        const size_t ow = p % ow_n, oh = p / ow_n % s->out_h, od = p / ow_n / s->out_h;
        const size_t run = ow_n - ow < cols - j ? ow_n - ow : cols - j;
        float *dst = col + j;
        for (c = 0; c < channels; c++)
            for (kd = 0; kd < s->k_d; kd++) {
                const ptrdiff_t id = o2c_conv_in(od, kd, s->stride_d, s->dil_d, s->pad_d);
                for (kh = 0; kh < s->k_h; kh++) {
                    const ptrdiff_t ih = o2c_conv_in(oh, kh, s->stride_h, s->dil_h, s->pad_h);
                    const int inside = id >= 0 && id < (ptrdiff_t)s->in_d &&
                                       ih >= 0 && ih < (ptrdiff_t)s->in_h;
                    const float *row = inside ? x + c * plane +
                        ((size_t)id * s->in_h + (size_t)ih) * s->in_w : NULL;
                    for (kw = 0; kw < s->k_w; kw++) {
                        o2c_gather_run_f32(row, s->in_w,
                                           o2c_conv_in(ow, kw, s->stride_w, s->dil_w, s->pad_w),
                                           s->stride_w, run, dst);
                        dst += cols;
                    }
                }
            }
        j += run;
        p += run;
    }
}

/* The epilogue of image n, group g: its bias rows and residual plane. */
static inline o2c_epilogue o2c_conv_group_epilogue(o2c_epilogue ep, size_t rows_before,
                                                   size_t plane)
{
    if (ep.bias)
        ep.bias += rows_before;
    if (ep.residual)
        ep.residual += rows_before * plane;
    ep.residual_ld = plane;
    return ep;
}

static inline int o2c_conv_is_pointwise(const o2c_conv_shape *s)
{
    return s->k_d * s->k_h * s->k_w == 1 && s->stride_d == 1 && s->stride_h == 1 &&
           s->stride_w == 1 && s->pad_d == 0 && s->pad_h == 0 && s->pad_w == 0 &&
           s->in_d == s->out_d && s->in_h == s->out_h && s->in_w == s->out_w;
}

/*
 * Y = epilogue(W * im2col(X)) per image and group, W packed (cout/groups rows, K =
 * cin/groups * kernel size columns per group). Scratch:
 * O2C_CONV_IM2COL_SCRATCH_BYTES(K, tile), none for a pointwise convolution (tile 0).
 */
static inline int o2c_conv_gemm_f32(const o2c_conv_shape *s, size_t tile, o2c_epilogue ep,
                                    const float *x, const float *w, void *scratch, float *y)
{
    const size_t cig = s->in_c / s->groups, cog = s->out_c / s->groups;
    const size_t in_plane = s->in_d * s->in_h * s->in_w;
    const size_t out_plane = s->out_d * s->out_h * s->out_w;
    const size_t K = cig * s->k_d * s->k_h * s->k_w;
    float *col = (float *)scratch;
    size_t n, g, p0;
    for (n = 0; n < s->batch; n++)
        for (g = 0; g < s->groups; g++) {
            const float *xg = x + (n * s->in_c + g * cig) * in_plane;
            const float *wg = w + g * O2C_PACKED_ROWS(cog) * K;
            float *yg = y + (n * s->out_c + g * cog) * out_plane;
            o2c_epilogue eg = o2c_conv_group_epilogue(ep, g * cog, out_plane);
            if (eg.residual)
                eg.residual += n * s->out_c * out_plane;
            if (!tile) {
                o2c_gemm_packed_a_f32(cog, out_plane, K, eg, wg, xg, in_plane, yg, out_plane);
                continue;
            }
            for (p0 = 0; p0 < out_plane; p0 += tile) {
                const size_t cols = out_plane - p0 < tile ? out_plane - p0 : tile;
                o2c_epilogue et = eg;
                if (et.residual)
                    et.residual += p0;
                o2c_im2col_f32(s, cig, p0, cols, xg, col);
                o2c_gemm_packed_a_f32(cog, cols, K, et, wg, col, cols, yg + p0, out_plane);
            }
        }
    return O2C_OK;
}

/*
 * A pointwise convolution with as many outputs as inputs (one group) that may write over
 * its input (y == x): `band` positions at a time go to scratch, then over those
 * positions of the input, which no later band reads.
 * Scratch: O2C_CONV_BAND_SCRATCH_BYTES(out_c, band).
 */
static inline int o2c_conv_pointwise_band_f32(const o2c_conv_shape *s, size_t band,
                                              o2c_epilogue ep, const float *x,
                                              const float *w, void *scratch, float *y)
{
    const size_t plane = s->out_d * s->out_h * s->out_w, C = s->out_c;
    float *buf = (float *)scratch;
    size_t n, p0, c;
    for (n = 0; n < s->batch; n++) {
        const float *xn = x + n * s->in_c * plane;
        float *yn = y + n * C * plane;
        o2c_epilogue en = o2c_conv_group_epilogue(ep, 0, plane);
        if (en.residual)
            en.residual += n * C * plane;
        for (p0 = 0; p0 < plane; p0 += band) {
            const size_t cols = plane - p0 < band ? plane - p0 : band;
            o2c_epilogue et = en;
            if (et.residual)
                et.residual += p0;
            o2c_gemm_packed_a_f32(C, cols, s->in_c, et, w, xn + p0, plane, buf, band);
            for (c = 0; c < C; c++)
                o2c_copy_f32(yn + c * plane + p0, buf + c * band, cols);
        }
    }
    return O2C_OK;
}

/*
 * ConvTranspose: per image and group, col (cout/groups * kernel size rows, `tile` input
 * positions) = W^T * X, W^T packed (its rows are (output channel, kd, kh, kw), K =
 * cin/groups), then every column element is added where its tap lands in the output.
 * The epilogue runs once the output is complete. Here in_* are the ConvTranspose's
 * input, out_* its output; output position o receives input i under tap t when
 * o = i * stride + t * dilation - pad. Scratch: O2C_CONV_TRANSPOSE_SCRATCH_BYTES(rows, tile).
 */
static inline int o2c_conv_transpose_f32(const o2c_conv_shape *s, size_t tile,
                                         o2c_epilogue ep, const float *x, const float *w,
                                         void *scratch, float *y)
{
    const size_t cig = s->in_c / s->groups, cog = s->out_c / s->groups;
    const size_t ksz = s->k_d * s->k_h * s->k_w, rows = cog * ksz;
    const size_t in_plane = s->in_d * s->in_h * s->in_w;
    const size_t out_plane = s->out_d * s->out_h * s->out_w;
    float *col = (float *)scratch;
    size_t n, g, p0, r, j;
    for (n = 0; n < s->batch; n++) {
        float *yn = y + n * s->out_c * out_plane;
        o2c_epilogue en = o2c_conv_group_epilogue(ep, 0, out_plane);
        memset(yn, 0, s->out_c * out_plane * sizeof *yn);
        for (g = 0; g < s->groups; g++) {
            const float *xg = x + (n * s->in_c + g * cig) * in_plane;
            const float *wg = w + g * O2C_PACKED_ROWS(rows) * cig;
            for (p0 = 0; p0 < in_plane; p0 += tile) {
                const size_t cols = in_plane - p0 < tile ? in_plane - p0 : tile;
                o2c_gemm_packed_a_f32(rows, cols, cig, O2C_EPILOGUE_NONE, wg, xg + p0,
                                      in_plane, col, cols);
                for (r = 0; r < rows; r++) {
                    const size_t co = g * cog + r / ksz, t = r % ksz;
                    const size_t kd = t / (s->k_h * s->k_w), kh = t / s->k_w % s->k_h;
                    const size_t kw = t % s->k_w;
                    float *yc = yn + co * out_plane;
                    for (j = 0; j < cols; j++) {
                        const size_t i = p0 + j, iw = i % s->in_w;
                        const size_t ih = i / s->in_w % s->in_h, id = i / s->in_w / s->in_h;
                        const ptrdiff_t od = o2c_conv_in(id, kd, s->stride_d, s->dil_d, s->pad_d);
                        const ptrdiff_t oh = o2c_conv_in(ih, kh, s->stride_h, s->dil_h, s->pad_h);
                        const ptrdiff_t ow = o2c_conv_in(iw, kw, s->stride_w, s->dil_w, s->pad_w);
                        if (od >= 0 && od < (ptrdiff_t)s->out_d && oh >= 0 &&
                            oh < (ptrdiff_t)s->out_h && ow >= 0 && ow < (ptrdiff_t)s->out_w)
                            yc[((size_t)od * s->out_h + (size_t)oh) * s->out_w + (size_t)ow] +=
                                col[r * cols + j];
                    }
                }
            }
        }
        if (en.residual)
            en.residual += n * s->out_c * out_plane;
        o2c_epilogue_rows_f32(s->out_c, out_plane, out_plane, &en, yn);
    }
    return O2C_OK;
}

#endif /* O2C_CONV_H */
