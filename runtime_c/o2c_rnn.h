/* o2c_rnn.h: the double-precision matrix-vector product of the recurrent ops (LSTM, GRU,
 * RNN). Float32 gates use the GEMM kernels of o2c_gemm.h instead. */
#ifndef O2C_RNN_H
#define O2C_RNN_H

#include <stddef.h>

/* y[r] += sum over c of a[r * cols + c] * x[c], for r < rows (a is row-major, y must not
 * overlap a or x). It cannot fail, so it returns nothing. */
static inline void o2c_rnn_matvec_f64(size_t rows, size_t cols, const double *a,
                                      const double *x, double *y)
{
    size_t r, c;
    for (r = 0; r < rows; r++) {
        const double *row = a + r * cols;
        double acc = 0;
        for (c = 0; c < cols; c++)
            acc += row[c] * x[c];
        y[r] += acc;
    }
}

#endif
