/*
 * o2c_pool.h - 2-D max and average pooling of float32 planes (MaxPool, AveragePool and
 * their Global forms without dilation or Indices; ops/pool.py picks it).
 *
 * o2c_pool2d_f32(kind, planes, in_h, in_w, out_h, out_w, kernel_h, kernel_w, stride_h,
 *                stride_w, pad_top, pad_left, pad_bottom, pad_right, x, y)
 *   x: planes x in_h x in_w, y: planes x out_h x out_w. The window of output (oy, ox)
 *   covers input rows oy * stride_h - pad_top + [0, kernel_h) and the columns likewise;
 *   elements outside the input are left out. O2C_POOL_MAX keeps the largest (a NaN never
 *   replaces a number, as in onnx2c's generic pooling loop), O2C_POOL_AVG divides the sum
 *   by the elements inside the input, O2C_POOL_AVG_PAD (count_include_pad) by those
 *   inside the padded input, not counting what ceil_mode adds beyond it.
 *   Each output sums its window row by row, left to right, like the generic loop, so
 *   the results are the same to the bit. Columns whose window lies inside the input are
 *   computed a row at a time across the output row, a loop compilers vectorise.
 *   A window that is the whole unpadded plane (GlobalAveragePool, a classifier's last
 *   AveragePool) is one contiguous run folded in O2C_POOL_LANES interleaved partial
 *   results: a maximum is the same to the bit, an average's sum is reassociated (within
 *   a few ulp per element, far inside the tolerance) so that it vectorises instead of
 *   waiting on one chain of additions.
 *   Returns O2C_OK.
 */
#ifndef O2C_POOL_H
#define O2C_POOL_H

#include <math.h>
#include <stddef.h>
#include "o2c_abi.h"
#include "o2c_simd.h"

#define O2C_POOL_MAX 0
#define O2C_POOL_AVG 1
#define O2C_POOL_AVG_PAD 2

static inline float o2c_pool_fold(int kind, float acc, float v)
{
    if (kind == O2C_POOL_MAX)
        return v > acc ? v : acc;
    return acc + v;
}

/* acc[j] folds in x[j * stride] for j < n (a unit stride apart, so that it vectorises) */
static inline void o2c_pool_span(int kind, size_t n, size_t stride, const float *restrict x,
                                 float *restrict acc)
{
    if (stride == 1) {
        for (size_t j = 0; j < n; j++)
            acc[j] = o2c_pool_fold(kind, acc[j], x[j]);
    } else {
        for (size_t j = 0; j < n; j++)
            acc[j] = o2c_pool_fold(kind, acc[j], x[j * stride]);
    }
}

/* [*lo, *hi): the part of window [start, start + k) that lies in [first, last) */
static inline void o2c_pool_clip(ptrdiff_t start, size_t k, ptrdiff_t first, ptrdiff_t last,
                                 ptrdiff_t *lo, ptrdiff_t *hi)
{
    *lo = start > first ? start : first;
    *hi = start + (ptrdiff_t)k < last ? start + (ptrdiff_t)k : last;
    if (*hi < *lo)
        *hi = *lo;
}

/* the columns of output ox's window inside [first, last) */
static inline size_t o2c_pool_cols(size_t ox, size_t stride_w, size_t pad_left,
                                   size_t kernel_w, ptrdiff_t first, ptrdiff_t last,
                                   ptrdiff_t *lo)
{
    ptrdiff_t hi;
    o2c_pool_clip((ptrdiff_t)(ox * stride_w) - (ptrdiff_t)pad_left, kernel_w, first, last,
                  lo, &hi);
    return (size_t)(hi - *lo);
}

/* independent partial results of a whole-plane fold: two vectors' worth hides a vector
 * target's addition latency; a scalar FPU keeps four in registers */
#define O2C_POOL_LANES (O2C_VF > 1 ? 2 * O2C_VF : 4)

/* kind's fold of x[0..n) (kind's start value when n is 0): lane j folds x[j], x[j +
 * LANES], ... (a loop compilers vectorise), then the lanes fold in order, then the tail;
 * every lane index is a constant, so a scalar FPU keeps the lanes in registers */
static inline float o2c_pool_whole(int kind, size_t n, const float *restrict x)
{
    float acc[O2C_POOL_LANES], total;
    const size_t body = n - n % O2C_POOL_LANES;
    size_t i, j;
    O2C_UNROLL for (j = 0; j < O2C_POOL_LANES; j++)
        acc[j] = kind == O2C_POOL_MAX ? -INFINITY : 0.0f;
    if (kind == O2C_POOL_MAX) {
        for (i = 0; i < body; i += O2C_POOL_LANES)
            O2C_UNROLL for (j = 0; j < O2C_POOL_LANES; j++)
                acc[j] = x[i + j] > acc[j] ? x[i + j] : acc[j];
    } else {
        for (i = 0; i < body; i += O2C_POOL_LANES)
            O2C_UNROLL for (j = 0; j < O2C_POOL_LANES; j++)
                acc[j] += x[i + j];
    }
    total = acc[0];
    O2C_UNROLL for (j = 1; j < O2C_POOL_LANES; j++)
        total = o2c_pool_fold(kind, total, acc[j]);
    for (i = 0; i < n % O2C_POOL_LANES; i++)
        total = o2c_pool_fold(kind, total, x[body + i]);
    return total;
}

/* output ox of a row folds in the part of its window inside input row xr */
static inline void o2c_pool_edge(int kind, size_t ox, size_t stride_w, size_t pad_left,
                                 size_t kernel_w, size_t in_w, const float *xr, float *row)
{
    ptrdiff_t lo;
    const size_t n = o2c_pool_cols(ox, stride_w, pad_left, kernel_w, 0, (ptrdiff_t)in_w, &lo);
    for (size_t k = 0; k < n; k++)
        row[ox] = o2c_pool_fold(kind, row[ox], xr[(size_t)lo + k]);
}

static inline int o2c_pool2d_f32(int kind, size_t planes, size_t in_h, size_t in_w,
                                 size_t out_h, size_t out_w, size_t kernel_h, size_t kernel_w,
                                 size_t stride_h, size_t stride_w, size_t pad_top,
                                 size_t pad_left, size_t pad_bottom, size_t pad_right,
                                 const float *restrict x, float *restrict y)
{
    const float start = kind == O2C_POOL_MAX ? -INFINITY : 0.0f;
    /* outputs [inner_lo, inner_hi) have windows inside the columns of the input */
    size_t inner_lo = (pad_left + stride_w - 1) / stride_w, inner_hi = 0;
    if (in_w + pad_left >= kernel_w)
        inner_hi = (in_w + pad_left - kernel_w) / stride_w + 1;
    if (inner_hi > out_w)
        inner_hi = out_w;
    if (inner_lo > inner_hi)
        inner_lo = inner_hi;
    /* With unit strides and "same" widths, output rows [flat_lo, flat_hi) whose windows
       lie inside the input rows map element for element onto input rows shifted by a
       constant: their inside columns are one long run per kernel tap (the run also
       passes over the edge columns, which are then computed again). */
    const size_t flat_lo = pad_top;
    size_t flat_hi = in_h + pad_top >= kernel_h ? in_h + pad_top - kernel_h + 1 : 0;
    if (flat_hi > out_h)
        flat_hi = out_h;
    const int flat = stride_h == 1 && stride_w == 1 && out_w == in_w && flat_lo < flat_hi &&
                     inner_lo < inner_hi;
    if (out_h == 1 && out_w == 1 && kernel_h == in_h && kernel_w == in_w && !pad_top &&
        !pad_left && !pad_bottom && !pad_right) {
        for (size_t plane = 0; plane < planes; plane++) {
            const float v = o2c_pool_whole(kind, in_h * in_w, x + plane * in_h * in_w);
            y[plane] = kind == O2C_POOL_MAX ? v : v / (float)(in_h * in_w);
        }
        return O2C_OK;
    }
    for (size_t plane = 0; plane < planes; plane++) {
        const float *xp = x + plane * in_h * in_w;
        if (flat) {
            float *run = y + (plane * out_h + flat_lo) * out_w + inner_lo;
            const size_t n = (flat_hi - 1 - flat_lo) * out_w + (inner_hi - inner_lo);
            for (size_t j = 0; j < n; j++)
                run[j] = start;
            for (size_t ky = 0; ky < kernel_h; ky++)
                for (size_t kx = 0; kx < kernel_w; kx++)
                    o2c_pool_span(kind, n, 1, xp + (flat_lo - pad_top + ky) * in_w + inner_lo -
                                  pad_left + kx, run);
        }
        for (size_t oy = 0; oy < out_h; oy++) {
            float *row = y + (plane * out_h + oy) * out_w;
            const ptrdiff_t top = (ptrdiff_t)(oy * stride_h) - (ptrdiff_t)pad_top;
            const int inside_done = flat && oy >= flat_lo && oy < flat_hi;
            ptrdiff_t y_lo, y_hi;
            o2c_pool_clip(top, kernel_h, 0, (ptrdiff_t)in_h, &y_lo, &y_hi);
            for (size_t ox = 0; ox < out_w; ox++)
                if (!inside_done || ox < inner_lo || ox >= inner_hi)
                    row[ox] = start;
            for (ptrdiff_t iy = y_lo; iy < y_hi; iy++) {
                const float *xr = xp + (size_t)iy * in_w;
                for (size_t ox = 0; ox < inner_lo; ox++)
                    o2c_pool_edge(kind, ox, stride_w, pad_left, kernel_w, in_w, xr, row);
                /* the inside columns: one kernel column at a time, across the row */
                for (size_t kx = 0; kx < kernel_w && inner_hi > inner_lo && !inside_done; kx++)
                    o2c_pool_span(kind, inner_hi - inner_lo, stride_w,
                                  xr + inner_lo * stride_w - pad_left + kx, row + inner_lo);
                for (size_t ox = inner_hi; ox < out_w; ox++)
                    o2c_pool_edge(kind, ox, stride_w, pad_left, kernel_w, in_w, xr, row);
            }
            if (kind == O2C_POOL_MAX)
                continue;
            /* the divisor: elements inside the input, or inside the padded input */
            const int pad = kind == O2C_POOL_AVG_PAD;
            ptrdiff_t first = pad ? -(ptrdiff_t)pad_left : 0, lo;
            ptrdiff_t last = (ptrdiff_t)(in_w + (pad ? pad_right : 0)), rows = y_hi - y_lo;
            if (pad)
                o2c_pool_clip(top, kernel_h, -(ptrdiff_t)pad_top, (ptrdiff_t)(in_h + pad_bottom),
                              &y_lo, &y_hi);
            rows = pad ? y_hi - y_lo : rows;
            const float inner = (float)((size_t)rows * kernel_w);
            for (size_t ox = inner_lo; ox < inner_hi; ox++)
                row[ox] = row[ox] / inner;
            for (size_t ox = 0; ox < out_w; ox++) {
                if (ox == inner_lo)
                    ox = inner_hi;
                if (ox == out_w)
                    break;
                const size_t cols = o2c_pool_cols(ox, stride_w, pad_left, kernel_w, first,
                                                  last, &lo);
                row[ox] = row[ox] / (float)((size_t)rows * cols);
            }
        }
    }
    return O2C_OK;
}

#endif /* O2C_POOL_H */
