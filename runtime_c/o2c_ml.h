/* o2c_ml.h: the score transforms of the ai.onnx.ml classifiers and regressors.
 *
 * They follow onnxruntime's arithmetic (float throughout, the same formulas) so that
 * probabilities agree with it to float rounding: the logistic of |x| mirrored for x < 0,
 * a softmax that subtracts the maximum, SOFTMAX_ZERO leaving (near-)zero scores out of
 * the sum, and PROBIT through the Winitzki approximation of erf^-1 (a = 0.147) rather than
 * an exact inverse, since that is what the models were checked against.
 */
#ifndef O2C_ML_H
#define O2C_ML_H

#include <stddef.h>
#include <math.h>

enum { O2C_POST_NONE, O2C_POST_LOGISTIC, O2C_POST_SOFTMAX, O2C_POST_SOFTMAX_ZERO,
       O2C_POST_PROBIT };

static inline float o2c_ml_logistic(float x)
{
    const float v = 1.0f / (1.0f + expf(-fabsf(x)));
    return x < 0 ? 1.0f - v : v;
}

static inline float o2c_ml_probit(float p)
{
    float x = 2.0f * p - 1.0f;
    const float sign = x < 0 ? -1.0f : 1.0f;
    float lg, v, v2;
    x = (1.0f - x) * (1.0f + x);
    lg = logf(x);
    v = 2.0f / (3.14159265358979f * 0.147f) + 0.5f * lg;
    v2 = 1.0f / 0.147f * lg;
    return 1.41421356237f * (sign * sqrtf(-v + sqrtf(v * v - v2)));
}

static inline void o2c_ml_softmax(float *z, size_t n, int zero)
{
    float top = -3.40282347e+38f, sum = 0.0f, scale;
    size_t k;
    for (k = 0; k < n; k++) if (z[k] > top) top = z[k];
    scale = expf(-top);
    for (k = 0; k < n; k++) {
        if (zero && !(z[k] > 1e-7f || z[k] < -1e-7f)) {
            z[k] *= scale;      /* SOFTMAX_ZERO: a zero score stays out of the sum */
            continue;
        }
        z[k] = expf(z[k] - top);
        sum += z[k];
    }
    for (k = 0; k < n; k++) z[k] /= sum;
}

/* The transform of n >= 2 scores in place. */
static inline void o2c_ml_post(float *z, size_t n, int post)
{
    size_t k;
    switch (post) {
    case O2C_POST_LOGISTIC: for (k = 0; k < n; k++) z[k] = o2c_ml_logistic(z[k]); break;
    case O2C_POST_PROBIT: for (k = 0; k < n; k++) z[k] = o2c_ml_probit(z[k]); break;
    case O2C_POST_SOFTMAX: o2c_ml_softmax(z, n, 0); break;
    case O2C_POST_SOFTMAX_ZERO: o2c_ml_softmax(z, n, 1); break;
    default: break;
    }
}

/* libsvm's pairwise coupling (Wu, Lin and Weng 2004, method 2), as onnxruntime runs it
 * in float: r is the k x k matrix of pairwise probabilities, p receives the k class
 * probabilities; q (k x k) and qp (k) are scratch. */
static inline void o2c_ml_coupling(size_t k, const float *r, float *p, float *q, float *qp)
{
    const float eps = 0.005f / (float)k;
    size_t i, j, loop;
    for (i = 0; i < k * k; i++) q[i] = 0.0f;
    for (i = 0; i < k; i++) {
        p[i] = 1.0f / (float)k;
        for (j = 0; j < i; j++) {
            q[i * k + i] += r[j * k + i] * r[j * k + i];
            q[i * k + j] = q[j * k + i];
        }
        for (j = i + 1; j < k; j++) {
            q[i * k + i] += r[j * k + i] * r[j * k + i];
            q[i * k + j] = -r[j * k + i] * r[i * k + j];
        }
    }
    for (loop = 0; loop < 100; loop++) {
        float pqp = 0.0f, max_error = 0.0f;
        for (i = 0; i < k; i++) {
            qp[i] = 0.0f;
            for (j = 0; j < k; j++) qp[i] += q[i * k + j] * p[j];
            pqp += p[i] * qp[i];
        }
        for (i = 0; i < k; i++) {
            const float error = fabsf(qp[i] - pqp);
            if (error > max_error) max_error = error;
        }
        if (max_error < eps) break;
        for (i = 0; i < k; i++) {
            const float diff = (-qp[i] + pqp) / q[i * k + i];
            p[i] += diff;
            pqp = (pqp + diff * (diff * q[i * k + i] + 2 * qp[i])) / (1 + diff) / (1 + diff);
            for (j = 0; j < k; j++) {
                qp[j] = (qp[j] + diff * q[i * k + j]) / (1 + diff);
                p[j] /= (1 + diff);
            }
        }
    }
}

#endif
