/* o2c_abi.h: the part of onnx2c's runtime that callers of generated code see. */
#ifndef O2C_ABI_H
#define O2C_ABI_H

#include <stdint.h>
#include <stddef.h>

/* Status codes returned by every generated NAME_run. */
#define O2C_OK 0
#define O2C_ERR_INDEX (-1)      /* a run-time index (Gather, Scatter, ...) was out of range */
#define O2C_ERR_VALUE (-2)      /* a run-time value is outside what the model allows */
#define O2C_ERR_CAPACITY (-3)   /* a data-dependent output exceeded its compile-time capacity */

/* True when a status is an error, telling GCC and clang that it almost never is.  Without
 * the hint, GCC predicts each `st != 0` check after a call true, so after a few dozen node
 * calls NAME_run's later code counts as cold: optimised for size, its loops left scalar. */
#if defined(__GNUC__)
#define O2C_FAILED(st) __builtin_expect((st) != O2C_OK, 0)
#else
#define O2C_FAILED(st) ((st) != O2C_OK)
#endif

/* Describes one input or output of a generated model. dtype is ONNX's TensorProto enum
 * (1 float, 7 int64, 9 bool, 10 float16, ...); nbytes is the buffer size in bytes. */
typedef struct {
    const char *name;
    int32_t dtype;
    int32_t rank;
    const int64_t *dims;
    uint64_t nbytes;
    int32_t flags;              /* O2C_DESC_* bits */
    int32_t elem_bytes;         /* string tensors: bytes per element cell (see below), else 0 */
} o2c_tensor_desc;

/* dtype 8 (string): element i is the NUL-terminated UTF-8 text in the elem_bytes-byte cell
 * at byte i * elem_bytes, so at most elem_bytes - 1 bytes long; a string output that
 * would not fit makes NAME_run return O2C_ERR_CAPACITY. */

/* flags: the output's size depends on the input values. dims and nbytes describe its
 * capacity; NAME_run takes an int64_t[rank] right after its buffer and writes the actual
 * dims there, the buffer then holding that many elements packed row-major at the front. */
#define O2C_DESC_BOUNDED 0x1

#endif
