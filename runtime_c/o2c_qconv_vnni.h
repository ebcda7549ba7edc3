/*
 * o2c_qconv_vnni.h - o2c_qconv for uint8 images on x86-64 with AVX512-VNNI
 * (O2C_X86_VNNI_U8) and float requantization, included by o2c_qconv.h.
 *
 * Why: the general path gathers four columns as int16 pairs, regroups them to bytes and
 * regroups each row pair's weights per tile of four columns; here the columns are byte
 * quads and every row's weights are broadcast over sixteen of them (o2c_qgemm_vnni.h),
 * so VPDPBUSD does 64 multiply-adds per instruction and the sums need no lane reduction.
 *
 * The columns come from one of two places:
 * - convs at strides 1 and 2 (tap-major with a multiple of 4 channels per group, or
 *   first layers' kernel-row windows) whose input fits the column buffer read them
 *   straight from a copy of the input rewritten once per group (o2c_qconv_vnni_phases.h);
 * - the others gather them tile by tile from the NCHW planes (o2c_qconv_vnni_gather.h).
 * Other shapes take o2c_qconv's general path.  The weights and the columns live in
 * stack buffers of this path's own (about 100 KB), not in the scratch every target gets.
 *
 * The sums are the portable C's: each VPDPBUSD lane adds four exact uint8 x int8
 * products (17 bits) to an int32 that wraps as the portable additions do, and the
 * requantization is o2c_qx_requant8's (the portable steps in order).
 */
#ifndef O2C_QCONV_VNNI_H
#define O2C_QCONV_VNNI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qgemm.h"
#include "o2c_qim2col.h"

#if defined(O2C_X86_VNNI_U8)
#include <immintrin.h>

#include "o2c_qgemm_vnni.h"
#include "o2c_qconv_vnni_phases.h"
#include "o2c_qconv_vnni_gather.h"

/* The rows of a band of unpacked weights (o2c_qgemm_vnni.h) for a K4. */
static inline int32_t o2c_qv_band_rows(int32_t K4)
{
    return O2C_QV_WEIGHT_BYTES / o2c_qv_k8(K4) & ~7;
}

/* The shape o2c_qv_conv computes: a pointwise conv's positions as one flat row. */
static inline o2c_qconv_shape o2c_qv_flat(const o2c_qconv_shape *shape)
{
    o2c_qconv_shape s = *shape;
    if (s.k_h == 1 && s.k_w == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 &&
        s.pad_left == 0 && s.in_h == s.out_h && s.in_w == s.out_w) {
        s.in_w = s.out_w = s.in_h * s.in_w;
        s.in_h = s.out_h = 1;
    }
    return s;
}

/* Whether o2c_qv_conv takes the shape (see above).  y written over x (a pointwise conv
 * in place) through gathered tiles needs every row of a tile in one band: a second band
 * would gather from outputs.  The rewritten input (o2c_qconv_vnni_phases.h) is a copy. */
static inline int o2c_qv_supported(const o2c_qconv_shape *shape, const void *x, const void *y)
{
    const o2c_qconv_shape s = o2c_qv_flat(shape);
    const int32_t cin = s.in_c / s.groups, K4 = o2c_qk4(o2c_qconv_k(&s));
    if (O2C_QV_VECTOR * K4 > O2C_QV_COLUMN_BYTES)
        return 0;
    if (o2c_qp_supported(&s))
        return 1;
    if (x == y && o2c_qv_band_rows(K4) < s.out_c / s.groups)
        return 0;
    if (o2c_qconv_order(&s) == O2C_QCOL_TAPS)
        return cin % 4 == 0;
    return s.k_w == 3 || s.k_w == 4;
}

/* o2c_qconv (o2c_qconv.h) for uint8 x with a float-requantizing epilogue, for the shapes
 * o2c_qv_supported takes: a group's columns from its rewritten input
 * (o2c_qconv_vnni_phases.h) or gathered tile by tile.  The rows go in bands whose
 * unpacked weights fit O2C_QV_WEIGHT_BYTES (most convs: one band). */
static inline int o2c_qv_conv(const o2c_qconv_shape *shape, const uint8_t *x,
                              int32_t x_zero, const int8_t *w, const int32_t *bias,
                              const o2c_qepilogue *e, uint8_t *y, void *scratch)
{
    const o2c_qconv_shape s = o2c_qv_flat(shape);
    const int32_t cin = s.in_c / s.groups, cog = s.out_c / s.groups;
    const int32_t K4 = o2c_qk4(o2c_qconv_k(&s)), band_max = o2c_qv_band_rows(K4);
    const size_t in_plane = (size_t)s.in_h * (size_t)s.in_w;
    const size_t out_plane = (size_t)s.out_h * (size_t)s.out_w;
    const size_t wg = o2c_qgemm_packed_bytes(cog, o2c_qconv_k(&s));
    const int phases = o2c_qp_supported(&s);
    const o2c_qp_layout l = o2c_qp_layout_of(&s);
    /* a tile: 32 grid columns, or cols gathered ones */
    const int32_t cols = o2c_qv_tile_cols(K4), step = phases ? 2 * O2C_QV_VECTOR : cols;
    const int32_t grid = phases ? s.out_h * l.wph : (int32_t)out_plane;
    int8_t unpacked[O2C_QV_WEIGHT_BYTES];
    uint32_t buf[O2C_QV_COLUMN_BYTES / 4];
    intptr_t tap[O2C_QP_TAPS] = {0};
    o2c_qv_segment seg[2 * O2C_QV_VECTOR + 2];
    o2c_qv_source src;
    int32_t b, g, p, r0, n_seg;
    (void)scratch;
    src.tap = tap;
    src.taps = phases ? l.taps : 1;
    src.quads = phases ? l.quads : K4 / 4;
    src.stride = phases ? l.plane : (size_t)cols;
    if (phases)
        o2c_qp_taps(&s, &l, tap);
    for (b = 0; b < s.batch; b++)
        for (g = 0; g < s.groups; g++) {
            const o2c_qepilogue eg = o2c_qepilogue_from(e, g * cog);
            const uint8_t *xg = x + ((size_t)b * s.in_c + (size_t)g * cin) * in_plane;
            uint8_t *yg = y + ((size_t)b * s.out_c + (size_t)g * cog) * out_plane;
            if (phases)
                o2c_qp_fill(&s, &l, xg, x_zero, buf);
            for (r0 = 0; r0 < cog; r0 += band_max) {
                const int32_t r1 = cog - r0 < band_max ? cog : r0 + band_max;
                o2c_qv_unpack(w + (size_t)g * wg, cog, K4, r0, (r1 - r0 + 7) & ~7, unpacked);
                for (p = 0; p < grid; p += step) {
                    const int32_t n = grid - p < step ? grid - p : step;
                    if (phases) {
                        src.at = buf + p;
                        n_seg = o2c_qp_segments(&s, &l, p, n, seg);
                    } else {
                        src.at = buf;
                        n_seg = o2c_qv_gathered(&s, xg, x_zero, p, n, cols, buf, seg);
                    }
                    o2c_qv_gemm_requant(r0, r1, K4, unpacked, bias ? bias + g * cog : NULL,
                                        &src, n, seg, n_seg, &eg, yg, out_plane);
                }
            }
        }
    return O2C_OK;
}

#endif
#endif /* O2C_QCONV_VNNI_H */
