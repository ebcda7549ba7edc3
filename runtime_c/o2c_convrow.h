/*
 * o2c_convrow.h - direct float32 2-D (and 1-D) convolution, a few output rows at a time,
 * for column strides 1 and 2. Included by o2c_conv.h.
 *
 * For `rows` output rows from oy0, the input rows their taps reach, span_h = (rows - 1) *
 * stride_h + (k_h - 1) * dil_h + 1 for each input channel of the group, are copied
 * zero-bordered into scratch: the row stack, cig * span_h rows of span_w floats. The
 * packed weights (K ordered channel, ky, kx as ONNX stores them) then multiply it
 * directly: tap (c, ky, kx) of column j of output row oy0 + t is stack row c * span_h +
 * t * stride_h + ky * dil_h, column kx * dil_w + j * stride_w. There is no im2col: an input
 * element is copied about once per pass instead of k_h * k_w times, the scratch is a few
 * rows, and each block of weights serves all the pass's rows while it is in cache.
 */
#ifndef O2C_CONVROW_H
#define O2C_CONVROW_H

/* the stack, and one float after it that stride-2 vector loads read but do not use */
#define O2C_CONV_ROWS_SCRATCH_BYTES(cig, span_h, span_w) \
    (((size_t)(cig) * (span_h) * (span_w) + 1) * sizeof(float))

/* The geometry of a stack pass (see above), for the tiles. */
typedef struct {
    size_t cig, k_h, k_w, dil_h, dil_w;
    size_t span_h, span_w;      /* stack rows per channel, floats per stack row */
} o2c_stack_shape;

/*
 * A register tile (see o2c_tile_f32) whose B is the row stack: the reduction runs over
 * channels c, tap rows ky and taps kx, k = (c * k_h + ky) * k_w + kx reading stack row
 * c * span_h + ky * dil_h from column kx * dil_w; output column j reads column j * SW
 * (SW, like MR, NV and part, a compile-time constant). stack points at the tile's
 * output row's first stack row and column.
 */
O2C_INLINE void o2c_tile_stack_f32(const size_t MR, const size_t NV, const int part,
                                   const size_t SW, size_t rows, size_t cols,
                                   const o2c_stack_shape *st, const o2c_epilogue *ep,
                                   const float *bias, const float *res, size_t ldr,
                                   const float *a, size_t panel, const float *stack,
                                   float *c, size_t ldc)
{
    o2c_vf acc[O2C_ACC_ROWS][O2C_ACC_NV];
    const size_t span = st->span_w, kw = st->k_w, dw = st->dil_w;
    size_t ch, ky, x, i, j;
    O2C_UNROLL for (i = 0; i < MR; i++)
        O2C_UNROLL for (j = 0; j < NV; j++)
            acc[i][j] = o2c_vf_splat(0.0f);
    for (ch = 0; ch < st->cig; ch++)
    for (ky = 0; ky < st->k_h; ky++) {
        const float *row = stack + (ch * st->span_h + ky * st->dil_h) * span;
        for (x = 0; x < kw; x++) {
            const float *b = row + x * dw;
            o2c_vf bv[O2C_ACC_NV];
            O2C_UNROLL for (j = 0; j < NV; j++) {
                if (part)
                    bv[j] = SW == 1 ? o2c_vf_load_part(b, cols) : o2c_vf_load_part_even(b, cols);
                else
                    bv[j] = O2C_VF == 1 ? o2c_vf_load(b + j * SW) : SW == 1 ?
                        o2c_vf_load(b + j * O2C_VF) : o2c_vf_load_even(b + 2 * j * O2C_VF);
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

/* `nrows` output rows (N columns each, output channels [0, M) with row stride ldc)
 * from the stack: each row block of the weights against every output row of the pass,
 * in full, single and partial column chunks. Output row t reads the stack from row
 * t * sh; its results go to c + t * N, its residual to ep->residual + t * N. */
O2C_INLINE void o2c_conv_row_f32(const size_t SW, size_t M, size_t N, size_t nrows,
                                 size_t sh, const o2c_stack_shape *st,
                                 const o2c_epilogue *ep, size_t ldr, const float *a,
                                 const float *stack, float *c, size_t ldc)
{
    const size_t panel = O2C_PANEL_ROWS * st->cig * st->k_h * st->k_w, w = O2C_TILE_NV * O2C_VF;
    const size_t big = O2C_TILE_ROWS > 4 ? M / O2C_TILE_ROWS * O2C_TILE_ROWS : 0;
    const size_t full = N / w, singles = O2C_TILE_NV > 1 ? N % w / O2C_VF : 0;
    size_t m, n, t, u, r;
    /* all counts from M and N alone (see o2c_tile_row_f32) */
#define O2C_STACK_AT(mr, rows, nv, part, cols)                                               \
    o2c_tile_stack_f32(mr, nv, part, SW, rows, cols, st, ep, ep->bias ? ep->bias + m : NULL, \
                       ep->residual ? ep->residual + m * ldr + r * N + n : NULL, ldr,        \
                       a + (m / 4) * panel, panel, stack + r * sh * st->span_w + n * SW,    \
                       c + m * ldc + r * N + n, ldc)
#define O2C_STACK_ROWS(mr, rows)                                                             \
    for (r = 0; r < nrows; r++) {                                                            \
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
    }
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
 * Y = epilogue(W * X), `pass` output rows at a time, W packed per group as for
 * o2c_conv_gemm_f32; 2-D or 1-D (depth 1), column stride 1 or 2. y must not overlap x.
 * Scratch: O2C_CONV_ROWS_SCRATCH_BYTES(cig, O2C_CONV_SPAN(pass, stride_h, k_h, dil_h),
 * O2C_CONV_SPAN(out_w, stride_w, k_w, dil_w)).
 */
static inline int o2c_conv_rows_f32(const o2c_conv_shape *s, size_t pass, o2c_epilogue ep,
                                    const float *x, const float *w, void *scratch, float *y)
{
    const size_t cig = s->in_c / s->groups, cog = s->out_c / s->groups;
    const o2c_stack_shape st = {cig, s->k_h, s->k_w, s->dil_h, s->dil_w,
                                O2C_CONV_SPAN(pass, s->stride_h, s->k_h, s->dil_h),
                                O2C_CONV_SPAN(s->out_w, s->stride_w, s->k_w, s->dil_w)};
    const size_t K = cig * s->k_h * s->k_w;
    const size_t in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    float *stack = (float *)scratch;
    size_t n, g, oy, c, q;
    stack[cig * st.span_h * st.span_w] = 0.0f;  /* read past the end by stride-2 loads */
    for (n = 0; n < s->batch; n++)
        for (g = 0; g < s->groups; g++) {
            const float *xg = x + (n * s->in_c + g * cig) * in_plane;
            const float *wg = w + g * O2C_PACKED_ROWS(cog) * K;
            float *yg = y + (n * s->out_c + g * cog) * out_plane;
            o2c_epilogue eg = o2c_conv_group_epilogue(ep, g * cog, out_plane);
            if (eg.residual)
                eg.residual += n * s->out_c * out_plane;
            for (oy = 0; oy < s->out_h; oy += pass) {
                const size_t nrows = s->out_h - oy < pass ? s->out_h - oy : pass;
                o2c_epilogue er = eg;
                for (c = 0; c < cig; c++)
                    for (q = 0; q < st.span_h; q++) {
                        const ptrdiff_t iy = (ptrdiff_t)(oy * s->stride_h + q) - (ptrdiff_t)s->pad_h;
                        const float *row = iy >= 0 && iy < (ptrdiff_t)s->in_h ?
                            xg + c * in_plane + (size_t)iy * s->in_w : NULL;
                        o2c_gather_run_f32(row, s->in_w, -(ptrdiff_t)s->pad_w, 1, st.span_w,
                                           stack + (c * st.span_h + q) * st.span_w);
                    }
                if (er.residual)
                    er.residual += oy * s->out_w;
                if (O2C_VF == 1)    /* scalar loads: the stride costs nothing at run time */
                    o2c_conv_row_f32(s->stride_w, cog, s->out_w, nrows, s->stride_h, &st, &er,
                                     out_plane, wg, stack, yg + oy * s->out_w, out_plane);
                else if (s->stride_w == 1)
                    o2c_conv_row_f32(1, cog, s->out_w, nrows, s->stride_h, &st, &er, out_plane,
                                     wg, stack, yg + oy * s->out_w, out_plane);
                else
                    o2c_conv_row_f32(2, cog, s->out_w, nrows, s->stride_h, &st, &er, out_plane,
                                     wg, stack, yg + oy * s->out_w, out_plane);
            }
        }
    return O2C_OK;
}

#endif /* O2C_CONVROW_H */
