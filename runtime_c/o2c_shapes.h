/* o2c_shapes.h: run-time values that decide shapes (axes, shape tensors, slice bounds,
 * pads), checked against the static shapes a model was compiled for.
 *
 * A generated kernel keeps its shapes compile-time constants even when an input such as
 * Reshape's shape or Slice's starts only exists at run time: these helpers confirm that
 * the run-time value yields the compiled shape (the *_ok predicates are nonzero when it
 * does) or turn it into per-axis offset tables, so an inconsistent value becomes
 * O2C_ERR_VALUE instead of an out-of-bounds access.  Dimension arrays are int64_t like
 * ONNX shape tensors; ranks are at most 64 (axis sets are bit masks).
 */
#ifndef O2C_SHAPES_H
#define O2C_SHAPES_H

#include <stdint.h>
#include <stddef.h>
#include <math.h>
#include "o2c_abi.h"

/* ONNX axis a of a rank-r tensor (-r..r-1) as 0..r-1, or -1 when out of range. */
static inline int64_t o2c_axis(int64_t a, int64_t r)
{
    if (a < -r || a >= r) return -1;
    return a < 0 ? a + r : a;
}

/* The bit set of n axes of a rank-r tensor; O2C_ERR_VALUE for an axis out of range or
 * named twice (both are errors for every op that takes an axes list). */
static inline int o2c_axes_mask(const int64_t *axes, size_t n, int64_t r, uint64_t *mask)
{
    size_t j;
    *mask = 0;
    for (j = 0; j < n; j++) {
        const int64_t a = o2c_axis(axes[j], r);
        if (a < 0 || (*mask >> a & 1u)) return O2C_ERR_VALUE;
        *mask |= (uint64_t)1 << a;
    }
    return O2C_OK;
}

static inline int o2c_dims_equal(const int64_t *a, const int64_t *b, size_t n)
{
    size_t k;
    for (k = 0; k < n; k++)
        if (a[k] != b[k]) return 0;
    return 1;
}

/* Reshape: shape (yr entries; 0 copies x's dimension unless allowzero, one -1 is
 * inferred) resolves to y.  The -1 entry takes y's dimension: the element counts of x
 * and y are equal, so every other entry agreeing is enough. */
static inline int o2c_reshape_ok(const int64_t *shape, const int64_t *x, size_t xr,
                                 const int64_t *y, size_t yr, int allowzero)
{
    size_t k;
    int inferred = 0;
    for (k = 0; k < yr; k++) {
        const int64_t d = shape[k] == 0 && !allowzero ? (k < xr ? x[k] : -2) : shape[k];
        if (d == -1 && !inferred) inferred = 1;
        else if (d != y[k]) return 0;
    }
    return 1;
}

/* Squeeze and Unsqueeze: big (rank br) is small with a 1 inserted at each of the n axes,
 * which count in big's rank. */
static inline int o2c_unsqueezed_ok(const int64_t *axes, size_t n, const int64_t *big,
                                    size_t br, const int64_t *small, size_t sr)
{
    uint64_t mask;
    size_t k, j = 0;
    if (n + sr != br || o2c_axes_mask(axes, n, (int64_t)br, &mask) != O2C_OK) return 0;
    for (k = 0; k < br; k++) {
        if (mask >> k & 1u) {
            if (big[k] != 1) return 0;
        } else if (big[k] != small[j++]) {
            return 0;
        }
    }
    return 1;
}

/* Expand: x broadcast with shape (n entries) is y (rank yr = max(xr, n)). */
static inline int o2c_expand_ok(const int64_t *shape, size_t n, const int64_t *x, size_t xr,
                                const int64_t *y, size_t yr)
{
    size_t k;
    for (k = 0; k < yr; k++) {
        const int64_t s = k + n >= yr ? shape[k + n - yr] : 1;
        const int64_t d = k + xr >= yr ? x[k + xr - yr] : 1;
        if (s != d && s != 1 && d != 1) return 0;
        if ((s == 1 ? d : s) != y[k]) return 0;
    }
    return 1;
}

/* Tile: y is x repeated along every axis. */
static inline int o2c_tile_ok(const int64_t *repeats, const int64_t *x, const int64_t *y,
                              size_t r)
{
    size_t k;
    for (k = 0; k < r; k++)
        if (repeats[k] < 0 || (x[k] ? (repeats[k] > y[k] || x[k] * repeats[k] != y[k])
                                    : y[k] != 0))
            return 0;
    return 1;
}

/* Range's element count ceil((limit - start) / delta), at least 0; -1 for delta 0. */
static inline int64_t o2c_range_len_i64(int64_t start, int64_t limit, int64_t delta)
{
    uint64_t span, step;
    if (delta == 0) return -1;
    if (delta > 0 ? limit <= start : limit >= start) return 0;
    span = delta > 0 ? (uint64_t)limit - (uint64_t)start : (uint64_t)start - (uint64_t)limit;
    step = delta > 0 ? (uint64_t)delta : 0u - (uint64_t)delta;
    span = span / step + (span % step != 0);
    return span > (uint64_t)INT64_MAX ? -1 : (int64_t)span;
}

static inline int64_t o2c_range_len_f64(double start, double limit, double delta)
{
    const double n = ceil((limit - start) / delta);
    if (n != n || delta == 0.0 || n >= 9.2e18) return -1;
    return n > 0.0 ? (int64_t)n : 0;
}

/* sum of dims[0..k): where axis k's table starts */
static inline size_t o2c_table_at(const int64_t *dims, size_t k)
{
    size_t at = 0, j;
    for (j = 0; j < k; j++) at += (size_t)dims[j];
    return at;
}

/* elements between neighbours along axis k of a row-major rank-r tensor */
static inline int64_t o2c_stride(const int64_t *dims, size_t r, size_t k)
{
    int64_t s = 1;
    for (k++; k < r; k++) s *= dims[k];
    return s;
}

/* Slice of an axis of n elements, with numpy's clamping: the first index (stored in
 * *first) and the count of indices start, start + step, ... before end.  step != 0. */
static inline int64_t o2c_slice_range(int64_t start, int64_t end, int64_t step, int64_t n,
                                      int64_t *first)
{
    const int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? n : n - 1;
    /* a step longer than the axis picks at most one index: shorten it so that the count
     * below cannot overflow */
    if (step > n + 1) step = n + 1;
    if (step < -n - 1) step = -n - 1;
    if (start < 0) start += n;
    if (end < 0) end += n;
    start = start < lo ? lo : start > hi ? hi : start;
    end = end < lo ? lo : end > hi ? hi : end;
    *first = start;
    if (step > 0)
        return end > start ? (end - start + step - 1) / step : 0;
    return start > end ? (start - end - step - 1) / -step : 0;
}

/* Slice along n axes (axes NULL: 0..n-1; steps NULL: all 1).  tab receives, axis after
 * axis, the input element offset of every output position along the axis (y[k] entries
 * for axis k).  O2C_ERR_VALUE when an axis is out of range or repeated, a step is 0, or a
 * count differs from y. */
static inline int o2c_slice_tables(size_t r, const int64_t *x, const int64_t *y, size_t n,
                                   const int64_t *starts, const int64_t *ends,
                                   const int64_t *axes, const int64_t *steps, int64_t *tab)
{
    uint64_t seen = 0;
    size_t j, k;
    int64_t i, stride;
    for (k = 0; k < r + n; k++) {
        /* first the n sliced axes, then the axes no entry names (taken whole) */
        int64_t a, first = 0, step = 1, count;
        if (k < n) {
            a = o2c_axis(axes ? axes[k] : (int64_t)k, (int64_t)r);
            step = steps ? steps[k] : 1;
            if (a < 0 || (seen >> a & 1u) || step == 0) return O2C_ERR_VALUE;
            seen |= (uint64_t)1 << a;
            count = o2c_slice_range(starts[k], ends[k], step, x[a], &first);
        } else {
            a = (int64_t)(k - n);
            if (seen >> a & 1u) continue;
            count = x[a];
        }
        if (count != y[a]) return O2C_ERR_VALUE;
        j = o2c_table_at(y, (size_t)a);
        stride = o2c_stride(x, r, (size_t)a);
        for (i = 0; i < count; i++)
            tab[j + (size_t)i] = (first + i * step) * stride;
    }
    return O2C_OK;
}

#define O2C_PAD_CONSTANT 0
#define O2C_PAD_EDGE 1
#define O2C_PAD_REFLECT 2
#define O2C_PAD_WRAP 3

static inline int64_t o2c_floor_mod(int64_t a, int64_t b)
{
    const int64_t m = a % b;
    return m < 0 ? m + b : m;
}

/* One axis of Pad: n_in input positions get begin/end more (negative: fewer, cropped
 * first) to make n_out.  tab[o] is the input offset output position o copies, or -1
 * where constant mode fills.  Reflect and wrap are periodic, which is what repeating
 * them for pads wider than the input amounts to. */
static inline int o2c_pad_axis(int64_t begin, int64_t end, int64_t n_in, int64_t n_out,
                               int mode, int64_t stride, int64_t *tab)
{
    const int64_t cut = begin < 0 ? -begin : 0, lo = begin > 0 ? begin : 0;
    int64_t inner, o;
    if (begin < -n_in || begin > n_out || end < -n_in || end > n_out ||
        begin + n_in + end != n_out)
        return O2C_ERR_VALUE;
    inner = n_in - cut - (end < 0 ? -end : 0);
    if (inner < 0 || (inner == 0 && mode != O2C_PAD_CONSTANT && n_out > 0))
        return O2C_ERR_VALUE;
    for (o = 0; o < n_out; o++) {
        int64_t j = o - lo;
        if (j < 0 || j >= inner) {
            if (mode == O2C_PAD_CONSTANT) {
                tab[o] = -1;
                continue;
            }
            if (mode == O2C_PAD_EDGE) {
                j = j < 0 ? 0 : inner - 1;
            } else if (mode == O2C_PAD_WRAP) {
                j = o2c_floor_mod(j, inner);
            } else if (inner == 1) {
                j = 0;
            } else {     /* reflect: period 2 (inner - 1), mirrored in its second half */
                j = o2c_floor_mod(j, 2 * (inner - 1));
                j = j < inner ? j : 2 * (inner - 1) - j;
            }
        }
        tab[o] = (cut + j) * stride;
    }
    return O2C_OK;
}

/* Pad n axes (axes NULL: 0..n-1) by pads (the n begins, then the n ends); the tables as
 * in o2c_slice_tables, -1 marking fill positions. */
static inline int o2c_pad_tables(size_t r, const int64_t *x, const int64_t *y, size_t n,
                                 const int64_t *pads, const int64_t *axes, int mode,
                                 int64_t *tab)
{
    uint64_t seen = 0;
    size_t k;
    for (k = 0; k < r + n; k++) {
        int64_t a, begin = 0, end = 0;
        if (k < n) {
            a = o2c_axis(axes ? axes[k] : (int64_t)k, (int64_t)r);
            if (a < 0 || (seen >> a & 1u)) return O2C_ERR_VALUE;
            seen |= (uint64_t)1 << a;
            begin = pads[k];
            end = pads[n + k];
        } else {
            a = (int64_t)(k - n);
            if (seen >> a & 1u) continue;
        }
        if (o2c_pad_axis(begin, end, x[a], y[a], mode, o2c_stride(x, r, (size_t)a),
                         tab + o2c_table_at(y, (size_t)a)) != O2C_OK)
            return O2C_ERR_VALUE;
    }
    return O2C_OK;
}

#endif
