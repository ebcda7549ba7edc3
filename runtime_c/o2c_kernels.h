/*
 * o2c_kernels.h - onnx2c's float32 kernel library: what generated code calls for
 * Conv, ConvTranspose, MatMul, Gemm, the recurrent gates and attention.
 *
 * Conventions (CMSIS-NN's):
 *   - arguments in this order: sizes and strides (or a geometry struct), tile sizes, the
 *     epilogue, the operands, scratch, the output last; every entry point returns a
 *     status (O2C_OK);
 *   - no allocation and no global state: scratch is the caller's, and each kernel that
 *     needs any has a *_SCRATCH_BYTES macro giving its size; generated code reserves it
 *     in the workspace plan and checks the two agree at compile time (O2C_CHECK_SCRATCH);
 *   - constant weights arrive packed in the layout the kernel streams (o2c_gemm.h),
 *     written at compile time by onnx2c/ops/packing.py; weights given at run time are
 *     packed into scratch by o2c_pack_a_f32 first;
 *   - the epilogue (o2c_epilogue.h: bias, Gemm's alpha and beta * C, an activation and a
 *     residual) is applied while results are in registers;
 *   - everything is `static inline`: a model's C file compiles only the kernels it calls,
 *     and the compiler folds the constant arguments of each call into them.
 *
 * Headers:
 *   o2c_simd.h      the float vector per target (AVX-512, AVX, SSE2, NEON, SIMD128, GNU C
 *                   vectors, or scalar for Cortex-M and portable C99) and its operations
 *   o2c_epilogue.h  activations and the epilogue
 *   o2c_gemm.h      the register tile, packed layouts, GEMMs with packed A or packed B
 *   o2c_gemm_generic.h  the GEMM of two run-time operands
 *   o2c_conv.h      convolutions: pointwise, im2col tiles, in-place band, ConvTranspose
 *   o2c_convrow.h   direct convolution on a stack of input rows (no im2col)
 *   o2c_dwconv.h    depthwise convolution
 *
 * Every vector path gives the same results as the portable one up to the rounding of
 * fused multiply-adds and of the order of sums; none needs -ffast-math.
 *
 * Glossary: the short names kept in the kernels and templates (everything else is
 * spelled out). Tensors: N batch, C channels, H x W an image plane (OH x OW the
 * output's, KH x KW a kernel's), D a spatial depth or a head size, S or T a sequence
 * (tokens, time steps), B a batch of sequences, G groups (gates in RNNs). GEMM:
 * M x K times K x N, lda/ldb/ldc/ldy the row pitches, MR x NR the register tile, NV
 * vectors per tile row, VF floats per vector. Loops: i*, j*, k* (a kernel tap or the
 * summed axis), r* (reduced axes), o* (output positions), n* counts; acc an accumulator,
 * cap a bounded output's capacity, st a status.
 */
#ifndef O2C_KERNELS_H
#define O2C_KERNELS_H

#include "o2c_gemm.h"
#include "o2c_gemm_generic.h"
#include "o2c_conv.h"
#include "o2c_convrow.h"
#include "o2c_dwconv.h"

#endif /* O2C_KERNELS_H */
