/*
 * o2c_qepilogue.h - what becomes of the int32 sums of the integer GEMM (o2c_qgemm.h) and
 * the reference matrix product (o2c_qmatmul.h): requantized to 8 bits, stored as int32,
 * or scaled to float (with a float bias).
 */
#ifndef O2C_QEPILOGUE_H
#define O2C_QEPILOGUE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qrequant.h"

/* What becomes of an int32 sum. */
enum { O2C_QEPI_REQUANT = 0, O2C_QEPI_INT32 = 1, O2C_QEPI_FLOAT = 2 };

typedef struct {
    int32_t mode;               /* O2C_QEPI_* */
    int32_t per_row;            /* scale / fixed / bias_f hold one value per row */
    const float *scale;         /* REQUANT (float mode) and FLOAT: multiplies the sum */
    const o2c_qfixed *fixed;    /* REQUANT in fixed-point mode instead of scale, or NULL */
    const float *bias_f;        /* FLOAT: added after scaling, or NULL */
    o2c_qout q;                 /* REQUANT: zero point and range */
} o2c_qepilogue;

/* Store one sum of row r at out (uint8_t for 8-bit outputs, int32_t, float). */
static inline void o2c_qepilogue_store(const o2c_qepilogue *e, int32_t r, int32_t acc,
                                       void *out)
{
    const int32_t i = e->per_row ? r : 0;
    if (e->mode == O2C_QEPI_REQUANT) {
        int32_t v = e->fixed ? o2c_requant_fixed(acc, e->fixed[i], e->q)
                             : o2c_requant(acc, e->scale[i], e->q);
        *(uint8_t *)out = (uint8_t)(v & 0xFF);
    } else if (e->mode == O2C_QEPI_INT32) {
        memcpy(out, &acc, sizeof acc);
    } else {
        float v = (float)acc * e->scale[i];
        if (e->bias_f)
            v = v + e->bias_f[r];
        memcpy(out, &v, sizeof v);
    }
}

/* bias[n] = -zero * w_sum[n] for n < N: a zero point known only at run time, folded as
 * the compiler folds a constant one (sums of the packed rows, data as stored); unsigned,
 * so that it wraps as the int32 sums do. */
static inline void o2c_qbias_from_zero(int32_t N, int32_t zero, const int32_t *w_sum,
                                       int32_t *bias)
{
    int32_t n;
    for (n = 0; n < N; n++)
        bias[n] = (int32_t)(0u - (uint32_t)zero * (uint32_t)w_sum[n]);
}

static inline size_t o2c_qepilogue_bytes(const o2c_qepilogue *e)
{
    return e->mode == O2C_QEPI_REQUANT ? 1u : 4u;
}

/* The epilogue of rows r0 .. (a group of a grouped conv): per-row arrays moved on. */
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

/*
 * A block of sums: acc[i * acc_stride + j] for rows r .. r+n_rows-1 and columns
 * j < ncols, output (r + i, j) at y + (i * row_stride + j * col_stride) elements.  The
 * mode is decided once, not per sum, so the int32 and float loops stay plain.
 */
static inline void o2c_qepilogue_rows(const o2c_qepilogue *e, int32_t r, int32_t n_rows,
                                      const int32_t *acc, int32_t acc_stride, int32_t ncols,
                                      void *y, size_t row_stride, size_t col_stride)
{
    int32_t i, j;
    if (e->mode == O2C_QEPI_INT32) {
        int32_t *out = (int32_t *)y;
        for (i = 0; i < n_rows; i++)
            for (j = 0; j < ncols; j++)
                out[(size_t)i * row_stride + (size_t)j * col_stride] = acc[i * acc_stride + j];
    } else if (e->mode == O2C_QEPI_FLOAT) {
        float *out = (float *)y;
        for (i = 0; i < n_rows; i++) {
            const float scale = e->scale[e->per_row ? r + i : 0];
            const float bias = e->bias_f ? e->bias_f[r + i] : 0.0f;
            for (j = 0; j < ncols; j++) {
                float v = (float)acc[i * acc_stride + j] * scale;
                if (e->bias_f)
                    v = v + bias;
                out[(size_t)i * row_stride + (size_t)j * col_stride] = v;
            }
        }
    } else {
        uint8_t *out = (uint8_t *)y;
        for (i = 0; i < n_rows; i++)
            for (j = 0; j < ncols; j++)
                o2c_qepilogue_store(e, r + i, acc[i * acc_stride + j],
                                    out + (size_t)i * row_stride + (size_t)j * col_stride);
    }
}

#endif /* O2C_QEPILOGUE_H */
