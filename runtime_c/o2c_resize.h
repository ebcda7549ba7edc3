/* o2c_resize.h: where ONNX Resize/Upsample samples its input along one axis.
 *
 * Resize is separable: each output coordinate along an axis reads a few input
 * positions ("taps") with weights that depend only on that coordinate.  Kernels
 * tabulate the taps of every output coordinate once per call, then interpolate.
 * The arithmetic is done in double, in the order of onnx.reference's op_resize,
 * so that nearest-neighbour ties and crop boundaries round the same way.
 */
#ifndef O2C_RESIZE_H
#define O2C_RESIZE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* coordinate_transformation_mode */
#define O2C_RESIZE_HALF_PIXEL 0
#define O2C_RESIZE_HALF_PIXEL_SYMMETRIC 1
#define O2C_RESIZE_PYTORCH_HALF_PIXEL 2
#define O2C_RESIZE_ALIGN_CORNERS 3
#define O2C_RESIZE_ASYMMETRIC 4
#define O2C_RESIZE_TF_HALF_PIXEL_FOR_NN 5
#define O2C_RESIZE_TF_CROP_AND_RESIZE 6

/* Interpolation kernel; the nearest kinds (one tap) say which neighbour a fraction picks. */
#define O2C_RESIZE_LINEAR 0
#define O2C_RESIZE_CUBIC 1
#define O2C_RESIZE_ROUND_PREFER_FLOOR 2
#define O2C_RESIZE_ROUND_PREFER_CEIL 3
#define O2C_RESIZE_FLOOR 4
#define O2C_RESIZE_CEIL 5

typedef struct {
    int32_t in_len, out_len;
    double scale;          /* after keep_aspect_ratio_policy; sizes give out/in */
    int coord;             /* O2C_RESIZE_HALF_PIXEL ... */
    int kernel;            /* O2C_RESIZE_LINEAR ... */
    int32_t taps;          /* 1 for nearest, else the (antialiased) filter's support */
    double cubic_a;
    int antialias, exclude_outside;
} o2c_resize_axis;

/* Whether a scale read at run time gives the compiled output length, computed as the
 * reference computes it: scale * in truncated (round 0), or rounded half up (round 0.5)
 * for keep_aspect_ratio_policy. */
static inline int o2c_resize_len_ok(double scale, int64_t in, int64_t out, double round)
{
    const double len = scale * (double)in + round;
    return scale > 0.0 && len < 9.0e18 && (int64_t)len == out;
}

/* keep_aspect_ratio_policy not_larger (larger = 0) or not_smaller: the one scale of all n
 * resized axes, from the sizes asked for and the input lengths. */
static inline double o2c_resize_policy_scale(const int64_t *sizes, const int64_t *in,
                                             size_t n, int larger)
{
    double s = (double)sizes[0] / (double)in[0];
    size_t i;
    for (i = 1; i < n; i++) {
        const double t = (double)sizes[i] / (double)in[i];
        if (larger ? t > s : t < s) s = t;
    }
    return s;
}

/* The input coordinate output position o maps to. */
static inline double o2c_resize_source(const o2c_resize_axis *a, int32_t o,
                                       double roi_lo, double roi_hi)
{
    const double y = (double)o, in = (double)a->in_len;
    const double len = a->scale * in;   /* the reference's (fractional) output length */
    switch (a->coord) {
    case O2C_RESIZE_ALIGN_CORNERS:
        return len == 1.0 ? 0.0 : y * (in - 1.0) / (len - 1.0);
    case O2C_RESIZE_ASYMMETRIC:
        return y / a->scale;
    case O2C_RESIZE_TF_HALF_PIXEL_FOR_NN:
        return (y + 0.5) / a->scale;
    case O2C_RESIZE_TF_CROP_AND_RESIZE:
        return (len == 1.0 ? (roi_hi - roi_lo) * (in - 1.0) / 2.0
                           : y * (roi_hi - roi_lo) * (in - 1.0) / (len - 1.0))
               + roi_lo * (in - 1.0);
    case O2C_RESIZE_PYTORCH_HALF_PIXEL:
        return a->out_len > 1 ? (y + 0.5) / a->scale - 0.5 : 0.0;
    case O2C_RESIZE_HALF_PIXEL_SYMMETRIC:
        return in / 2.0 * (1.0 - (double)a->out_len / len) + (y + 0.5) / a->scale - 0.5;
    default:
        return (y + 0.5) / a->scale - 0.5;
    }
}

/* The filter at distance t, written as the reference writes it (antialiasing uses the
 * power form of the cubic), so that weights round identically. */
static inline double o2c_resize_filter(const o2c_resize_axis *a, double t)
{
    const double A = a->cubic_a;
    t = fabs(t);
    if (a->kernel == O2C_RESIZE_LINEAR)
        return t < 1.0 ? 1.0 - t : 0.0;
    if (a->antialias) {
        const double t2 = t * t, t3 = t * t2;
        return t <= 1.0 ? (A + 2.0) * t3 - (A + 3.0) * t2 + 1.0
             : t < 2.0 ? A * t3 - 5.0 * A * t2 + 8.0 * A * t - 4.0 * A : 0.0;
    }
    if (t <= 1.0)
        return ((A + 2.0) * t - (A + 3.0)) * t * t + 1.0;
    if (t < 2.0)
        return ((A * t - 5.0 * A) * t + 8.0 * A) * t - 4.0 * A;
    return 0.0;
}

/* The a->taps input indices (clamped into the axis, like edge padding) and weights of
 * output position o.  A position outside tf_crop_and_resize's box gets idx[0] = -1 and
 * zero weights: its output is the extrapolation value. */
static inline void o2c_resize_taps(const o2c_resize_axis *a, int32_t o, double roi_lo,
                                   double roi_hi, int32_t *idx, double *w)
{
    const double x = o2c_resize_source(a, o, roi_lo, roi_hi);
    /* lo is the neighbour left of x, or x - 1 when x is a whole number, so that
     * ratio lies in (0, 1] as in the reference */
    const double lo = ceil(x) - 1.0, ratio = x - lo;
    const int32_t first = 1 - a->taps / 2, last = a->in_len - 1;
    const double s = a->scale < 1.0 ? a->scale : 1.0;    /* antialiasing widens the filter */
    double sum = 0.0;
    int32_t t;
    if (a->coord == O2C_RESIZE_TF_CROP_AND_RESIZE && (x < 0.0 || x > (double)last)) {
        for (t = 0; t < a->taps; t++) {
            idx[t] = 0;
            w[t] = 0.0;
        }
        idx[0] = -1;
        return;
    }
    if (a->taps == 1) {
        int hi;
        switch (a->kernel) {
        case O2C_RESIZE_ROUND_PREFER_CEIL: hi = ratio >= 0.5; break;
        case O2C_RESIZE_FLOOR: hi = ratio == 1.0; break;
        case O2C_RESIZE_CEIL: hi = 1; break;
        default: hi = ratio > 0.5; break;
        }
        t = (int32_t)lo + hi;
        idx[0] = t < 0 ? 0 : t > last ? last : t;
        w[0] = 1.0;
        return;
    }
    for (t = 0; t < a->taps; t++) {
        const int32_t i = (int32_t)lo + first + t, off = first + t;
        if (a->antialias)
            w[t] = o2c_resize_filter(a, s * ((double)off - ratio));
        else if (a->kernel == O2C_RESIZE_LINEAR)
            w[t] = off == 0 ? 1.0 - ratio : ratio;
        else   /* the distance to tap t, rounded as the reference's formulas round it */
            w[t] = o2c_resize_filter(a, off > 0 ? (double)(off - 1) + (1.0 - ratio)
                                                : ratio - (double)off);
        if (a->exclude_outside && (i < 0 || i > last))
            w[t] = 0.0;
        idx[t] = i < 0 ? 0 : i > last ? last : i;
        sum += w[t];
    }
    if ((a->antialias || a->exclude_outside) && sum != 0.0)
        for (t = 0; t < a->taps; t++)
            w[t] /= sum;
}

#endif
