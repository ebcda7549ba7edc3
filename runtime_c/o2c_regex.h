/* o2c_regex.h: full-match of a string against a pattern that onnx2c compiled into a Pike
 * VM program (onnx2c/ops/strings_regex.py). Threads advance in lock step over the input,
 * one per program position at most, so the time is O(len x n) and nothing recurses or
 * backtracks; the caller supplies the work area, 5 * n words. */
#ifndef O2C_REGEX_H
#define O2C_REGEX_H

#include <stddef.h>
#include <stdint.h>

enum { O2C_RE_CLASS, O2C_RE_SPLIT, O2C_RE_JMP, O2C_RE_ASSERT, O2C_RE_MATCH };
enum { O2C_RE_BOL, O2C_RE_EOL, O2C_RE_WORD, O2C_RE_NOT_WORD };

/* CLASS: x indexes a 256-bit byte set; SPLIT: go to x and y; JMP: go to x; ASSERT: x is
 * the O2C_RE_* position test, then go on. */
typedef struct {
    uint8_t op;
    uint16_t x, y;
} o2c_re_inst;

static inline int o2c_re_word(const char *s, size_t len, size_t at)
{
    unsigned char c = at < len ? (unsigned char)s[at] : 0;
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '_';
}

/* Adds thread pc and everything it reaches without consuming input at position at to
 * list (count *nl), each once: mark[pc] == gen says it is there already. */
static inline void o2c_re_add(const o2c_re_inst *prog, uint32_t pc, const char *s,
                              size_t len, size_t at, uint32_t gen, uint32_t *mark,
                              uint32_t *stack, uint32_t *list, size_t *nl)
{
    size_t top = 0;
    stack[top++] = pc;
    while (top) {
        const o2c_re_inst *in;
        pc = stack[--top];
        if (mark[pc] == gen) continue;
        mark[pc] = gen;
        in = &prog[pc];
        if (in->op == O2C_RE_JMP) {
            stack[top++] = in->x;
        } else if (in->op == O2C_RE_SPLIT) {
            stack[top++] = in->y;
            stack[top++] = in->x;
        } else if (in->op == O2C_RE_ASSERT) {
            int w = in->x >= O2C_RE_WORD &&
                    (at > 0 && o2c_re_word(s, len, at - 1)) != o2c_re_word(s, len, at);
            int ok = in->x == O2C_RE_BOL ? at == 0 : in->x == O2C_RE_EOL ? at == len
                   : in->x == O2C_RE_WORD ? w : !w;
            if (ok) stack[top++] = pc + 1;
        } else {
            list[(*nl)++] = pc;
        }
    }
}

/* 1 if the len bytes at s match the n-instruction program entirely, else 0.
 * work: 5 * n uint32_t (two thread lists, marks, and a stack of 2 * n). */
static inline int o2c_regex_full_match(const o2c_re_inst *prog, const uint8_t (*sets)[32],
                                       size_t n, const char *s, size_t len, uint32_t *work)
{
    uint32_t *cur = work, *next = work + n, *mark = work + 2 * n, *stack = work + 3 * n;
    size_t nc = 0, at, k;
    for (k = 0; k < n; k++) mark[k] = 0;
    o2c_re_add(prog, 0, s, len, 0, 1, mark, stack, cur, &nc);
    for (at = 0; at < len && nc; at++) {
        unsigned char c = (unsigned char)s[at];
        size_t nn = 0;
        for (k = 0; k < nc; k++) {
            const o2c_re_inst *in = &prog[cur[k]];
            if (in->op == O2C_RE_CLASS && (sets[in->x][c >> 3] >> (c & 7)) & 1)
                o2c_re_add(prog, cur[k] + 1, s, len, at + 1, (uint32_t)at + 2, mark, stack,
                           next, &nn);
        }
        { uint32_t *t = cur; cur = next; next = t; }
        nc = nn;
    }
    for (k = 0; k < nc && at == len; k++)
        if (prog[cur[k]].op == O2C_RE_MATCH) return 1;
    return 0;
}

#endif
