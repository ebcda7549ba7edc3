/* o2c_indexing.h: run-time index checks for Gather, Scatter and friends. */
#ifndef O2C_INDEXING_H
#define O2C_INDEXING_H

#include <stdint.h>
#include <stddef.h>
#include "o2c_abi.h"

/* ONNX index i into an axis of n elements: -n..n-1, negatives counting from the end.
 * Stores the position in [0, n) and returns O2C_OK, or returns O2C_ERR_INDEX. */
static inline int o2c_index(int64_t i, size_t n, size_t *pos)
{
    if (i < 0) i += (int64_t)n;
    if (i < 0 || (uint64_t)i >= (uint64_t)n) return O2C_ERR_INDEX;
    *pos = (size_t)i;
    return O2C_OK;
}

#endif
