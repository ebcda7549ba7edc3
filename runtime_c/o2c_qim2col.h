/*
 * o2c_qim2col.h - the column tiles of o2c_qconv.h (see there for the column orders): the
 * convolution's shape, and the 8-bit image gathered into O2C_QTILE columns of int16 pairs
 * for o2c_qgemm.h.
 */
#ifndef O2C_QIM2COL_H
#define O2C_QIM2COL_H

#include <stddef.h>
#include <stdint.h>
#include "o2c_qgemm.h"

#if defined(O2C_ARM_DSP)
#include "o2c_qim2col_arm.h"
#define O2C_QCONV_TAP_WORDS(EXT)
#define O2C_QCONV_ROW_TILE(NAME)
#elif defined(O2C_X86_AVX2)
#include "o2c_qim2col_x86.h"
#define O2C_QCONV_ROWS_WORDS(EXT)
#else
#define O2C_QCONV_ROWS_WORDS(EXT)
#define O2C_QCONV_POINTWISE_WORDS(EXT)
#define O2C_QCONV_TAP_WORDS(EXT)
#define O2C_QCONV_ROW_TILE(NAME)
#endif

typedef struct {
    int32_t batch, in_c, in_h, in_w, out_c, out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, groups;
} o2c_qconv_shape;

/* How a column orders its K values (see above). */
enum { O2C_QCOL_TAPS = 0, O2C_QCOL_ROWS = 1 };

static inline int32_t o2c_qconv_order(const o2c_qconv_shape *s)
{
    const int32_t cin = s->in_c / s->groups;
    return (cin & 1) && (!(s->k_w & 1) || cin <= s->k_w) ? O2C_QCOL_ROWS : O2C_QCOL_TAPS;
}

/* K of a column: the group's taps, tap-major with the channels rounded up to even, or
 * (c, kh, kw) with the kernel width rounded up to even. */
static inline int32_t o2c_qconv_k(const o2c_qconv_shape *s)
{
    const int32_t cin = s->in_c / s->groups;
    return o2c_qconv_order(s) == O2C_QCOL_TAPS ? s->k_h * s->k_w * (cin + (cin & 1))
                                               : cin * s->k_h * (s->k_w + (s->k_w & 1));
}

/* Scratch of o2c_qconv: one column tile. */
static inline size_t o2c_qconv_scratch_bytes(const o2c_qconv_shape *s)
{
    return o2c_qgemm_tile_bytes(o2c_qconv_k(s));
}

/* Whether the O2C_QTILE columns from output position p0 lie on one output row with
 * every window inside the image. */
static inline int o2c_qconv_tile_inside(const o2c_qconv_shape *s, int32_t p0, int32_t n)
{
    const int32_t oh = p0 / s->out_w, ow = p0 - oh * s->out_w;
    const int32_t ih0 = oh * s->stride_h - s->pad_top, iw0 = ow * s->stride_w - s->pad_left;
    return n == O2C_QTILE && ow + O2C_QTILE <= s->out_w && ih0 >= 0 && iw0 >= 0 &&
           ih0 + (s->k_h - 1) * s->dil_h < s->in_h &&
           iw0 + (O2C_QTILE - 1) * s->stride_w + (s->k_w - 1) * s->dil_w < s->in_w;
}

/* A whole tap-major tile whose windows are all inside (o2c_qconv_tile_inside): per tap
 * and channel pair, the four columns' values are stride_w apart. */
#define O2C_QCONV_TILE_INSIDE(NAME, T, EXT)                                                \
    static inline void NAME(const o2c_qconv_shape *s, const T *x, int32_t fill,            \
                            int32_t p0, uint32_t *t)                                       \
    {                                                                                      \
        const int32_t cin = s->in_c / s->groups, in_w = s->in_w, sw = s->stride_w;         \
        const int32_t K = o2c_qconv_k(s), K4 = o2c_qk4(K);                                 \
        const int32_t oh = p0 / s->out_w, ow = p0 - oh * s->out_w;                         \
        const size_t plane = (size_t)s->in_h * (size_t)in_w;                               \
        const T *base = x + (size_t)(oh * s->stride_h - s->pad_top) * in_w +               \
                        (size_t)(ow * sw - s->pad_left);                                   \
        int32_t kh, kw, c, k;                                                              \
        for (kh = 0; kh < s->k_h; kh++)                                                    \
            for (kw = 0; kw < s->k_w; kw++) {                                              \
                const T *a = base + (size_t)(kh * s->dil_h) * in_w + (size_t)(kw * s->dil_w); \
                for (c = 0; c + 1 < cin; c += 2, t += O2C_QTILE, a += 2 * plane) {         \
                    const T *b = a + plane;                                                \
                    O2C_QCONV_TAP_WORDS(EXT)                                               \
                    t[0] = o2c_qpair(a[0], b[0]);                                          \
                    t[1] = o2c_qpair(a[sw], b[sw]);                                        \
                    t[2] = o2c_qpair(a[2 * sw], b[2 * sw]);                                \
                    t[3] = o2c_qpair(a[3 * sw], b[3 * sw]);                                \
                }                                                                          \
                if (cin & 1) {                                                             \
                    t[0] = o2c_qpair(a[0], fill);                                          \
                    t[1] = o2c_qpair(a[sw], fill);                                         \
                    t[2] = o2c_qpair(a[2 * sw], fill);                                     \
                    t[3] = o2c_qpair(a[3 * sw], fill);                                     \
                    t += O2C_QTILE;                                                        \
                }                                                                          \
            }                                                                              \
        for (k = K; k < K4; k += 2, t += O2C_QTILE)                                        \
            t[0] = t[1] = t[2] = t[3] = 0;                                                 \
    }
O2C_QCONV_TILE_INSIDE(o2c_qconv_im2col_u8_tile, uint8_t, o2c_qext_u8)
O2C_QCONV_TILE_INSIDE(o2c_qconv_im2col_s8_tile, int8_t, o2c_qext_s8)

/* Whether the 32-bit loads of o2c_qconv_im2col_*_rows (4 bytes from each window row's
 * start) stay inside a channel plane, for an inside tile at p0. */
static inline int o2c_qconv_tile_words_inside(const o2c_qconv_shape *s, int32_t p0)
{
    const int32_t oh = p0 / s->out_w, ow = p0 - oh * s->out_w;
    const int32_t last_row = oh * s->stride_h - s->pad_top + (s->k_h - 1) * s->dil_h;
    const int32_t last_col = ow * s->stride_w - s->pad_left + (O2C_QTILE - 1) * s->stride_w;
    return s->k_w > 4 || s->dil_w != 1 ||
           (int64_t)last_row * s->in_w + last_col + 4 <= (int64_t)s->in_h * s->in_w;
}

/* A whole (c, kh, kw)-order tile whose windows are all inside: per channel and kernel
 * row, the four columns' rows stride_w apart.  With a kernel width of 3 or 4
 * (undilated), the DSP path makes a window row's two words from one 32-bit load
 * (SXTB16/UXTB16 and a pack), a byte past the window meeting a zero weight; elsewhere
 * each pair is read, the padding tap as fill. */
#define O2C_QCONV_TILE_ROWS(NAME, T, EXT)                                                  \
    static inline void NAME(const o2c_qconv_shape *s, const T *x, int32_t fill,            \
                            int32_t p0, uint32_t *t)                                       \
    {                                                                                      \
        const int32_t cin = s->in_c / s->groups, in_w = s->in_w, sw = s->stride_w;         \
        const int32_t kw_n = s->k_w, dw = s->dil_w, K = o2c_qconv_k(s), K4 = o2c_qk4(K);   \
        const int32_t oh = p0 / s->out_w, ow = p0 - oh * s->out_w;                         \
        const size_t plane = (size_t)s->in_h * (size_t)in_w;                               \
        const T *base = x + (size_t)(oh * s->stride_h - s->pad_top) * in_w +               \
                        (size_t)(ow * sw - s->pad_left);                                   \
        int32_t c, kh, kw, j, k;                                                           \
        for (c = 0; c < cin; c++)                                                          \
            for (kh = 0; kh < s->k_h; kh++) {                                              \
                const T *row = base + c * plane + (size_t)(kh * s->dil_h) * in_w;          \
                O2C_QCONV_ROWS_WORDS(EXT)                                                  \
                for (kw = 0; kw < kw_n; kw += 2, t += O2C_QTILE)                           \
                    for (j = 0; j < O2C_QTILE; j++)                                        \
                        t[j] = o2c_qpair(row[j * sw + kw * dw],                            \
                                         kw + 1 < kw_n ? row[j * sw + (kw + 1) * dw] : fill); \
            }                                                                              \
        for (k = K; k < K4; k += 2, t += O2C_QTILE)                                        \
            t[0] = t[1] = t[2] = t[3] = 0;                                                 \
    }
O2C_QCONV_TILE_ROWS(o2c_qconv_im2col_u8_rows, uint8_t, o2c_qext_u8)
O2C_QCONV_TILE_ROWS(o2c_qconv_im2col_s8_rows, int8_t, o2c_qext_s8)

/* gcc stops inlining the general column builder into o2c_qconv once the x86 VNNI path
 * (o2c_qconv_vnni.h) sits beside it, and a call per tile then costs a conv such as an
 * 80-tap stride-4 Conv1d a quarter of its time; elsewhere the compiler's choice stands. */
#if defined(O2C_X86_VNNI_U8) && defined(__GNUC__)
#define O2C_QIM2COL_INLINE static inline __attribute__((always_inline))
#else
#define O2C_QIM2COL_INLINE static inline
#endif

/* The column tile of output positions p0 .. p0+n-1 over the cin channels at x (planes
 * in_h * in_w apart): each tap inside the image reads the data, outside it the zero
 * point (fill), in the column order o2c_qconv_order gives. */
#define O2C_QCONV_IM2COL(NAME, T)                                                          \
    O2C_QIM2COL_INLINE void NAME(const o2c_qconv_shape *s, const T *x, int32_t fill,      \
                                 int32_t p0, int32_t n, uint32_t *tile)                    \
    {                                                                                      \
        const int32_t cin = s->in_c / s->groups, rows = o2c_qconv_order(s);                \
        const int32_t kh_n = s->k_h, kw_n = s->k_w, in_h = s->in_h, in_w = s->in_w;        \
        const int32_t dh = s->dil_h, dw = s->dil_w;                                        \
        const int32_t K = o2c_qconv_k(s), K4 = o2c_qk4(K);                                 \
        const size_t plane = (size_t)in_h * (size_t)in_w;                                  \
        const uint32_t fill2 = o2c_qpair(fill, fill);                                      \
        int32_t j, kh, kw, c, k;                                                           \
        if (!rows && o2c_qconv_tile_inside(s, p0, n)) {                                    \
            NAME##_tile(s, x, fill, p0, tile);                                             \
            return;                                                                        \
        }                                                                                  \
        O2C_QCONV_ROW_TILE(NAME)                                                           \
        if (rows && o2c_qconv_tile_inside(s, p0, n) && o2c_qconv_tile_words_inside(s, p0)) { \
            NAME##_rows(s, x, fill, p0, tile);                                             \
            return;                                                                        \
        }                                                                                  \
        for (j = 0; j < O2C_QTILE; j++) {                                                  \
            uint32_t *t = tile + j;                                                        \
            k = 0;                                                                         \
            if (j < n) {                                                                   \
                const int32_t oh = (p0 + j) / s->out_w, ow = (p0 + j) - oh * s->out_w;     \
                const int32_t ih0 = oh * s->stride_h - s->pad_top;                         \
                const int32_t iw0 = ow * s->stride_w - s->pad_left;                        \
                const int whole = ih0 >= 0 && iw0 >= 0 && ih0 + (kh_n - 1) * dh < in_h &&  \
                                  iw0 + (kw_n - 1) * dw < in_w;                            \
                if (rows && whole) {   /* (c, kh, kw), the window inside the image */     \
                    for (c = 0; c < cin; c++)                                              \
                        for (kh = 0; kh < kh_n; kh++) {                                    \
                            const T *row = x + c * plane + (size_t)(ih0 + kh * dh) * in_w + iw0; \
                            for (kw = 0; kw < kw_n; kw += 2, t += O2C_QTILE, row += 2 * dw) \
                                *t = o2c_qpair(row[0], kw + 1 < kw_n ? row[dw] : fill);    \
                        }                                                                  \
                } else if (rows) {      /* (c, kh, kw), pairs of neighbouring taps */      \
                    for (c = 0; c < cin; c++)                                              \
                        for (kh = 0; kh < kh_n; kh++) {                                    \
                            const int32_t ih = ih0 + kh * dh;                              \
                            const T *row = x + c * plane + (size_t)ih * in_w;              \
                            const int inside = ih >= 0 && ih < in_h;                       \
                            for (kw = 0; kw < kw_n; kw += 2, t += O2C_QTILE) {             \
                                const int32_t a = iw0 + kw * dw, b = a + dw;               \
                                *t = o2c_qpair(inside && a >= 0 && a < in_w ? row[a] : fill, \
                                               inside && kw + 1 < kw_n && b >= 0 &&        \
                                               b < in_w ? row[b] : fill);                  \
                            }                                                              \
                        }                                                                  \
                } else if (whole) {     /* tap-major, window inside */                     \
                    const T *base = x + (size_t)ih0 * in_w + (size_t)iw0;                  \
                    for (kh = 0; kh < kh_n; kh++)                                          \
                        for (kw = 0; kw < kw_n; kw++) {                                    \
                            const T *px = base + (size_t)(kh * dh) * in_w + (size_t)(kw * dw); \
                            for (c = 0; c + 1 < cin; c += 2, t += O2C_QTILE)               \
                                *t = o2c_qpair(px[c * plane], px[(c + 1) * plane]);        \
                            if (cin & 1) {                                                 \
                                *t = o2c_qpair(px[c * plane], fill);                       \
                                t += O2C_QTILE;                                            \
                            }                                                              \
                        }                                                                  \
                } else {                /* tap-major, window over the border */            \
                    for (kh = 0; kh < kh_n; kh++) {                                        \
                        const int32_t ih = ih0 + kh * dh;                                  \
                        for (kw = 0; kw < kw_n; kw++) {                                    \
                            const int32_t iw = iw0 + kw * dw;                              \
                            const size_t at = (size_t)ih * in_w + (size_t)iw;              \
                            if (ih < 0 || ih >= in_h || iw < 0 || iw >= in_w) {            \
                                for (c = 0; c < cin; c += 2, t += O2C_QTILE)               \
                                    *t = fill2;                                            \
                                continue;                                                  \
                            }                                                              \
                            for (c = 0; c + 1 < cin; c += 2, t += O2C_QTILE)               \
                                *t = o2c_qpair(x[c * plane + at], x[(c + 1) * plane + at]); \
                            if (cin & 1) {                                                 \
                                *t = o2c_qpair(x[c * plane + at], fill);                   \
                                t += O2C_QTILE;                                            \
                            }                                                              \
                        }                                                                  \
                    }                                                                      \
                }                                                                          \
                k = K;                                                                     \
            }                                                                              \
            for (; k < K4; k += 2, t += O2C_QTILE)                                         \
                *t = 0;                                                                    \
        }                                                                                  \
    }
#if defined(O2C_X86_AVX2)
O2C_QX_TILE_ROW(o2c_qconv_im2col_u8_row, uint8_t, o2c_qext_u8)
O2C_QX_TILE_ROW(o2c_qconv_im2col_s8_row, int8_t, o2c_qext_s8)
#endif
O2C_QCONV_IM2COL(o2c_qconv_im2col_u8, uint8_t)
O2C_QCONV_IM2COL(o2c_qconv_im2col_s8, int8_t)


/* The tile of a pointwise conv (1x1, stride 1, no padding): column j's channel pair
 * (c, c+1) is x[c * plane + p0 + j], x[(c + 1) * plane + p0 + j]. */
#define O2C_QCONV_POINTWISE_TILE(NAME, T, EXT)                                                 \
    static inline void NAME(int32_t cin, size_t plane, const T *x, int32_t n,             \
                            uint32_t *tile)                                               \
    {                                                                                     \
        const int32_t K4 = o2c_qk4(cin);                                                  \
        int32_t c, j;                                                                     \
        for (c = 0; c + 1 < cin; c += 2, tile += O2C_QTILE) {                             \
            const T *a = x + (size_t)c * plane, *b = a + plane;                           \
            O2C_QCONV_POINTWISE_WORDS(EXT)                                                \
            if (n == O2C_QTILE) {                                                         \
                tile[0] = o2c_qpair(a[0], b[0]);                                          \
                tile[1] = o2c_qpair(a[1], b[1]);                                          \
                tile[2] = o2c_qpair(a[2], b[2]);                                          \
                tile[3] = o2c_qpair(a[3], b[3]);                                          \
            } else {                                                                      \
                for (j = 0; j < O2C_QTILE; j++)                                           \
                    tile[j] = j < n ? o2c_qpair(a[j], b[j]) : 0u;                         \
            }                                                                             \
        }                                                                                 \
        for (; c < K4; c += 2, tile += O2C_QTILE)                                         \
            for (j = 0; j < O2C_QTILE; j++)                                               \
                tile[j] = (c < cin && j < n) ? o2c_qpair(x[(size_t)c * plane + j], 0) : 0u; \
    }
O2C_QCONV_POINTWISE_TILE(o2c_qconv_pointwise_u8, uint8_t, o2c_qext_u8)
O2C_QCONV_POINTWISE_TILE(o2c_qconv_pointwise_s8, int8_t, o2c_qext_s8)

#endif /* O2C_QIM2COL_H */
