/* o2c_rnn.h: the matrix-vector core of the recurrent ops (LSTM, GRU, RNN).
 *
 * Every gate pre-activation is a row of W.x or R.h; kernels call only these entry points,
 * so a blocked or SIMD version can replace the reference loops without touching them.
 */
#ifndef O2C_RNN_H
#define O2C_RNN_H

#include <stddef.h>

/* y[r] += sum over c of a[r * cols + c] * x[c], for r < rows (a is row-major, y must not
 * overlap a or x). It cannot fail, so it returns nothing. */
#define O2C_RNN_MATVEC(name, T)                                                   \
    static inline void name(size_t rows, size_t cols, const T *a, const T *x, T *y) \
    {                                                                             \
        size_t r, c;                                                              \
        for (r = 0; r < rows; r++) {                                              \
            const T *row = a + r * cols;                                          \
            T acc = 0;                                                            \
            for (c = 0; c < cols; c++)                                            \
                acc += row[c] * x[c];                                             \
            y[r] += acc;                                                          \
        }                                                                         \
    }

O2C_RNN_MATVEC(o2c_rnn_matvec_f32, float)
O2C_RNN_MATVEC(o2c_rnn_matvec_f64, double)

#undef O2C_RNN_MATVEC

#endif
