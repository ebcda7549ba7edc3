/*
 * o2c_convrow.h - direct float32 2-D (and 1-D) convolution one output row at a time, for
 * column strides 1 and 2. Included by o2c_conv.h.
 *
 * For output row oy, the input rows its taps reach, k_h of them for each input channel
 * of the group, are copied zero-bordered into scratch: the row stack, cig * k_h rows of
 * span_w floats. The packed weights (K ordered channel, ky, kx as ONNX stores them) then
 * multiply it directly: tap (c, ky, kx) of output column j is stack row c * k_h + ky,
 * column kx * dil_w + j * stride_w. There is no im2col: each input element is copied k_h
 * times (once per output row that reads it) instead of k_h * k_w times, and the scratch
 * is a few rows instead of a tile of columns.
 */
#ifndef O2C_CONVROW_H
#define O2C_CONVROW_H

/* the stack, and one float after it that stride-2 vector loads read but do not use */
#define O2C_CONV_ROWS_SCRATCH_BYTES(cig, k_h, span_w) \
    (((size_t)(cig) * (k_h) * (span_w) + 1) * sizeof(float))

/* p[0], p[2], ... p[2 * (n - 1)], zeros above: the partial stride-2 vector */
O2C_INLINE o2c_vf o2c_vf_load_part_even(const float *p, size_t n)
{
    float lanes[O2C_VF] = {0};
    size_t i;
    for (i = 0; i < n && i < O2C_VF; i++)
        lanes[i] = p[2 * i];
    return o2c_vf_load(lanes);
}

/*
 * A register tile (see o2c_tile_f32) whose B is the row stack: the reduction runs over
 * R stack rows and kw taps along each, k = r * kw + x reading row r from column x * dw,
 * output column j from column j * SW (SW, like MR, NV and part, a compile-time constant).
 */
O2C_INLINE void o2c_tile_stack_f32(const size_t MR, const size_t NV, const int part,
                                   const size_t SW, size_t rows, size_t cols, size_t R,
                                   size_t kw, size_t dw, const o2c_epilogue *ep,
                                   const float *bias, const float *res, size_t ldr,
                                   const float *a, size_t panel, const float *stack,
                                   size_t span, float *c, size_t ldc)
{
    o2c_vf acc[O2C_ACC_ROWS][O2C_ACC_NV];
    size_t r, x, i, j;
    O2C_UNROLL for (i = 0; i < MR; i++)
        O2C_UNROLL for (j = 0; j < NV; j++)
            acc[i][j] = o2c_vf_splat(0.0f);
    for (r = 0; r < R; r++) {
        const float *row = stack + r * span;
        for (x = 0; x < kw; x++) {
            const float *b = row + x * dw;
            o2c_vf bv[O2C_ACC_NV];
            O2C_UNROLL for (j = 0; j < NV; j++) {
                if (part)
                    bv[j] = SW == 1 ? o2c_vf_load_part(b, cols) : o2c_vf_load_part_even(b, cols);
                else
                    bv[j] = SW == 1 ? o2c_vf_load(b + j * O2C_VF) : o2c_vf_load_even(b + 2 * j * O2C_VF);
            }
            O2C_UNROLL for (i = 0; i < MR; i++) {
                const o2c_vf av = o2c_vf_splat(a[(i / 4) * panel + i % 4]);
                O2C_UNROLL for (j = 0; j < NV; j++)
                    acc[i][j] = o2c_vf_fma(acc[i][j], av, bv[j]);
            }
            a += O2C_PANEL_ROWS;
        }
    }
    o2c_tile_store_f32(MR, NV, part, acc, rows, cols, ep, bias, res, ldr, c, ldc);
}

/* Output row of channels [0, M) (row stride ldc) from the stack: every row block of the
 * weights against full, single and partial column chunks. */
O2C_INLINE void o2c_conv_row_f32(const size_t SW, size_t M, size_t N, size_t R, size_t kw,
                                 size_t dw, const o2c_epilogue *ep, size_t ldr,
                                 const float *a, const float *stack, size_t span,
                                 float *c, size_t ldc)
{
    const size_t panel = O2C_PANEL_ROWS * R * kw, w = O2C_TILE_NV * O2C_VF;
    const size_t big = O2C_TILE_ROWS > 4 ? M / O2C_TILE_ROWS * O2C_TILE_ROWS : 0;
    const size_t full = N / w, singles = O2C_TILE_NV > 1 ? N % w / O2C_VF : 0;
    size_t m, n, t, u;
    /* all counts from M and N alone (see o2c_tile_row_f32) */
#define O2C_STACK_AT(mr, rows, nv, part, cols)                                               \
    o2c_tile_stack_f32(mr, nv, part, SW, rows, cols, R, kw, dw, ep, ep->bias ? ep->bias + m \
                       : NULL, ep->residual ? ep->residual + m * ldr + n : NULL, ldr,       \
                       a + (m / 4) * panel, panel, stack + n * SW, span, c + m * ldc + n, ldc)
#define O2C_STACK_ROWS(mr, rows)                                                             \
    do {                                                                                     \
        for (u = 0; u < full; u++) {                                                         \
            n = u * w;                                                                       \
            O2C_STACK_AT(mr, rows, O2C_TILE_NV, 0, w);                                       \
        }                                                                                    \
        for (u = 0; u < singles; u++) {                                                      \
            n = full * w + u * O2C_VF;                                                       \
            O2C_STACK_AT(mr, rows, 1, 0, O2C_VF);                                            \
        }                                                                                    \
        n = full * w + singles * O2C_VF;                                                     \
        if (O2C_VF > 1 && n < N)                                                             \
            O2C_STACK_AT(mr, rows, 1, 1, N - n);                                             \
    } while (0)
#if O2C_TILE_ROWS > 4
    for (t = 0; t < big / O2C_TILE_ROWS; t++) {
        m = t * O2C_TILE_ROWS;
        O2C_STACK_ROWS(O2C_TILE_ROWS, O2C_TILE_ROWS);
    }
#endif
    for (t = 0; t < (M - big + 3) / 4; t++) {
        m = big + t * 4;
        O2C_STACK_ROWS(4, M - m < 4 ? M - m : 4);
    }
#undef O2C_STACK_ROWS
#undef O2C_STACK_AT
}

/*
 * Y = epilogue(W * X) by output rows, W packed per group as for o2c_conv_gemm_f32; 2-D
 * or 1-D (depth 1), column stride 1 or 2. y must not overlap x.
 * Scratch: O2C_CONV_ROWS_SCRATCH_BYTES(cig, k_h, span_w), span_w =
 * O2C_CONV_SPAN(out_w, stride_w, k_w, dil_w).
 */
static inline int o2c_conv_rows_f32(const o2c_conv_shape *s, o2c_epilogue ep,
                                    const float *x, const float *w, void *scratch, float *y)
{
    const size_t cig = s->in_c / s->groups, cog = s->out_c / s->groups;
    const size_t span = O2C_CONV_SPAN(s->out_w, s->stride_w, s->k_w, s->dil_w);
    const size_t R = cig * s->k_h, K = R * s->k_w;
    const size_t in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    float *stack = (float *)scratch;
    size_t n, g, oy, c, ky;
    stack[R * span] = 0.0f;     /* the float stride-2 loads read past the last row */
    for (n = 0; n < s->batch; n++)
        for (g = 0; g < s->groups; g++) {
            const float *xg = x + (n * s->in_c + g * cig) * in_plane;
            const float *wg = w + g * O2C_PACKED_ROWS(cog) * K;
            float *yg = y + (n * s->out_c + g * cog) * out_plane;
            o2c_epilogue eg = o2c_conv_group_epilogue(ep, g * cog, out_plane);
            if (eg.residual)
                eg.residual += n * s->out_c * out_plane;
            for (oy = 0; oy < s->out_h; oy++) {
                o2c_epilogue er = eg;
                for (c = 0; c < cig; c++)
                    for (ky = 0; ky < s->k_h; ky++) {
                        const ptrdiff_t iy = o2c_conv_in(oy, ky, s->stride_h, s->dil_h, s->pad_h);
                        const float *row = iy >= 0 && iy < (ptrdiff_t)s->in_h ?
                            xg + c * in_plane + (size_t)iy * s->in_w : NULL;
                        o2c_gather_run_f32(row, s->in_w, -(ptrdiff_t)s->pad_w, 1, span,
                                           stack + (c * s->k_h + ky) * span);
                    }
                if (er.residual)
                    er.residual += oy * s->out_w;
                if (s->stride_w == 1)
                    o2c_conv_row_f32(1, cog, s->out_w, R, s->k_w, s->dil_w, &er, out_plane,
                                     wg, stack, span, yg + oy * s->out_w, out_plane);
                else
                    o2c_conv_row_f32(2, cog, s->out_w, R, s->k_w, s->dil_w, &er, out_plane,
                                     wg, stack, span, yg + oy * s->out_w, out_plane);
            }
        }
    return O2C_OK;
}

#endif /* O2C_CONVROW_H */
