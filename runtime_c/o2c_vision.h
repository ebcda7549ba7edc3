/* o2c_vision.h: where GridSample, DeformConv and RoiAlign sample their input.
 *
 * Coordinates come from run-time data (a grid, offsets, boxes), so every tap is
 * clamped, reflected or marked as padding here before any element is read.  The
 * arithmetic follows onnx.reference (float coordinates, double reflection) so that
 * nearest-neighbour ties and borders land on the same pixels.
 */
#ifndef O2C_VISION_H
#define O2C_VISION_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "o2c_runtime.h"

#define O2C_GRID_NEAREST 0
#define O2C_GRID_LINEAR 1
#define O2C_GRID_CUBIC 2

#define O2C_GRID_ZEROS 0
#define O2C_GRID_BORDER 1
#define O2C_GRID_REFLECTION 2

/* x reflected at lo and hi until it lies between them. */
static inline double o2c_grid_reflect(double x, double lo, double hi)
{
    const double range = hi - lo;
    double d, n, r;
    if (x >= lo && x <= hi) return x;
    if (!(range > 0.0)) return lo;
    d = x < lo ? lo - x : x - hi;
    n = floor(d / range);          /* whole reflections before the last one */
    r = d - n * range;
    if (fmod(n, 2.0) == 0.0) return x < lo ? lo + r : hi - r;
    return x < lo ? hi - r : lo + r;
}

/* The element padding mode `pad` reads for integer position i of an axis of len
 * elements, or -1 for a zero of zero padding. */
static inline int32_t o2c_grid_pixel(int32_t i, int32_t len, int pad, double lo, double hi)
{
    if (i >= 0 && i < len) return i;
    if (pad == O2C_GRID_ZEROS) return -1;
    if (pad == O2C_GRID_BORDER) return i < 0 ? 0 : len - 1;
    /* reflected positions lie in [lo, hi] within half a pixel of the axis: truncation
     * (as the reference's int()) lands inside it */
    i = (int32_t)o2c_grid_reflect((double)i, lo, hi);
    return i < 0 ? 0 : i >= len ? len - 1 : i;
}

/* GridSample's taps along one axis of len elements for the unnormalized coordinate x:
 * their positions (-1 for zero padding) and weights; returns how many (1, 2 or 4). */
static inline int o2c_grid_taps(float x, int32_t len, int mode, int pad, int align_corners,
                                int32_t *idx, float *w)
{
    const double lo = align_corners ? 0.0 : -0.5;
    const double hi = align_corners ? (double)len - 1.0 : (double)len - 0.5;
    int32_t first;
    int n, k;
    if (mode == O2C_GRID_NEAREST) x = o2c_round_evenf(x);
    /* cubic pads each tap instead (PyTorch, onnxruntime): its taps around a clamped
     * coordinate would all read the border */
    if (mode != O2C_GRID_CUBIC && (x < lo || x > hi)) {
        if (pad == O2C_GRID_BORDER) x = x < 0.0f ? 0.0f : (float)(len - 1);
        else if (pad == O2C_GRID_REFLECTION) x = (float)o2c_grid_reflect(x, lo, hi);
    }
    if (!(x > -4.0f && x < (float)len + 4.0f)) {
        /* only zero padding leaves x this far out (or x is NaN): every tap is padding */
        idx[0] = -1;
        w[0] = 0.0f;
        return 1;
    }
    if (mode == O2C_GRID_NEAREST) {
        first = (int32_t)x;
        w[0] = 1.0f;
        n = 1;
    } else {
        const float f = floorf(x), t = x - f;
        first = (int32_t)f;
        if (mode == O2C_GRID_LINEAR) {
            w[0] = 1.0f - t;
            w[1] = t;
            n = 2;
        } else {   /* Keys' cubic convolution with a = -0.75, as PyTorch */
            const float a = -0.75f, t1 = t + 1.0f, s = 1.0f - t, s1 = 2.0f - t;
            w[0] = ((a * t1 - 5.0f * a) * t1 + 8.0f * a) * t1 - 4.0f * a;
            w[1] = ((a + 2.0f) * t - (a + 3.0f)) * t * t + 1.0f;
            w[2] = ((a + 2.0f) * s - (a + 3.0f)) * s * s + 1.0f;
            w[3] = ((a * s1 - 5.0f * a) * s1 + 8.0f * a) * s1 - 4.0f * a;
            first -= 1;
            n = 4;
        }
    }
    for (k = 0; k < n; k++) idx[k] = o2c_grid_pixel(first + k, len, pad, lo, hi);
    return n;
}

/* RoiAlign's bilinear sample at (y, x) of an h x w plane: the offsets of its four
 * neighbours and their weights (all zero when the point is beyond the plane). */
static inline void o2c_roi_bilinear(double y, double x, int32_t h, int32_t w,
                                    size_t *pos, double *wt)
{
    int32_t y0, x0, y1, x1;
    double ly, lx;
    if (!(y >= -1.0 && y <= (double)h && x >= -1.0 && x <= (double)w)) {
        pos[0] = pos[1] = pos[2] = pos[3] = 0;
        wt[0] = wt[1] = wt[2] = wt[3] = 0.0;
        return;
    }
    if (y < 0.0) y = 0.0;
    if (x < 0.0) x = 0.0;
    y0 = (int32_t)y;
    x0 = (int32_t)x;
    if (y0 >= h - 1) { y0 = y1 = h - 1; y = (double)y0; } else y1 = y0 + 1;
    if (x0 >= w - 1) { x0 = x1 = w - 1; x = (double)x0; } else x1 = x0 + 1;
    ly = y - (double)y0;
    lx = x - (double)x0;
    pos[0] = (size_t)y0 * (size_t)w + (size_t)x0;
    pos[1] = (size_t)y0 * (size_t)w + (size_t)x1;
    pos[2] = (size_t)y1 * (size_t)w + (size_t)x0;
    pos[3] = (size_t)y1 * (size_t)w + (size_t)x1;
    wt[0] = (1.0 - ly) * (1.0 - lx);
    wt[1] = (1.0 - ly) * lx;
    wt[2] = ly * (1.0 - lx);
    wt[3] = ly * lx;
}

/* How many samples RoiAlign takes along a bin of `extent` pixels when sampling_ratio
 * is 0: ceil(extent), at least 0; -1 when the count cannot be represented. */
static inline int32_t o2c_roi_samples(double extent)
{
    const double c = ceil(extent);
    if (!(c > 0.0)) return 0;
    return c < 2147483647.0 ? (int32_t)c : -1;
}

#endif
