/* o2c_tfidf.h: n-gram lookup for TfIdfVectorizer.
 *
 * The n-gram pool is an attribute, so the generated kernel bakes each gram length's
 * n-grams into a static table of rows sorted lexicographically; matching a run-time
 * n-gram is then a binary search, with no state and no allocation.
 */
#ifndef O2C_TFIDF_H
#define O2C_TFIDF_H

#include <stddef.h>
#include <stdint.h>

/* The index of the row equal to key among the `rows` sorted rows of n values in table,
 * or -1 when there is none. */
static inline ptrdiff_t o2c_ngram_find(const int64_t *table, size_t rows, size_t n,
                                       const int64_t *key)
{
    size_t lo = 0, hi = rows;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const int64_t *row = table + mid * n;
        size_t j = 0;
        while (j < n && row[j] == key[j]) j++;
        if (j == n) return (ptrdiff_t)mid;
        if (row[j] < key[j]) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

#endif
