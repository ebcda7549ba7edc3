/* o2c_random.h: the Mersenne Twister as numpy's legacy RandomState(seed) runs it, so a
 * seeded random op (Dropout in training mode) reproduces the ONNX reference bit for bit.
 * The state lives in the caller's scratch: generated code keeps no global state. */
#ifndef O2C_RANDOM_H
#define O2C_RANDOM_H

#include <stdint.h>

typedef struct {
    uint32_t mt[624];
    uint32_t next;
} o2c_mt19937;

static inline void o2c_mt_seed(o2c_mt19937 *r, uint32_t seed)
{
    uint32_t i;
    r->mt[0] = seed;
    for (i = 1; i < 624u; i++) {
        r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + i;
    }
    r->next = 624u;
}

static inline uint32_t o2c_mt_u32(o2c_mt19937 *r)
{
    uint32_t y;
    if (r->next >= 624u) {
        uint32_t k;
        for (k = 0; k < 624u; k++) {
            y = (r->mt[k] & 0x80000000u) | (r->mt[(k + 1u) % 624u] & 0x7fffffffu);
            r->mt[k] = r->mt[(k + 397u) % 624u] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        r->next = 0;
    }
    y = r->mt[r->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
}

/* A double in [0, 1) with 53 random bits: numpy's random_sample / uniform(0, 1). */
static inline double o2c_mt_uniform(o2c_mt19937 *r)
{
    const uint32_t a = o2c_mt_u32(r) >> 5, b = o2c_mt_u32(r) >> 6;
    return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

#endif
