"""RegexFullMatch's pattern, compiled at compile time into a program for the Pike VM of
runtime_c/o2c_regex.h: a non-backtracking matcher, so its time is linear in the input and
its memory a fixed table per pattern.

The subset is RE2's everyday one: literals, `.`, classes ([a-z], [^...], \\d \\w \\s and
their negations), groups ((...), (?:...), (?P<name>...)), alternation, greedy or lazy
quantifiers (* + ? {m} {m,} {m,n}) and the assertions ^ $ \\b \\B. Matching is bytewise
over UTF-8: a class that admits non-ASCII characters takes a lead byte with its
continuation bytes as one character. Anything else (flags, lookaround, backreferences,
Unicode classes) is a CompileError naming the feature."""
from __future__ import annotations

CLASS, SPLIT, JMP, ASSERT, MATCH = range(5)                 # o2c_regex.h's O2C_RE_*
BOL, EOL, WORD, NOT_WORD = range(4)                         # ASSERT kinds
MAX_PROGRAM = 4096

_WORD = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGIT = frozenset(b"0123456789")
_SPACE = frozenset(b" \t\n\r\f\v")
_ALL = frozenset(range(256))
_CHARS = frozenset(range(128)) | frozenset(range(0xC0, 0x100))   # ASCII or a lead byte
_PERL = {"d": _DIGIT, "w": _WORD, "s": _SPACE}
_ESCAPES = {"n": 10, "t": 9, "r": 13, "f": 12, "v": 11, "a": 7}


class RegexError(ValueError):
    pass


class _Parser:
    """Pattern -> tree: ('cat', [..]), ('alt', [..]), ('rep', node, lo, hi|None),
    ('set', frozenset of bytes), ('assert', kind)."""

    def __init__(self, pattern: str):
        self.s, self.k = pattern, 0

    def peek(self, n: int = 1) -> str:
        return self.s[self.k:self.k + n]

    def take(self) -> str:
        if self.k >= len(self.s):
            raise RegexError("the pattern ends in the middle of an escape or class")
        self.k += 1
        return self.s[self.k - 1]

    def parse(self):
        node = self.alt()
        if self.k < len(self.s):
            raise RegexError(f"unbalanced ')' at offset {self.k}")
        return node

    def alt(self):
        items = [self.cat()]
        while self.peek() == "|":
            self.k += 1
            items.append(self.cat())
        return items[0] if len(items) == 1 else ("alt", items)

    def cat(self):
        items = []
        while self.peek() and self.peek() not in "|)":
            items.append(self.quantified(self.atom()))
        return ("cat", items)

    def quantified(self, node):
        while self.peek() and self.peek() in "*+?{":
            c = self.take()
            if c == "{":
                end = self.s.find("}", self.k)
                body = self.s[self.k:end] if end >= 0 else ""
                lo, _, hi = body.partition(",")
                if not lo.isdigit() or (hi and not hi.isdigit()):
                    raise RegexError(f"cannot read the repetition {{{body}}}")
                self.k = end + 1
                lo_n, hi_n = int(lo), (int(hi) if hi else None if "," in body else int(lo))
                if max(lo_n, hi_n or 0) > 1000 or (hi_n is not None and hi_n < lo_n):
                    raise RegexError(f"bad repetition {{{body}}}")
                node = ("rep", node, lo_n, hi_n)
            else:
                node = ("rep", node, *{"*": (0, None), "+": (1, None), "?": (0, 1)}[c])
            if self.peek() == "?":
                self.k += 1     # lazy: the same language, and a full match has no choice
        return node

    def atom(self):
        c = self.take()
        if c == "(":
            if self.peek() == "?":
                if self.peek(2) == "?:":
                    self.k += 2
                elif self.peek(3) == "?P<":
                    self.k = self.s.index(">", self.k) + 1
                else:
                    raise RegexError(f"group syntax '(?{self.s[self.k + 1:self.k + 2]}' "
                                     "(flags, lookaround) is not supported")
            node = self.alt()
            if self.take() != ")":
                raise RegexError("missing ')'")
            return node
        if c in "*+?{":
            raise RegexError(f"'{c}' at offset {self.k - 1} repeats nothing")
        if c == "^":
            return ("assert", BOL)
        if c == "$":
            return ("assert", EOL)
        if c == ".":
            return ("set", _CHARS - {10})
        if c == "[":
            return ("set", self.bracket())
        if c == "\\":
            e = self.take()
            if e in "bB":
                return ("assert", WORD if e == "b" else NOT_WORD)
            return ("set", self.escape(e))
        return _literal(c)

    def escape(self, e: str) -> frozenset:
        if e.lower() in _PERL:
            s = _PERL[e.lower()]
            return _CHARS - s if e.isupper() else s
        if e in _ESCAPES:
            return frozenset({_ESCAPES[e]})
        if e == "x":
            h = self.take() + self.take()
            return frozenset({int(h, 16)})
        if e.isalnum() or ord(e) > 127:
            raise RegexError(f"the escape '\\{e}' is not supported")
        return frozenset({ord(e)})

    def bracket(self) -> frozenset:
        neg = self.peek() == "^"
        self.k += neg
        out, first = set(), True
        while first or self.peek() != "]":
            first, c = False, self.take()
            if c == "[" and self.peek() == ":":
                raise RegexError("POSIX classes [:...:] are not supported")
            lo = self.escape(self.take()) if c == "\\" else frozenset({_byte(c)})
            if self.peek() == "-" and self.peek(2) not in ("-]", "-") and len(lo) == 1:
                self.k += 1
                c2 = self.take()
                hi = self.escape(self.take()) if c2 == "\\" else frozenset({_byte(c2)})
                lo = frozenset(range(min(lo), max(hi) + 1))
            out |= lo
        self.k += 1
        return _CHARS - out if neg else frozenset(out)


def _byte(c: str) -> int:
    if ord(c) > 127:
        raise RegexError(f"the non-ASCII character '{c}' inside [...] is not supported")
    return ord(c)


def _literal(c: str):
    return ("cat", [("set", frozenset({b})) for b in c.encode("utf-8")])


class _Program:
    def __init__(self):
        self.code: list[list[int]] = []     # [op, x, y]
        self.sets: list[frozenset] = []

    def emit(self, op: int, x: int = 0, y: int = 0) -> int:
        if len(self.code) >= MAX_PROGRAM:
            raise RegexError(f"the pattern needs more than {MAX_PROGRAM} instructions")
        self.code.append([op, x, y])
        return len(self.code) - 1

    def gen(self, node) -> None:
        kind = node[0]
        if kind == "cat":
            for n in node[1]:
                self.gen(n)
        elif kind == "alt":
            jumps = []
            for n in node[1][:-1]:
                split = self.emit(SPLIT)
                self.code[split][1] = len(self.code)
                self.gen(n)
                jumps.append(self.emit(JMP))
                self.code[split][2] = len(self.code)
            self.gen(node[1][-1])
            for j in jumps:
                self.code[j][1] = len(self.code)
        elif kind == "rep":
            _, n, lo, hi = node
            for _ in range(lo):
                self.gen(n)
            if hi is None:               # L: split body, out; body; jmp L
                split = self.emit(SPLIT, len(self.code) + 1)
                self.gen(n)
                self.emit(JMP, split)
                self.code[split][2] = len(self.code)
            else:
                splits = []
                for _ in range(hi - lo):
                    splits.append(self.emit(SPLIT, len(self.code) + 1))
                    self.gen(n)
                for s in splits:
                    self.code[s][2] = len(self.code)
        elif kind == "assert":
            self.emit(ASSERT, node[1])
        else:
            self.char(node[1])

    def char(self, s: frozenset) -> None:
        if s not in self.sets:
            self.sets.append(s)
        self.emit(CLASS, self.sets.index(s))
        if any(b >= 0xC0 for b in s):    # a lead byte brings its continuation bytes
            cont = frozenset(range(0x80, 0xC0))
            if cont not in self.sets:
                self.sets.append(cont)
            split = self.emit(SPLIT, len(self.code) + 1, len(self.code) + 3)
            self.emit(CLASS, self.sets.index(cont))
            self.emit(JMP, split)


def compile_regex(pattern: str) -> tuple[list[list[int]], list[list[int]]]:
    """(program [op, x, y] per instruction, each class as 32 bitmap bytes); RegexError."""
    prog = _Program()
    prog.gen(_Parser(pattern).parse())
    prog.emit(MATCH)
    bitmaps = [[sum(1 << b for b in range(8) if 8 * i + b in s) for i in range(32)]
               for s in prog.sets]
    return prog.code, bitmaps
