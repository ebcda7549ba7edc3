/*
 * o2c_gemm.h - the float32 GEMM kernels behind Conv, ConvTranspose, MatMul, Gemm, the
 * recurrent gates and attention.
 *
 * Calling convention (CMSIS-NN style): sizes and strides, then the epilogue, then the
 * operands, the output last; every entry point returns O2C_OK. Matrices are row-major.
 *
 * Packed operands. Weights are constants, so onnx2c stores them in the layout the
 * register-blocked tile streams (onnx2c/ops/packing.py writes it at compile time,
 * o2c_pack_a_f32 at run time for weights that are inputs). The layouts are the same on
 * every target; only the register blocking over the other dimension differs.
 *
 *   packed A (O2C_PANEL_ROWS = 4): rows in panels of 4, each panel K-major, so element
 *       (r, k) is at ((r / 4) * K + k) * 4 + r % 4. The last panel is padded to 4 rows
 *       with copies of the matrix's last row (the padded results are never stored; a
 *       copy keeps a splat constant a splat). Convolution weights, A in C = A * B.
 *   packed B (O2C_PANEL_COLS = 16): columns in panels of 16, each K-major, element (k, j)
 *       at ((j / 16) * K + k) * 16 + j % 16, the last panel padded with copies of the last
 *       column. Fully-connected weights, B in C = A * B.
 *
 * Register blocking (rows x columns of one tile, columns in vectors of O2C_VF floats):
 *
 *   AVX-512 (32 registers)           8 x 32     packed B: 8 rows x 16
 *   AVX (16 registers)               4 x 24                4 rows x 16
 *   NEON on AArch64 (32 registers)   8 x 12                6 rows x 16
 *   SSE2, NEON on 32-bit, SIMD128    4 x 12                3 rows x 16
 *   scalar, e.g. Cortex-M4F          4 x 4                 1 row  x 16
 *
 * A Cortex-M4F tile keeps 16 accumulators in s-registers and loads 4 + 4 operands per
 * 16 fused multiply-adds.
 */
#ifndef O2C_GEMM_H
#define O2C_GEMM_H

#include <stddef.h>
#include "o2c_abi.h"
#include "o2c_simd.h"
#include "o2c_epilogue.h"

#define O2C_PANEL_ROWS 4
#define O2C_PANEL_COLS 16

#if O2C_VF == 16
#define O2C_TILE_ROWS 8         /* 12 x 2 spills under GCC 12 and splits 16 rows 12 + 4 */
#define O2C_TILE_NV 2
#define O2C_FC_ROWS 8
#elif O2C_VF == 8 && defined(__AVX512VL__)
#define O2C_TILE_ROWS 12        /* AVX-512's 32 registers, 256-bit vectors */
#define O2C_TILE_NV 2
#define O2C_FC_ROWS 8
#elif O2C_VF == 8
#define O2C_TILE_ROWS 4
#define O2C_TILE_NV 3
#define O2C_FC_ROWS 4
#elif O2C_VF == 4 && defined(__aarch64__)
#define O2C_TILE_ROWS 8
#define O2C_TILE_NV 3
#define O2C_FC_ROWS 6
#elif O2C_VF == 4
#define O2C_TILE_ROWS 4
#define O2C_TILE_NV 3
#define O2C_FC_ROWS 3
#else
#define O2C_TILE_ROWS 4
#define O2C_TILE_NV 4
#define O2C_FC_ROWS 1
#endif
#define O2C_FC_NV (O2C_PANEL_COLS / O2C_VF)
/* a B operand up to this size is taken to stay in a (level-2) cache */
#define O2C_B_CACHED_BYTES (256u * 1024u)
/* the largest tile any caller below asks for */
#define O2C_ACC_ROWS (O2C_TILE_ROWS > O2C_FC_ROWS ? O2C_TILE_ROWS : O2C_FC_ROWS)
#define O2C_ACC_NV (O2C_TILE_NV > O2C_FC_NV ? O2C_TILE_NV : O2C_FC_NV)

/* Bytes of scratch o2c_pack_a_f32 fills for an M x K matrix. */
#define O2C_PACK_A_SCRATCH_BYTES(M, K) \
    ((((M) + O2C_PANEL_ROWS - 1) / O2C_PANEL_ROWS) * O2C_PANEL_ROWS * (K) * sizeof(float))

/* The store step of a register tile: acc (MR x NV vectors) through the epilogue into
 * C[r][j] for r < rows, j < cols (see o2c_tile_f32 below). */
O2C_INLINE void o2c_tile_store_f32(const size_t MR, const size_t NV, const int part,
                                   o2c_vf acc[O2C_ACC_ROWS][O2C_ACC_NV], size_t rows,
                                   size_t cols, const o2c_epilogue *ep, const float *bias,
                                   const float *res, size_t ldr, float *c, size_t ldc)
{
    size_t r, j;
    /* scalar targets (Cortex-M) take the shared loop always: an unrolled epilogue per
     * tile shape costs more flash than its few cycles are worth there */
    const int relu = ep->act == O2C_ACT_RELU, other = ep->act != O2C_ACT_NONE && !relu;
    if (O2C_VF > 1 && !ep->accumulate && ep->scale == 1.0f &&
        !(res && other && !ep->residual_first)) {
        /* the common cases in registers: bias, the residual, ReLU; any other activation
         * in a second, vectorised pass over the tile's rows while they are in L1 */
        O2C_UNROLL for (r = 0; r < MR; r++) {
            if (r >= rows)
                break;
            O2C_UNROLL for (j = 0; j < NV; j++) {
                float *out = c + r * ldc + j * O2C_VF;
                const float *rv = res ? res + r * ldr + j * O2C_VF : NULL;
                o2c_vf v = acc[r][j];
                if (bias && ep->bias_per_col)
                    v = o2c_vf_add(v, part ? o2c_vf_load_part(bias, cols)
                                           : o2c_vf_load(bias + j * O2C_VF));
                else if (bias)
                    v = o2c_vf_add(v, o2c_vf_splat(bias[r]));
                if (rv && ep->residual_first)
                    v = o2c_vf_add(v, part ? o2c_vf_load_part(rv, cols) : o2c_vf_load(rv));
                if (relu)
                    v = o2c_vf_max(v, o2c_vf_splat(0.0f));
                if (rv && !ep->residual_first)
                    v = o2c_vf_add(v, part ? o2c_vf_load_part(rv, cols) : o2c_vf_load(rv));
                if (part)
                    o2c_vf_store_part(out, v, cols);
                else
                    o2c_vf_store(out, v);
            }
        }
        for (r = 0; other && r < rows; r++)
            o2c_act_run_f32(cols, ep->act, ep->alpha, ep->beta, c + r * ldc);
    } else {
        /* everything else through memory, by one shared loop (less code to compile and
         * to store; the sums are still in L1) */
        float sums[O2C_ACC_ROWS][O2C_ACC_NV * O2C_VF];
        O2C_UNROLL for (r = 0; r < MR; r++)
            O2C_UNROLL for (j = 0; j < NV; j++)
                o2c_vf_store(&sums[r][j * O2C_VF], acc[r][j]);
        o2c_epilogue_block_f32(rows, cols, O2C_ACC_NV * O2C_VF, &sums[0][0], ep, bias, res,
                               ldr, c, ldc);
    }
    (void)part;
}

/*
 * One register tile: C[r][j] for r < rows, j < cols is the epilogue of
 * sum over k < K of A(r, k) * B(k, j), with
 *     A(r, k) = a[(r / 4) * a_ps + (r % 4) * a_rs + k * a_ks]
 *     B(k, j) = b[k * ldb + j]
 * MR x NV vectors is the block computed; MR, NV and part are compile-time constants at
 * every call, so the loops unroll and the accumulators stay in registers. All MR rows of
 * A are read (a packed panel has them) but only `rows` stored. Without part, cols is
 * NV * O2C_VF; with part (NV == 1), the tile reads and writes only cols columns.
 * bias points at the tile's first row (or column) of ep->bias, res at its first
 * residual element (row stride ldr).
 */
O2C_INLINE void o2c_tile_f32(const size_t MR, const size_t NV, const int part,
                             size_t rows, size_t cols, size_t K,
                             const o2c_epilogue *ep, const float *bias, const float *res,
                             size_t ldr,
                             const float *a, size_t a_ps, size_t a_rs, size_t a_ks,
                             const float *b, size_t ldb, float *c, size_t ldc)
{
    o2c_vf acc[O2C_ACC_ROWS][O2C_ACC_NV];
    size_t k, r, j;
    O2C_UNROLL for (r = 0; r < MR; r++)
        O2C_UNROLL for (j = 0; j < NV; j++)
            acc[r][j] = o2c_vf_splat(0.0f);
    /* two steps per iteration halve the loop's own instructions, which a scalar FPU's
     * 16 multiply-adds per step do not hide */
    O2C_UNROLL2 for (k = 0; k < K; k++) {
        o2c_vf bv[O2C_ACC_NV];
        O2C_UNROLL for (j = 0; j < NV; j++)
            bv[j] = part ? o2c_vf_load_part(b, cols) : o2c_vf_load(b + j * O2C_VF);
        O2C_UNROLL for (r = 0; r < MR; r++) {
            const o2c_vf av = o2c_vf_splat(a[(r / 4) * a_ps + (r % 4) * a_rs]);
            O2C_UNROLL for (j = 0; j < NV; j++)
                acc[r][j] = o2c_vf_fma(acc[r][j], av, bv[j]);
        }
        a += a_ks;
        b += ldb;
    }
    o2c_tile_store_f32(MR, NV, part, acc, rows, cols, ep, bias, res, ldr, c, ldc);
}

/* The tiles of rows [0, rows) x columns [0, N) for one row block of MR (compile-time)
 * rows: full tiles of NV vectors, then single vectors, then the partial last vector. */
O2C_INLINE void o2c_tile_row_f32(const size_t MR, const size_t NV, size_t rows, size_t N,
                                 size_t K, const o2c_epilogue *ep, const float *bias,
                                 const float *res, size_t ldr, const float *a, size_t a_ps,
                                 size_t a_rs, size_t a_ks, const float *b, size_t ldb,
                                 float *c, size_t ldc)
{
    /* tile counts from N alone, each loop from zero: GCC 12 misjudges loops that resume
     * where another one stopped (`for (; n + w <= N; n += w)`) and warns of impossible
     * iterations (-Waggressive-loop-optimizations) */
    const int per_col = ep->bias_per_col;
    const size_t full = N / (NV * O2C_VF), singles = NV > 1 ? N % (NV * O2C_VF) / O2C_VF : 0;
    size_t t, n;
#define O2C_TILE_AT(nv, part, cols)                                                         \
    o2c_tile_f32(MR, nv, part, rows, cols, K, ep, bias ? bias + (per_col ? n : 0) : NULL, \
                 res ? res + n : NULL, ldr, a, a_ps, a_rs, a_ks, b + n, ldb, c + n, ldc)
    for (t = 0; t < full; t++) {
        n = t * NV * O2C_VF;
        O2C_TILE_AT(NV, 0, NV * O2C_VF);
    }
    for (t = 0; t < singles; t++) {
        n = full * NV * O2C_VF + t * O2C_VF;
        O2C_TILE_AT(1, 0, O2C_VF);
    }
#if O2C_VF > 1
    n = full * NV * O2C_VF + singles * O2C_VF;
    if (n < N)
        O2C_TILE_AT(1, 1, N - n);
#endif
#undef O2C_TILE_AT
}

/* Every row block of a packed A against one chunk of `cols` columns of B (NV vectors,
 * or a partial one): the chunk's K x cols block of B, read with stride ldb, stays in
 * cache while all of A streams past it. */
O2C_INLINE void o2c_tile_col_f32(const size_t NV, const int part, size_t cols, size_t M,
                                 size_t K, const o2c_epilogue *ep, size_t ldr,
                                 const float *a, const float *b, size_t ldb,
                                 float *c, size_t ldc)
{
    /* every count from M alone (see o2c_tile_row_f32) */
    const size_t panel = O2C_PANEL_ROWS * K;
    const size_t big = O2C_TILE_ROWS > 4 ? M / O2C_TILE_ROWS * O2C_TILE_ROWS : 0;
    size_t m, t;
#define O2C_TILE_AT(mr, rows)                                                               \
    o2c_tile_f32(mr, NV, part, rows, cols, K, ep, ep->bias ? ep->bias + (ep->bias_per_col  \
                 ? 0 : m) : NULL, ep->residual ? ep->residual + m * ldr : NULL, ldr,       \
                 a + (m / 4) * panel, panel, 1, O2C_PANEL_ROWS, b, ldb, c + m * ldc, ldc)
#if O2C_TILE_ROWS > 4
    for (t = 0; t < big / O2C_TILE_ROWS; t++) {
        m = t * O2C_TILE_ROWS;
        O2C_TILE_AT(O2C_TILE_ROWS, O2C_TILE_ROWS);
    }
#endif
    for (t = 0; t < (M - big + 3) / 4; t++) {
        m = big + t * 4;
        O2C_TILE_AT(4, M - m < 4 ? M - m : 4);
    }
#undef O2C_TILE_AT
}

/*
 * C (M x N) = epilogue(A * B): A (M x K) packed (see above), B (K x N) with row stride
 * ldb, C with row stride ldc. The convolutions' product: A the weights, B the image or
 * its im2col. ep->bias is per row unless ep->bias_per_col. Column chunks outermost: an
 * image row is read once from memory, then from cache by every row block of weights.
 */
static inline int o2c_gemm_packed_a_f32(size_t M, size_t N, size_t K, o2c_epilogue ep,
                                        const float *a, const float *b, size_t ldb,
                                        float *c, size_t ldc)
{
    const size_t ldr = ep.residual_ld ? ep.residual_ld : ldc, w = O2C_TILE_NV * O2C_VF;
    const size_t full = N / w, singles = O2C_TILE_NV > 1 ? N % w / O2C_VF : 0;
    size_t n, t;
#if O2C_VF > 1
    if (K * N * sizeof(float) <= O2C_B_CACHED_BYTES) {
        /* B stays in cache anyway: stream the weights once instead */
        const size_t panel = O2C_PANEL_ROWS * K;
        const size_t big = O2C_TILE_ROWS > 4 ? M / O2C_TILE_ROWS * O2C_TILE_ROWS : 0;
        size_t m;
#define O2C_ROWS_AT(mr, rows)                                                                \
        o2c_tile_row_f32(mr, O2C_TILE_NV, rows, N, K, &ep, ep.bias ? ep.bias +              \
                         (ep.bias_per_col ? 0 : m) : NULL, ep.residual ? ep.residual +      \
                         m * ldr : NULL, ldr, a + (m / 4) * panel, panel, 1, O2C_PANEL_ROWS, \
                         b, ldb, c + m * ldc, ldc)
#if O2C_TILE_ROWS > 4
        for (t = 0; t < big / O2C_TILE_ROWS; t++) {
            m = t * O2C_TILE_ROWS;
            O2C_ROWS_AT(O2C_TILE_ROWS, O2C_TILE_ROWS);
        }
#endif
        for (t = 0; t < (M - big + 3) / 4; t++) {
            m = big + t * 4;
            O2C_ROWS_AT(4, M - m < 4 ? M - m : 4);
        }
#undef O2C_ROWS_AT
        return O2C_OK;
    }
#endif
#define O2C_COL_AT(nv, part, cols)                                                          \
    do {                                                                                    \
        o2c_epilogue e = ep;                                                                \
        if (e.bias && e.bias_per_col)                                                       \
            e.bias += n;                                                                    \
        if (e.residual)                                                                     \
            e.residual += n;                                                                \
        o2c_tile_col_f32(nv, part, cols, M, K, &e, ldr, a, b + n, ldb, c + n, ldc);       \
    } while (0)
    for (t = 0; t < full; t++) {
        n = t * w;
        O2C_COL_AT(O2C_TILE_NV, 0, w);
    }
    for (t = 0; t < singles; t++) {
        n = full * w + t * O2C_VF;
        O2C_COL_AT(1, 0, O2C_VF);
    }
#if O2C_VF > 1
    n = full * w + singles * O2C_VF;
    if (n < N)
        O2C_COL_AT(1, 1, N - n);
#endif
#undef O2C_COL_AT
    return O2C_OK;
}

/*
 * C (M x N) = epilogue(A * B): A (M x K) with row stride lda, B (K x N) packed (see
 * above). Fully-connected layers: A the activations (one row per batch item or time
 * step), B the weights; ep->bias is usually per column.
 */
static inline int o2c_gemm_packed_b_f32(size_t M, size_t N, size_t K, o2c_epilogue ep,
                                 const float *a, size_t lda, const float *b,
                                 float *c, size_t ldc)
{
    size_t n, m;
    const size_t ldr = ep.residual_ld ? ep.residual_ld : ldc;
    for (n = 0; n < N; n += O2C_PANEL_COLS) {
        const size_t cols = N - n < O2C_PANEL_COLS ? N - n : O2C_PANEL_COLS;
        const float *panel = b + (n / O2C_PANEL_COLS) * K * O2C_PANEL_COLS;
#define O2C_FC_AT(mr)                                                                       \
        o2c_tile_row_f32(mr, O2C_FC_NV, mr, cols, K, &ep, ep.bias ? ep.bias + (ep.bias_per_col \
                         ? n : m) : NULL, ep.residual ? ep.residual + m * ldr + n : NULL, ldr, \
                         a + m * lda, 4 * lda, lda, 1, panel, O2C_PANEL_COLS, c + m * ldc + n, ldc)
        const size_t big = O2C_FC_ROWS > 1 ? M / O2C_FC_ROWS * O2C_FC_ROWS : 0;
        size_t t;
#if O2C_FC_ROWS > 1
        for (t = 0; t < big / O2C_FC_ROWS; t++) {
            m = t * O2C_FC_ROWS;
            O2C_FC_AT(O2C_FC_ROWS);
        }
#endif
        for (t = 0; t < M - big; t++) {
            m = big + t;
            O2C_FC_AT(1);
        }
#undef O2C_FC_AT
    }
    return O2C_OK;
}

/* Pack the M x K matrix whose element (r, k) is a[r * a_rs + k * a_ks] into `packed`
 * (O2C_PACK_A_SCRATCH_BYTES(M, K) bytes), as onnx2c/ops/packing.py packs constants: for
 * weights that are graph inputs. */
static inline void o2c_pack_a_f32(size_t M, size_t K, const float *a, size_t a_rs,
                                  size_t a_ks, float *packed)
{
    size_t p, k, r;
    for (p = 0; p * O2C_PANEL_ROWS < M; p++)
        for (k = 0; k < K; k++)
            for (r = 0; r < O2C_PANEL_ROWS; r++) {
                const size_t row = p * O2C_PANEL_ROWS + r < M ? p * O2C_PANEL_ROWS + r : M - 1;
                *packed++ = a[row * a_rs + k * a_ks];
            }
}

#endif /* O2C_GEMM_H */
