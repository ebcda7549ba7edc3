/* o2c_string.h: string tensors. Every string element is a fixed cell of `cap` bytes
 * holding NUL-terminated UTF-8 (README: the C ABI); these helpers never read past a cell,
 * even when a caller's input lacks its NUL, and report O2C_ERR_CAPACITY instead of
 * writing a string that does not fit. */
#ifndef O2C_STRING_H
#define O2C_STRING_H

#include <stddef.h>
#include <string.h>
#include "o2c_abi.h"

/* Length of the string in a cell of cap bytes (cap - 1 at most: the NUL always fits). */
static inline size_t o2c_str_len(const char *s, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap && s[n] != '\0') n++;
    return n;
}

/* strcmp within cells: <0, 0 or >0 by unsigned bytes, as the sorted tables are. */
static inline int o2c_str_cmp(const char *a, size_t acap, const char *b, size_t bcap)
{
    size_t na = o2c_str_len(a, acap), nb = o2c_str_len(b, bcap);
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

/* y = the n bytes at s followed by the m bytes at t, NUL-terminated in a cell of cap. */
static inline int o2c_str_join(char *y, size_t cap, const char *s, size_t n,
                               const char *t, size_t m)
{
    if (n + m >= cap) return O2C_ERR_CAPACITY;
    memmove(y, s, n);
    memmove(y + n, t, m);
    y[n + m] = '\0';
    return O2C_OK;
}

/* Case mapping of one character at s (len bytes available) into y: ASCII and the Latin-1
 * letters of UTF-8 (U+00C0..U+00FE but the signs x and /), which change case within the
 * same two bytes; everything else is copied. Returns the bytes consumed and written. */
static inline size_t o2c_char_case(char *y, const char *s, size_t len, int upper)
{
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80) {
        y[0] = (char)(upper ? (c >= 'a' && c <= 'z' ? c - 32 : c)
                            : (c >= 'A' && c <= 'Z' ? c + 32 : c));
        return 1;
    }
    if (c == 0xC3 && len >= 2) {
        unsigned char d = (unsigned char)s[1];
        int lower_d = d >= 0xA0 && d <= 0xBE && d != 0xB7;
        int upper_d = d >= 0x80 && d <= 0x9E && d != 0x97;
        y[0] = (char)c;
        y[1] = (char)(upper && lower_d ? d - 0x20 : !upper && upper_d ? d + 0x20 : d);
        return 2;
    }
    y[0] = (char)c;
    return 1;
}

/* y = s with its case changed (upper: 1, lower: 0); y may be s. */
static inline void o2c_str_case(char *y, const char *s, size_t cap, int upper)
{
    size_t n = o2c_str_len(s, cap), k = 0;
    while (k < n) k += o2c_char_case(y + k, s + k, n - k, upper);
    y[n] = '\0';
}

/* Index of string s (a cell of cap) in the n-entry table sorted by o2c_str_cmp, or -1. */
static inline ptrdiff_t o2c_str_find(const char *const *table, size_t n, const char *s,
                                     size_t cap)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = o2c_str_cmp(table[mid], (size_t)-1, s, cap);
        if (c == 0) return (ptrdiff_t)mid;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return -1;
}

static inline int o2c_is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The next piece of Python's s.split(d, maxsplit), or of s.split(None, maxsplit) (runs
 * of whitespace) when dn == 0: its start and length from position *at, which it advances;
 * returns 0 when there is none. *left counts the splits still allowed (<0: no limit). */
static inline int o2c_str_next_part(const char *s, size_t n, size_t *at, const char *d,
                                    size_t dn, long *left, size_t *start, size_t *len)
{
    size_t k = *at;
    if (dn == 0) {
        while (k < n && o2c_is_space(s[k])) k++;
        if (k >= n) return 0;
        *start = k;
        if (*left == 0) {
            k = n;
        } else {
            while (k < n && !o2c_is_space(s[k])) k++;
            (*left)--;
        }
        *len = k - *start;
        *at = k;
        return 1;
    }
    if (k > n) return 0;            /* past the end: the last piece was taken */
    *start = k;
    while (*left != 0 && k + dn <= n && memcmp(s + k, d, dn) != 0) k++;
    if (*left != 0 && k + dn <= n) {
        *len = k - *start;
        *at = k + dn;
        (*left)--;
    } else {
        *len = n - *start;
        *at = n + 1;
    }
    return 1;
}

#endif
