/* o2c_signal.h: the discrete Fourier transform core of DFT and STFT, and the floor
 * division MelWeightMatrix's bins need.
 *
 * o2c_dft is the naive O(n k) transform over double-precision complex sequences
 * (interleaved re, im); a fast transform can later replace it behind the same call.
 */
#ifndef O2C_SIGNAL_H
#define O2C_SIGNAL_H

#include <math.h>
#include <stddef.h>
#include "o2c_abi.h"

/* tw[2j], tw[2j + 1] = cos, sin of 2 pi j / n for j < n: the twiddles o2c_dft takes. */
static inline void o2c_dft_twiddles(size_t n, double *tw)
{
    const double step = 6.283185307179586476925286766559 / (double)n;
    size_t j;
    for (j = 0; j < n; j++) {
        tw[2 * j] = cos(step * (double)j);
        tw[2 * j + 1] = sin(step * (double)j);
    }
}

/* y[b] = sum over t < n of x[t] exp(-/+ 2 pi i b t / n) for the first k bins b, the
 * exponent's sign positive when inverse (no 1/n factor). tw from o2c_dft_twiddles(n). */
static inline int o2c_dft(const double *x, size_t n, const double *tw, int inverse, size_t k,
                          double *y)
{
    const double sgn = inverse ? 1.0 : -1.0;
    size_t b, t;
    for (b = 0; b < k; b++) {
        const size_t step = b % n;
        size_t j = 0;               /* b t mod n, kept by addition: exact, no overflow */
        double re = 0.0, im = 0.0;
        for (t = 0; t < n; t++) {
            const double c = tw[2 * j], s = sgn * tw[2 * j + 1];
            re += x[2 * t] * c - x[2 * t + 1] * s;
            im += x[2 * t] * s + x[2 * t + 1] * c;
            j += step;
            if (j >= n) j -= n;
        }
        y[2 * b] = re;
        y[2 * b + 1] = im;
    }
    return O2C_OK;
}

/* a // b for doubles as numpy computes it (via fmod), so bin edges land alike. */
static inline double o2c_floor_div(double a, double b)
{
    const double mod = fmod(a, b);
    double div = (a - mod) / b, fl;
    if (mod != 0.0 && ((b < 0.0) != (mod < 0.0))) div -= 1.0;
    fl = floor(div);
    if (div - fl > 0.5) fl += 1.0;
    return fl;
}

#endif
