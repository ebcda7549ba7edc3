/*
 * o2c_qgemm_bcast_x86.h - o2c_qgemm.h's product for uint8 A of four rows or more into
 * every epilogue but fixed-point requantization, with VNNI, included by o2c_qgemm.h under
 * O2C_X86_VNNI_U8.  The column tile sums one row pair at a time and adds its lanes
 * across, a chain of dependent VPDPBUSDs per pair; here sixteen independent sums stay
 * in registers and nothing is added across.
 *
 * W's row pairs are unpacked, a band of 64 rows at a time, into a stack buffer holding,
 * per k quad, the 64 rows' four bytes one after another (one VPSHUFB per pair and quad:
 * a0 b0 a1 b1 a2 b2 a3 b3 -> a0 a1 a2 a3 b0 b1 b2 b3).  A row of A's quad is broadcast
 * to every lane and VPDPBUSD adds its four exact uint8 x int8 products to sixteen rows
 * of W at once (wrapping as the portable sums do): four rows of A by four vectors, so
 * every weight load serves four rows of A and every broadcast four vectors.  A vector's
 * lanes are sixteen adjacent outputs of one row of Y, stored as they are.
 */
#ifndef O2C_QGEMM_BCAST_X86_H
#define O2C_QGEMM_BCAST_X86_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qepilogue.h"
#include "o2c_qvnni.h"

#if defined(O2C_X86_VNNI_U8)
#include <immintrin.h>

/* Rows of W per band (four vectors), and the largest K4 whose band fits 32 KB. */
#define O2C_QB_BAND 64
#define O2C_QB_MAX_K4 512

/* Quads q and q+1 (two = 1) or q alone of the row pair at pair (NULL: a zero pair),
 * each row's four bytes together: a0 a1 a2 a3 b0 b1 b2 b3 per quad. */
static inline __m128i o2c_qb_pair_quads(const int8_t *pair, int32_t q, int32_t two)
{
    const __m128i regroup = _mm_setr_epi8(O2C_QX_ROW_QUADS);
    if (!pair)
        return _mm_setzero_si128();
    return _mm_shuffle_epi8(two ? _mm_loadu_si128((const __m128i *)(const void *)(pair + 8 * q))
                                : _mm_loadl_epi64((const __m128i *)(const void *)(pair + 8 * q)),
                            regroup);
}

/* Rows n0 .. n0+63 of the row pairs w (K4 per row; rows from N on zero): row n's quad
 * q at byte q * 256 + 4 * (n - n0) of band.  Two pairs by two quads per step: the
 * pairs' quads are adjacent in the band, so each step stores 16 bytes per quad. */
static inline void o2c_qb_unpack(const int8_t *w, int32_t N, int32_t K4, int32_t n0,
                                 int8_t *band)
{
    const int32_t quads = K4 / 4;
    int32_t p, q;
    for (p = 0; p < O2C_QB_BAND / 2; p += 2) {
        const int32_t n = n0 + 2 * p;
        const int8_t *first = n < N ? w + (size_t)n * (size_t)K4 : NULL;
        const int8_t *second = n + 2 < N ? first + 2 * (size_t)K4 : NULL;
        for (q = 0; q < quads; q += 2) {
            const int32_t two = q + 1 < quads;
            const __m128i a = o2c_qb_pair_quads(first, q, two);
            const __m128i b = o2c_qb_pair_quads(second, q, two);
            int8_t *at = band + (size_t)q * 256u + 8u * (size_t)p;
            _mm_storeu_si128((__m128i *)(void *)at, _mm_unpacklo_epi64(a, b));
            if (two)
                _mm_storeu_si128((__m128i *)(void *)(at + 256), _mm_unpackhi_epi64(a, b));
        }
    }
}

/* Bytes k .. k+3 of row (k + 4 > K: the rest zero, nothing read past K) as one word in
 * every lane. */
static inline __m512i o2c_qb_quad(const uint8_t *row, int32_t k, int32_t K)
{
    uint32_t word = 0;
    if (k + 4 <= K)
        memcpy(&word, row + k, 4u);
    else
        memcpy(&word, row + k, (size_t)(K - k));
    return _mm512_set1_epi32((int32_t)word);
}

/* acc (four rows of A by four vectors) plus quad k of each row times the band's quad. */
static inline void o2c_qb_step(__m512i *acc, const uint8_t *const *row, int32_t k,
                               int32_t K, const int8_t *band)
{
    __m512i wv[4];
    int32_t i, v;
    for (v = 0; v < 4; v++)
        wv[v] = _mm512_loadu_si512((const void *)(band + 64 * v));
    for (i = 0; i < 4; i++) {
        const __m512i quad = o2c_qb_quad(row[i], k, K);
        for (v = 0; v < 4; v++)
            acc[4 * i + v] = o2c_qv_dpbusd(acc[4 * i + v], quad, wv[v]);
    }
}

/* One vector of sums: outputs n .. n+lanes-1 (lanes <= 16) of a row of Y at out. */
static inline void o2c_qb_store(const o2c_qepilogue *e, __m512i sums, const int32_t *bias,
                                int32_t n, int32_t lanes, void *out)
{
    const __mmask16 mask = (__mmask16)((1u << lanes) - 1u);
    __m512 v;
    if (bias)
        sums = _mm512_add_epi32(sums, _mm512_maskz_loadu_epi32(mask, bias + n));
    if (e->mode == O2C_QEPI_REQUANT) {      /* float scales (o2c_qgemm sends fixed elsewhere) */
        const __m512 scale = e->per_row ? _mm512_maskz_loadu_ps(mask, e->scale + n)
                                        : _mm512_set1_ps(e->scale[0]);
        _mm_mask_storeu_epi8(out, mask,
                             o2c_qx_requant_zmm(sums, scale, e->q.zero, e->q.lo, e->q.hi, 0));
        return;
    }
    if (e->mode == O2C_QEPI_INT32) {
        _mm512_mask_storeu_epi32(out, mask, sums);
        return;
    }
    v = _mm512_mul_ps(_mm512_cvtepi32_ps(sums),
                      e->per_row ? _mm512_maskz_loadu_ps(mask, e->scale + n)
                                 : _mm512_set1_ps(e->scale[0]));
    if (e->bias_f)
        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, e->bias_f + n));
    _mm512_mask_storeu_ps(out, mask, v);
}

/* Four rows of A (m0 .. ; rows past M computed from row M-1 and dropped) against the
 * band's rows n0 .. n0+63 (those past N dropped). */
static inline void o2c_qb_rows(int32_t M, int32_t N, int32_t K, const uint8_t *a,
                               size_t lda, int32_t m0, int32_t n0, const int8_t *band,
                               const int32_t *bias, const o2c_qepilogue *e, void *y,
                               size_t ldy)
{
    const size_t elem = o2c_qepilogue_bytes(e);
    const uint8_t *row[4];
    __m512i acc[16];
    int32_t i, v, k;
    for (i = 0; i < 4; i++)
        row[i] = a + (size_t)(m0 + i < M ? m0 + i : M - 1) * lda;
    for (i = 0; i < 16; i++)
        acc[i] = _mm512_setzero_si512();
    for (k = 0; k + 4 <= K; k += 4, band += 256)
        o2c_qb_step(acc, row, k, k + 4, band);     /* whole quads: one 4-byte copy */
    if (k < K)
        o2c_qb_step(acc, row, k, K, band);
    for (i = 0; i < 4 && m0 + i < M; i++)
        for (v = 0; v < 4 && n0 + 16 * v < N; v++) {
            const int32_t n = n0 + 16 * v;
            o2c_qb_store(e, acc[4 * i + v], bias, n, N - n < 16 ? N - n : 16,
                         (unsigned char *)y + ((size_t)(m0 + i) * ldy + (size_t)n) * elem);
        }
}

/* o2c_qgemm for uint8 A, an epilogue without fixed-point scales and K4 <= O2C_QB_MAX_K4. */
static inline void o2c_qb_gemm(int32_t M, int32_t N, int32_t K, const uint8_t *a,
                               size_t lda, const int8_t *w, const int32_t *bias,
                               const o2c_qepilogue *e, void *y, size_t ldy)
{
    int8_t band[O2C_QB_BAND * O2C_QB_MAX_K4];
    const int32_t K4 = o2c_qk4(K);
    int32_t n0, m0;
    for (n0 = 0; n0 < N; n0 += O2C_QB_BAND) {
        o2c_qb_unpack(w, N, K4, n0, band);
        for (m0 = 0; m0 < M; m0 += 4)
            o2c_qb_rows(M, N, K, a, lda, m0, n0, band, bias, e, y, ldy);
    }
}

#endif
#endif /* O2C_QGEMM_BCAST_X86_H */
