/* Runs a generated model on adversarial inputs under ASan and UBSan (test harness).
 * call.h (written by sanitize.py) includes NAME.h, names its tables and sizes H_INPUTS,
 * H_OUTPUTS, H_NUM_INPUTS, H_NUM_OUTPUTS, H_WORKSPACE_BYTES, and defines
 * CALL_MODEL(in, out, dims, ws): NAME_run with in[k], out[k], dims[k] in ABI order. Every buffer is its own heap block
 * of exactly the size the descriptor gives, so ASan sees a read one byte past it. */
#define _POSIX_C_SOURCE 200112L
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "call.h"

#define PATTERNS 5

static void *block(uint64_t nbytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 16, nbytes ? (size_t)nbytes : 1) != 0) {
        fprintf(stderr, "out of memory\n");
        exit(3);
    }
    return p;
}

static void fill_float(float *p, size_t n, int pattern)
{
    static const float extreme[] = {NAN, INFINITY, -INFINITY, -0.0f, FLT_MAX, -FLT_MAX, 1e-45f,
                                    1e30f, -1e30f, 0.5f, 0.0f, 1.0f, -1.0f, 3.0f, 2147483648.0f,
                                    -9.3e18f, 255.5f, -129.0f};
    for (size_t i = 0; i < n; ++i)
        p[i] = pattern == 0 ? extreme[i % (sizeof extreme / sizeof extreme[0])]
             : pattern == 2 ? (float)((double)(i % 11) * 0.37 - 1.5)
             : pattern == 4 ? extreme[(i * 7 + 3) % (sizeof extreme / sizeof extreme[0])] : 0.0f;
}

static void fill_double(double *p, size_t n, int pattern)
{
    static const double extreme[] = {NAN, INFINITY, -INFINITY, -0.0, DBL_MAX, -DBL_MAX, 5e-324,
                                     1e300, -1e300, 0.5, 0.0, 1.0, -1.0, 3e10, 9.3e18, -9.3e18};
    for (size_t i = 0; i < n; ++i)
        p[i] = pattern == 0 ? extreme[i % (sizeof extreme / sizeof extreme[0])]
             : pattern == 2 ? (double)(i % 11) * 0.37 - 1.5
             : pattern == 4 ? extreme[(i * 7 + 3) % (sizeof extreme / sizeof extreme[0])] : 0.0;
}

/* integers of `bytes` bytes: the extremes of the signed and unsigned ranges, small
 * values and indices just out of range, little-endian */
static void fill_int(unsigned char *p, size_t n, size_t bytes, int pattern)
{
    const uint64_t top = (uint64_t)1 << (8 * bytes - 1);
    const uint64_t mask = bytes == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * bytes)) - 1;
    const uint64_t extreme[] = {top, top - 1, mask, 0, 1, top + 1, 2, mask - 1, 5, 100,
                                (uint64_t)-7 & mask, 3};
    for (size_t i = 0; i < n; ++i) {
        uint64_t v = pattern == 0 ? extreme[i % 12]
                   : pattern == 2 ? ((uint64_t)(i % 7) - 2) & mask
                   : pattern == 4 ? extreme[(i * 5 + 1) % 12] : 0;
        for (size_t b = 0; b < bytes; ++b)
            p[i * bytes + b] = (unsigned char)(v >> (8 * b));
    }
}

static void fill(void *buf, const o2c_tensor_desc *d, int pattern)
{
    size_t n = (size_t)d->nbytes;
    if (pattern == 3) {                 /* every bit set: NaNs, -1s, strings without a NUL */
        memset(buf, 0xff, n);
        return;
    }
    switch (d->dtype) {
    case 1: fill_float((float *)buf, n / 4, pattern); return;
    case 11: fill_double((double *)buf, n / 8, pattern); return;
    case 2: case 3: fill_int((unsigned char *)buf, n, 1, pattern); return;
    case 4: case 5: case 10: case 16: fill_int((unsigned char *)buf, n / 2, 2, pattern); return;
    case 6: case 12: fill_int((unsigned char *)buf, n / 4, 4, pattern); return;
    case 7: case 13: fill_int((unsigned char *)buf, n / 8, 8, pattern); return;
    case 9:
        for (size_t i = 0; i < n; ++i)
            ((unsigned char *)buf)[i] = pattern == 1 ? 0 : (unsigned char)((i + (size_t)pattern) % 2);
        return;
    case 8:
        for (size_t i = 0; i < n; ++i)   /* cells with no NUL, then empty ones */
            ((char *)buf)[i] = pattern == 0 ? 'A' : pattern == 2 ? (char)('a' + i % 26) : 0;
        return;
    default:
        for (size_t i = 0; i < n; ++i)
            ((unsigned char *)buf)[i] = (unsigned char)(pattern == 1 ? 0 : i * 37u + (unsigned)pattern);
    }
}

int main(void)
{
    enum { NI = H_NUM_INPUTS + 1, NO = H_NUM_OUTPUTS + 1 };
    void *in[NI] = {0}, *out[NO] = {0};
    int64_t *dims[NO] = {0};
    for (int pattern = 0; pattern < PATTERNS; ++pattern) {
#if H_NUM_INPUTS > 0
        for (int k = 0; k < H_NUM_INPUTS; ++k) {
            in[k] = block(H_INPUTS[k].nbytes);
            fill(in[k], &H_INPUTS[k], pattern);
        }
#endif
#if H_NUM_OUTPUTS > 0
        for (int k = 0; k < H_NUM_OUTPUTS; ++k) {
            out[k] = block(H_OUTPUTS[k].nbytes);
            dims[k] = (int64_t *)block(sizeof(int64_t) * (size_t)(H_OUTPUTS[k].rank + 1));
        }
#endif
        void *ws = block(H_WORKSPACE_BYTES);
        memset(ws, 0xa5, H_WORKSPACE_BYTES);
        int st = CALL_MODEL(in, out, dims, ws);
        printf("pattern %d: status %d\n", pattern, st);
        if (st != 0 && st != -1 && st != -2 && st != -3)
            return 4;
        for (int k = 0; k < H_NUM_INPUTS; ++k)
            free(in[k]);
        for (int k = 0; k < H_NUM_OUTPUTS; ++k) {
            free(out[k]);
            free(dims[k]);
        }
        free(ws);
    }
    return 0;
}
