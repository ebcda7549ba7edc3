"""ONNX names in C: identifiers, string literals and comments.

An ONNX name is any Unicode string. Every place generated C shows one goes through here:

* Namer maps names to valid C99 identifiers (ASCII letters, digits, `_`) that are unique
  within a file and deterministic (the same model gives the same names). An identifier
  never is a C99/C11/C23 or C++ keyword (the header is C++-safe), a standard-library
  function, macro or type name or one of the macro families the standard reserves
  (E*, INT*_MAX, FLT_*, *_t, ...), a name that begins with `_` or holds `__`, or one that
  begins with the runtime's `o2c_` or the model's own `NAME_` prefix (its tables and
  macros); such names get a `v_` in front. Collisions get `_2`, `_3`, ... behind, which none of the rules can refuse, so
  the search always ends.
* c_string() makes a C string literal of any text (octal escapes for all but printable
  ASCII, `\\?` against trigraphs), or says it is too long for one;
* c_comment() makes any text safe inside `/* */`.
"""
from __future__ import annotations

import re
import unicodedata

MAX_IDENTIFIER = 48          # characters kept of a name
MAX_PREFIXED = 56            # ... and of a prefixed one; C99 guarantees 63 significant
MAX_LITERAL = 4095           # characters of a string literal every C99 compiler takes

_KEYWORDS = set("""
auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef
union unsigned void volatile while _Bool _Complex _Imaginary _Alignas _Alignof _Atomic
_Generic _Noreturn _Static_assert _Thread_local alignas alignof bool constexpr false nullptr
static_assert thread_local true typeof typeof_unqual _BitInt _Decimal32 _Decimal64
_Decimal128 asm fortran
and and_eq bitand bitor catch char8_t char16_t char32_t class co_await co_return co_yield
compl concept const_cast consteval constinit decltype delete dynamic_cast explicit export
friend mutable namespace new noexcept not not_eq operator or or_eq private protected public
reinterpret_cast requires static_cast template this throw try typeid typename using virtual
wchar_t xor xor_eq
""".split())

_MATH = """acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 expm1 frexp
ilogb ldexp log log10 log1p log2 logb modf scalbn scalbln cbrt fabs hypot pow sqrt erf erfc
lgamma tgamma ceil floor nearbyint rint lrint llrint round lround llround trunc fmod
remainder remquo copysign nan nextafter nexttoward fdim fmax fmin fma""".split()

_LIBRARY = set(_MATH) | {f + s for f in _MATH for s in "fl"} | set("""
abs labs llabs div ldiv lldiv isnan isinf isfinite isnormal signbit fpclassify isgreater
isgreaterequal isless islessequal islessgreater isunordered NAN INFINITY HUGE_VAL HUGE_VALF
HUGE_VALL MATH_ERRNO MATH_ERREXCEPT math_errhandling float_t double_t
NULL offsetof size_t ptrdiff_t max_align_t wint_t wctype_t wctrans_t mbstate_t
malloc calloc realloc free aligned_alloc abort exit atexit at_quick_exit quick_exit _Exit
getenv system bsearch qsort rand srand atof atoi atol atoll mblen mbtowc wctomb mbstowcs
wcstombs EXIT_SUCCESS EXIT_FAILURE RAND_MAX MB_CUR_MAX
printf fprintf sprintf snprintf scanf fscanf sscanf vprintf vfprintf vsprintf vsnprintf
vscanf vfscanf vsscanf getc putc getchar putchar puts fputs gets fgets fopen fclose fread
fwrite fseek ftell rewind fflush feof ferror clearerr perror remove rename tmpfile tmpnam
setbuf setvbuf ungetc fgetc fputc fgetpos fsetpos freopen FILE fpos_t EOF BUFSIZ
FILENAME_MAX FOPEN_MAX L_tmpnam TMP_MAX SEEK_SET SEEK_CUR SEEK_END stdin stdout stderr
clock time difftime mktime asctime ctime gmtime localtime clock_t time_t tm timespec
timespec_get CLOCKS_PER_SEC setjmp longjmp jmp_buf signal raise sig_atomic_t
va_list va_start va_arg va_end va_copy assert NDEBUG errno setlocale localeconv lconv
complex imaginary I cabs carg cimag creal conj cproj call_once once_flag ONCE_FLAG_INIT
kill_dependency main CHAR_BIT MB_LEN_MAX
memcpy memmove memset memcmp memchr strcpy strncpy strcat strncat strcmp strncmp strcoll
strxfrm strchr strrchr strspn strcspn strpbrk strstr strtok strlen strerror strtod strtof
strtold strtol strtoll strtoul strtoull isalnum isalpha isblank iscntrl isdigit isgraph
islower isprint ispunct isspace isupper isxdigit tolower toupper
""".split())

# Names that are or may become macros or type names of the standard headers (a parameter
# of that name breaks a file that includes them). Function names that are not macros only
# matter where the generated code calls them, so exact names suffice for those.
_RESERVED = re.compile(
    r"_|.*__|"                                          # the implementation's
    r"E[0-9A-Z]|(LC_|SIG_?|FE_|TIME_|ATOMIC_)[A-Z]|(PRI|SCN)[a-zX]|u?int\w*_t$|"
    r"U?INT\w*_(MAX|MIN|C)$|(CHAR|SCHAR|UCHAR|SHRT|USHRT|LONG|ULONG|LLONG|ULLONG|"
    r"INTMAX|UINTMAX|INTPTR|UINTPTR|PTRDIFF|SIZE|WCHAR|WINT|SIG_ATOMIC)_(MAX|MIN|BIT)$|"
    r"(FLT|DBL|LDBL|DECIMAL)_|FP_[A-Z]|M_[A-Z0-9]|c(abs|exp|log|pow|sqrt)[fl]?$")


def _ascii(c: str) -> str:
    """One character of a name as identifier characters."""
    if c.isascii():
        return c if c.isalnum() else "_"
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", c) if ch.isascii() and ch.isalnum())
    return plain or f"_u{ord(c):04x}_"


def identifier(name: str) -> str:
    """name's characters as a C identifier: ASCII letters kept (accents dropped), other
    letters as their code point, everything else `_`; no `_` at either end or twice."""
    text = re.sub(r"_+", "_", "".join(map(_ascii, name))).strip("_")[:MAX_IDENTIFIER]
    text = text.rstrip("_") or "v"
    return "v" + text if text[0].isdigit() else text


class Namer:
    """Hands out C identifiers in one C file; the same ONNX name always gets the same one.

    model is the model's C name (--name): `model_` and `MODEL_` begin its own tables and
    macros, so no ONNX name may. reserved: identifiers the generated code itself uses."""

    def __init__(self, model: str, reserved=()):
        self.used = set(reserved) | {model}
        self.names: dict[str, str] = {}
        self.stem = model.lower()
        self.escape = "w_" if self.stem == "v" else "v_"

    def _refused(self, base: str) -> bool:
        low = base.lower()
        return base in _KEYWORDS or base in _LIBRARY or bool(_RESERVED.match(base)) or \
            low in ("o2c", self.stem) or low.startswith(("o2c_", self.stem + "_"))

    def __call__(self, name: str, prefix: str = "") -> str:
        """The identifier of name; prefix (one of the generated code's own, such as
        `n3_`) goes in front and exempts it from the reserved-name rules."""
        key = prefix + "\0" + name
        if key not in self.names:
            base = identifier(name)
            if prefix:
                base = (prefix + base)[:MAX_PREFIXED]
            elif self._refused(base):
                base = self.escape + base
            cand, k = base, 1
            while cand in self.used:
                k += 1
                cand = f"{base}_{k}"
            self.used.add(cand)
            self.names[key] = cand
        return self.names[key]


def _char_escape(b: int) -> str:
    return chr(b) if 32 <= b < 127 and chr(b) not in '"\\?' else \
        "\\?" if b == ord("?") else f"\\{b:03o}"


def c_string(text: str, width: int = 72) -> str | None:
    """A C string literal holding text's UTF-8 bytes (pieces of at most `width`
    characters, to be joined by C's concatenation), or None if it is longer than C99
    promises a compiler takes (then use c_bytes())."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_LITERAL - 1:
        return None
    pieces, cur = [], ""
    for b in raw:
        esc = _char_escape(b)
        if len(cur) + len(esc) > width:
            pieces.append(cur)
            cur = ""
        cur += esc
    return " ".join(f'"{p}"' for p in pieces + [cur])


def c_bytes(text: str) -> str:
    """text's UTF-8 bytes and a NUL as the body of a char array initializer (character
    constants, which fit `char` whether it is signed or not)."""
    raw = list(text.encode("utf-8", "surrogatepass")) + [0]
    rows = [", ".join(f"'\\{b:03o}'" for b in raw[k:k + 16]) for k in range(0, len(raw), 16)]
    return ",\n    ".join(rows)


def c_comment(text: str, limit: int = 160) -> str:
    """text made safe and readable inside /* */ on one line: ASCII only, no comment
    delimiters, no trigraphs, no line breaks or control or bidi characters; long text
    shortened in the middle."""
    out = "".join(c if " " <= c <= "~" else f"\\u{ord(c):04x}" if ord(c) > 0xff
                  else f"\\x{ord(c):02x}" for c in text)
    if len(out) > limit:
        out = out[:limit // 2] + "..." + out[-limit // 2:]
    out = out.replace("*/", "* /").replace("/*", "/ *")
    while "??" in out:
        out = out.replace("??", "?\\?")
    return out.rstrip("\\")
