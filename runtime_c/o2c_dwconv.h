/*
 * o2c_dwconv.h - float32 depthwise 2-D convolution (one input channel per group), direct.
 * Included by o2c_conv.h.
 *
 * Each input channel is first copied into a zero-bordered plane in scratch, so the taps
 * never need a bounds check and the output may overwrite the input (y == x, the memory
 * planner's in-place depthwise). The plane covers exactly the input rows and columns
 * the taps reach; its border is zeroed once per call (every channel's copy writes the
 * same interior). 3x3 kernels with stride 1 or 2 and no dilation get kernels whose taps
 * are compile-time constants; stride 1 is vectorised along the output row.
 */
#ifndef O2C_DWCONV_H
#define O2C_DWCONV_H

/* the zero-bordered plane covers O2C_CONV_SPAN rows by O2C_CONV_SPAN columns */
/* the plane, and one float after it that stride-2 vector loads read but do not use */
#define O2C_DWCONV_SCRATCH_BYTES(out_h, stride_h, k_h, dil_h, out_w, stride_w, k_w, dil_w) \
    (((size_t)O2C_CONV_SPAN(out_h, stride_h, k_h, dil_h) *                              \
      O2C_CONV_SPAN(out_w, stride_w, k_w, dil_w) + 1) * sizeof(float))

/* copy input channel xc (in_h x in_w) to plane (span_h x span_w) at (pad_h, pad_w) */
static inline void o2c_dw_fill_f32(const o2c_conv_shape *s, size_t span_h, size_t span_w,
                                   const float *xc, float *plane)
{
    const size_t w = s->in_w < span_w - s->pad_w ? s->in_w : span_w - s->pad_w;
    size_t ih;
    for (ih = 0; ih < s->in_h && ih + s->pad_h < span_h; ih++)
        o2c_copy_f32(plane + (ih + s->pad_h) * span_w + s->pad_w, xc + ih * s->in_w, w);
}

/*
 * One output channel out (out_h x out_w) from the bordered plane: bias + the taps, then
 * the epilogue (act and residual; res is the channel's residual plane or NULL). KH, KW,
 * SW, DW are compile-time constants (0 for "read them from s") in the specialised calls.
 */
O2C_INLINE void o2c_dw_channel_f32(const size_t KH, const size_t KW, const size_t SW,
                                   const int act, const o2c_conv_shape *s, size_t span_w,
                                   const float *plane, const float *wk, float bias,
                                   const o2c_epilogue *ep, const float *res, float *out)
{
    const size_t kh_n = KH ? KH : s->k_h, kw_n = KW ? KW : s->k_w;
    const size_t sw = SW ? SW : s->stride_w, dh = KH ? 1 : s->dil_h, dw = KW ? 1 : s->dil_w;
    o2c_epilogue e = *ep;
    float wr[25];
    size_t oy, ox, ky, kx, t;
    e.act = act;
    e.bias = NULL;              /* already the sum's start */
    e.accumulate = 0;
    for (t = 0; KH && t < KH * KW; t++)
        wr[t] = wk[t];
    for (oy = 0; oy < s->out_h; oy++) {
        const float *top = plane + oy * s->stride_h * span_w;
        float *row = out + oy * s->out_w;
        const float *rr = res ? res + oy * s->out_w : NULL;
        ox = 0;
        if (O2C_VF > 1 && (sw == 1 || sw == 2)) {
            /* stride 2 takes every other float of 2 * O2C_VF, one past the last tap */
#define O2C_DW_TAP(p) (sw == 1 ? o2c_vf_load(p) : o2c_vf_load_even(p))
            for (; ox + O2C_VF <= s->out_w; ox += O2C_VF) {
                const float *px = top + ox * sw;
                o2c_vf acc = o2c_vf_splat(bias);
                if (KH) {
                    O2C_UNROLL for (ky = 0; ky < KH; ky++)
                        O2C_UNROLL for (kx = 0; kx < KW; kx++)
                            acc = o2c_vf_fma(acc, o2c_vf_splat(wr[ky * KW + kx]),
                                             O2C_DW_TAP(px + ky * span_w + kx));
                } else {
                    for (ky = 0; ky < kh_n; ky++)
                        for (kx = 0; kx < kw_n; kx++)
                            acc = o2c_vf_fma(acc, o2c_vf_splat(wk[ky * kw_n + kx]),
                                             O2C_DW_TAP(px + ky * dh * span_w + kx * dw));
                }
                o2c_vf_store(row + ox, o2c_epilogue_vf(acc, &e, row + ox,
                                                       rr ? rr + ox : NULL, 0, O2C_VF));
            }
#undef O2C_DW_TAP
            if (ox < s->out_w) {
                /* the rest of the row */
                const size_t n = s->out_w - ox;
                const float *px = top + ox * sw;
                o2c_vf acc = o2c_vf_splat(bias);
                for (ky = 0; ky < kh_n; ky++)
                    for (kx = 0; kx < kw_n; kx++) {
                        const float *p = px + ky * dh * span_w + kx * dw;
                        acc = o2c_vf_fma(acc, o2c_vf_splat(wk[ky * kw_n + kx]), sw == 1 ?
                                         o2c_vf_load_part(p, n) : o2c_vf_load_part_even(p, n));
                    }
                o2c_vf_store_part(row + ox, o2c_epilogue_vf(acc, &e, row + ox,
                                                            rr ? rr + ox : NULL, 1, n), n);
                ox = s->out_w;
            }
        }
        for (; ox < s->out_w; ox++) {
            const float *px = top + ox * sw;
            float acc = bias;
            if (KH) {
                O2C_UNROLL for (ky = 0; ky < KH; ky++)
                    O2C_UNROLL for (kx = 0; kx < KW; kx++)
                        acc = o2c_f32_fma(acc, wr[ky * KW + kx], px[ky * span_w + kx]);
            } else {
                for (ky = 0; ky < kh_n; ky++)
                    for (kx = 0; kx < kw_n; kx++)
                        acc = o2c_f32_fma(acc, wk[ky * kw_n + kx], px[ky * dh * span_w + kx * dw]);
            }
            if (act == O2C_ACT_RELU && !rr)
                row[ox] = acc > 0.0f ? acc : 0.0f;
            else if (act == O2C_ACT_NONE && !rr)
                row[ox] = acc;
            else if (act == O2C_ACT_CLIP && !rr)
                row[ox] = acc < e.alpha ? e.alpha : (acc > e.beta ? e.beta : acc);
            else
                o2c_epilogue_f32(acc, &e, 0, 0, rr ? rr + ox : NULL, row + ox);
        }
    }
}

/* The channel kernel for this geometry and activation, the shapes' constants folded. */
static inline void o2c_dw_dispatch_f32(const o2c_conv_shape *s, size_t span_w,
                                       const float *plane, const float *wk, float bias,
                                       const o2c_epilogue *ep, const float *res, float *out)
{
    const int k3 = s->k_h == 3 && s->k_w == 3 && s->dil_h == 1 && s->dil_w == 1;
    const int k5 = s->k_h == 5 && s->k_w == 5 && s->dil_h == 1 && s->dil_w == 1;
#define O2C_DW_ACTS(KH, KW, SW)                                                             \
    switch (ep->act) {                                                                      \
    case O2C_ACT_NONE: o2c_dw_channel_f32(KH, KW, SW, O2C_ACT_NONE, s, span_w, plane, wk, \
                                          bias, ep, res, out); break;                       \
    case O2C_ACT_RELU: o2c_dw_channel_f32(KH, KW, SW, O2C_ACT_RELU, s, span_w, plane, wk, \
                                          bias, ep, res, out); break;                       \
    default: o2c_dw_channel_f32(KH, KW, SW, ep->act, s, span_w, plane, wk, bias, ep, res, \
                                out); break;                                                \
    }
    if (k3 && O2C_VF == 1) {
        /* scalar targets: the activation at run time (flash), the stride folded */
        if (s->stride_w == 1)
            o2c_dw_channel_f32(3, 3, 1, ep->act, s, span_w, plane, wk, bias, ep, res, out);
        else
            o2c_dw_channel_f32(3, 3, 2, ep->act, s, span_w, plane, wk, bias, ep, res, out);
    } else if (k3 && s->stride_w == 1) {
        O2C_DW_ACTS(3, 3, 1)
    } else if (k3 && s->stride_w == 2) {
        O2C_DW_ACTS(3, 3, 2)
    } else if (k5 && s->stride_w == 1 && O2C_VF > 1) {
        O2C_DW_ACTS(5, 5, 1)
    } else if (k5 && s->stride_w == 2 && O2C_VF > 1) {
        O2C_DW_ACTS(5, 5, 2)
    } else {
        o2c_dw_channel_f32(0, 0, 0, ep->act, s, span_w, plane, wk, bias, ep, res, out);
    }
#undef O2C_DW_ACTS
}

/* Scratch of the flat form (o2c_dw_flat_f32): its results, span_w apart, and room for
 * the vector loads that run past the last one (16 floats would do; 32 for margin). */
#define O2C_DWCONV_FLAT_BYTES(out_h, span_w) (((size_t)(out_h) * (span_w) + 32) * sizeof(float))

/*
 * One output channel of a plane with short rows (stride 1): output (oy, ox) is flat
 * position q = oy * span_w + ox, and its taps are plane elements q + ky * dil_h * span_w +
 * kx * dil_w, so the whole channel is one run of full vectors into flat (the k_w - 1
 * columns past out_w are computed and dropped), then each row goes through the epilogue
 * into out. Loads past the plane read flat, harmlessly.
 */
O2C_INLINE void o2c_dw_flat_f32(const o2c_conv_shape *s, size_t span_w,
                                const float *plane, const float *wk, float bias,
                                const o2c_epilogue *ep, const float *res, float *flat,
                                float *out)
{
    const size_t nflat = (s->out_h - 1) * span_w + s->out_w, kw = s->k_w;
    o2c_epilogue e = *ep;
    size_t q, ky, kx, oy, ox;
    e.bias = NULL;
    e.accumulate = 0;
    for (q = 0; q < nflat; q += O2C_VF) {
        o2c_vf acc = o2c_vf_splat(bias);
        for (ky = 0; ky < s->k_h; ky++)
            for (kx = 0; kx < kw; kx++) {
                const float *p = plane + q + ky * s->dil_h * span_w + kx * s->dil_w;
                acc = o2c_vf_fma(acc, o2c_vf_splat(wk[ky * kw + kx]), o2c_vf_load(p));
            }
        o2c_vf_store(flat + q, acc);
    }
    for (oy = 0; oy < s->out_h; oy++) {
        const float *src = flat + oy * span_w, *rr = res ? res + oy * s->out_w : NULL;
        float *row = out + oy * s->out_w;
        for (ox = 0; ox < s->out_w; ox += O2C_VF) {
            const int part = s->out_w - ox < O2C_VF;
            const size_t n = part ? s->out_w - ox : O2C_VF;
            const o2c_vf v = o2c_epilogue_vf(o2c_vf_load(src + ox), &e, row + ox,
                                             rr ? rr + ox : NULL, part, n);
            if (part)
                o2c_vf_store_part(row + ox, v, n);
            else
                o2c_vf_store(row + ox, v);
        }
    }
}

/*
 * Depthwise convolution (groups == in_c, 2-D or 1-D): output channel oc reads input
 * channel oc / (out_c / in_c) with weights w[oc] (k_h x k_w, ONNX's layout). y may be x.
 * With `flat` (stride 1, short rows) vector targets take the channels through
 * o2c_dw_flat_f32 (scalar ones gain nothing from it). Scratch: O2C_DWCONV_SCRATCH_BYTES(out_h, stride_h, k_h, dil_h, out_w,
 * stride_w, k_w, dil_w), the bordered plane, plus O2C_DWCONV_FLAT_BYTES(out_h, span_w)
 * with `flat`.
 */
static inline int o2c_conv_depthwise_f32(const o2c_conv_shape *s, int flat, o2c_epilogue ep,
                                         const float *x, const float *w, void *scratch,
                                         float *y)
{
    const size_t mult = s->out_c / s->in_c;
    const size_t span_h = O2C_CONV_SPAN(s->out_h, s->stride_h, s->k_h, s->dil_h);
    const size_t span_w = O2C_CONV_SPAN(s->out_w, s->stride_w, s->k_w, s->dil_w);
    const size_t in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    const size_t ksz = s->k_h * s->k_w;
    float *plane = (float *)scratch;
    size_t n, ic, j;
    memset(plane, 0, (span_h * span_w + 1) * sizeof *plane);
    for (n = 0; n < s->batch; n++)
        for (ic = 0; ic < s->in_c; ic++) {
            o2c_dw_fill_f32(s, span_h, span_w, x + (n * s->in_c + ic) * in_plane, plane);
            for (j = 0; j < mult; j++) {
                const size_t oc = ic * mult + j, at = (n * s->out_c + oc) * out_plane;
                const float bias = ep.bias ? ep.bias[oc] : 0.0f;
                const float *res = ep.residual ? ep.residual + at : NULL;
                float *rest = plane + span_h * span_w + 1;
                if (flat && O2C_VF > 1)
                    o2c_dw_flat_f32(s, span_w, plane, w + oc * ksz, bias, &ep, res, rest, y + at);
                else
                    o2c_dw_dispatch_f32(s, span_w, plane, w + oc * ksz, bias, &ep, res, y + at);
            }
        }
    return O2C_OK;
}

#endif /* O2C_DWCONV_H */
