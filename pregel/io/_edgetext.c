/* The compiled pass of pregel/io/edgetext.py: edge-list text to columns in one sweep over the bytes.
 *
 * parse(text, columns, sources, targets, weights) reads a chunk of whole lines of two
 * unsigned integer ids and an optional weight, separated by spaces, tabs, commas and CRs,
 * with '#' comments (to the end of the line) and '%' comment lines (a '%' after nothing
 * but spaces and tabs), and writes each line's fields into the writable buffers
 * `sources`, `targets` (int32 or int64) and `weights` (float64). With `weights` None, a
 * third column is read and checked all the same but not stored (for callers that ignore
 * weights). A weight is an optional sign, digits with an optional decimal point and an
 * optional exponent; its value is the correctly rounded double, as Python's float() and
 * numpy give, whatever the C locale of the process.
 *
 * It accepts a strict subset of what the numpy passes of edgetext.py accept and gives the
 * same numbers; for anything else (a sign or a point in an id, a letter, inf or nan, a
 * weight that overflows, an id of more than 16 digits or of 2**53 or
 * more, a line whose number of fields is not `columns`, a comma that does not sit between
 * two fields) it returns None and the Python passes read the chunk or name its first bad
 * line. It returns (edges, columns, newlines, first_line): the rows written, the columns
 * of the text (0 if it holds no field), the newlines counted and how many newlines precede
 * the first field (-1 if none); edges is -1 when an id does not fit int32 buffers (the
 * caller passes int64 ones instead). The GIL is released while the bytes are read, so
 * threads can parse chunks side by side.
 *
 * parse_fields reads the rows of a CSV file by column position, for pregel/io/tabular.py
 * (see its section below).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
/* The usual weighted lines are also read with SSSE3 and SSE4.1 where the processor has them (asked at import), in
 * functions compiled for them alone: the build itself assumes only SSE2. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__SSE2__)
#define SIMD_LINES 1
#include <immintrin.h>
static int simd_lines; /* the processor has SSE4.1, and the tests have not turned it off */
#else
#define SIMD_LINES 0
#endif
#ifdef __APPLE__
#include <xlocale.h>
#endif

/* strtod_l with a "C" locale reads a decimal point whatever setlocale() the program made */
#if defined(__GLIBC__) || defined(__APPLE__)
#define HAVE_STRTOD_L 1
static locale_t c_locale;
#else
#define HAVE_STRTOD_L 0
#endif

/* Clinger's fast path needs each operation rounded once to double (no x87 extended precision) */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define EXACT_DOUBLE_ARITHMETIC 1
#else
#define EXACT_DOUBLE_ARITHMETIC 0
#endif

#define MAX_DIGITS 16
#define MAX_ID (UINT64_C(1) << 53)

enum outcome { DONE, NOT_PLAIN, TOO_WIDE };

typedef struct {
    const unsigned char *text;
    Py_ssize_t size;
    int columns;
    int wide; /* ids are written as int64, else as int32 */
    void *sources, *targets;
    double *weights; /* NULL: a third column is checked, not stored */
    Py_ssize_t capacity; /* rows the buffers hold, weights included */
    int slow_ok; /* strtod may read the weights Clinger's fast path cannot (it reads a '.') */
    Py_ssize_t edges, newlines, first_line;
} job_t;

static inline int is_digit(unsigned char c) { return (unsigned char)(c - '0') < 10; }

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
#define LITTLE_ENDIAN_WORDS 1
#define trailing_zeros(x) __builtin_ctzll(x)
#else
#define LITTLE_ENDIAN_WORDS 0
#define trailing_zeros(x) 0 /* never used: tokens are read byte by byte */
#endif

static const uint64_t POWERS_OF_TEN[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

/* How many of the 8 bytes of `word` (as digit values: the bytes xor '0') lead with digits. */
static inline int digits_in(uint64_t x)
{
    /* a byte's top bit is set unless it is below 10: (x & 0x7f) + 0x76 carries into it from 10 up */
    uint64_t not_digit = (((x & UINT64_C(0x7F7F7F7F7F7F7F7F)) + UINT64_C(0x7676767676767676)) | x) &
                         UINT64_C(0x8080808080808080);
    return not_digit ? trailing_zeros(not_digit) >> 3 : 8;
}

/* The number written by the digit values in the top `k` bytes of x (1 <= k <= 8), most significant lowest. */
static inline uint64_t eight_digits(uint64_t x)
{
    /* pairs, then quadruples, then all eight: as _eight_digits in edgetext.py */
    x = ((x * (10 * 256 + 1)) >> 8) & UINT64_C(0x00FF00FF00FF00FF);
    x = ((x * (100 * 65536 + 1)) >> 16) & UINT64_C(0x0000FFFF0000FFFF);
    return (x * (10000 * (UINT64_C(1) << 32) + 1)) >> 32;
}

/* The token of 1 to 16 digits at p (16 bytes may be read): its length, and its value in *value. */
static inline int word_token(const unsigned char *p, uint64_t *value)
{
    uint64_t x;
    memcpy(&x, p, 8);
    x ^= UINT64_C(0x3030303030303030);
    int k = digits_in(x);
    if (k < 8) {
        *value = eight_digits(x << (8 * (8 - k)));
        return k;
    }
    uint64_t y;
    memcpy(&y, p + 8, 8);
    y ^= UINT64_C(0x3030303030303030);
    int more = digits_in(y);
    uint64_t high = eight_digits(x);
    *value = more ? high * POWERS_OF_TEN[more] + eight_digits(y << (8 * (8 - more))) : high;
    return 8 + more;
}

/* What may follow a field: a separator, a line end, a comment (or the end of the text). */
static inline int ends_field(unsigned char c)
{
    return c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r' || c == '#';
}

/* 10**k for k <= 22: every one exact in a double */
static const double EXACT_POWERS[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#define SLOW_TOKEN 512

/* The weight written at first..last by strtod in the "C" locale; 0 if it cannot be read here. */
static int slow_weight(const unsigned char *first, const unsigned char *last, double *value)
{
    char buffer[SLOW_TOKEN];
    size_t length = (size_t)(last - first);
    if (length >= sizeof buffer)
        return 0;
    memcpy(buffer, first, length);
    buffer[length] = '\0';
    char *stop;
#if HAVE_STRTOD_L
    *value = strtod_l(buffer, &stop, c_locale);
#else
    *value = strtod(buffer, &stop);
#endif
    return stop == buffer + length;
}

/* 10**k for k <= 19: every power a uint64 holds */
static const uint64_t UINT_POWERS[20] = {1,
                                         10,
                                         100,
                                         1000,
                                         10000,
                                         100000,
                                         1000000,
                                         10000000,
                                         100000000,
                                         1000000000,
                                         10000000000,
                                         100000000000,
                                         1000000000000,
                                         10000000000000,
                                         100000000000000,
                                         1000000000000000,
                                         10000000000000000,
                                         100000000000000000,
                                         1000000000000000000,
                                         UINT64_C(10000000000000000000)};

#if defined(__SIZEOF_INT128__) && EXACT_DOUBLE_ARITHMETIC
#define HAVE_EXACT_QUOTIENT 1
typedef unsigned __int128 u128;

/* The double nearest m / 10**k (ties to even) for m < 2**64 and 1 <= k <= 21, as strtod gives it; 0 when
 * the integers below would not fit 128 bits (the caller asks strtod). A double quotient is within an ulp or
 * two of the answer; each candidate is checked against the midpoints around it in exact integers:
 * m / 10**k > c * 2**F (F < 0) exactly when m * 2**-F > c * 10**k. */
static int exact_quotient(uint64_t m, int k, double *value)
{
    u128 power = (u128)UINT_POWERS[k < 19 ? k : 19] * UINT_POWERS[k < 19 ? 0 : k - 19]; /* < 2**70 */
    double d = (double)m / EXACT_POWERS[k];
    int width = 64 - __builtin_clzll(m);
    for (int step = 0; step < 4; step++) {
        uint64_t bits;
        memcpy(&bits, &d, 8);
        int field = (int)(bits >> 52);
        if (field == 0 || field > 1077)
            return 0; /* subnormal, or 2**55 and up (the shift below would be negative) */
        uint64_t M = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
        int shift = 1075 + 2 - field; /* d = M * 2**(field - 1075); midpoints have one or two more bits */
        if (width + shift > 127)
            return 0;
        u128 x = (u128)m << shift; /* m / 10**k, times 2**shift and 10**k: compared with (4M +- 2) * 10**k */
        u128 above = (u128)(4 * M + 2) * power;
        /* below d the spacing halves where M is a power of two */
        u128 below = (u128)(M == UINT64_C(1) << 52 ? 4 * M - 1 : 4 * M - 2) * power;
        if (x > above || (x == above && (M & 1))) {
            bits++;
        } else if (x < below || (x == below && (M & 1))) {
            bits--;
        } else {
            *value = d;
            return 1;
        }
        memcpy(&d, &bits, 8);
    }
    return 0;
}
#else
#define HAVE_EXACT_QUOTIENT 0
static int exact_quotient(uint64_t m, int k, double *value)
{
    (void)m, (void)k, (void)value;
    return 0;
}
#endif

/* The digits and point of a weight (whole part, fraction, at most 19 digits in all) read a word at a time;
 * 0 (and *at unmoved) if they are not that. */
static inline int word_mantissa(const unsigned char **at, uint64_t *mantissa, int64_t *exponent)
{
    const unsigned char *p = *at;
    uint64_t whole, fraction = 0;
    int whole_digits = word_token(p, &whole), fraction_digits = 0;
    p += whole_digits;
    if (*p == '.') {
        p++;
        if (is_digit(*p)) {
            fraction_digits = word_token(p, &fraction);
            p += fraction_digits;
            if (fraction_digits == MAX_DIGITS && is_digit(*p)) {
                /* a 17th fraction digit and more, as repr() writes them ("0.23681050659609976") */
                uint64_t more;
                int more_digits = word_token(p, &more);
                if (whole_digits + fraction_digits + more_digits > 19)
                    return 0;
                fraction = fraction * UINT_POWERS[more_digits] + more;
                fraction_digits += more_digits;
                p += more_digits;
            }
        }
    }
    if (is_digit(*p) || whole_digits + fraction_digits > 19)
        return 0; /* a 17th digit in a row: the byte loop reads it */
    *mantissa = whole * UINT_POWERS[fraction_digits] + fraction;
    *exponent = -fraction_digits;
    *at = p;
    return 1;
}

/* Read the weight at *at (and move past it) into *value; 0 if the compiled pass leaves it to numpy. */
static int read_weight(const unsigned char **at, const unsigned char *end, double *value, int slow_ok)
{
    const unsigned char *p = *at, *first = p;
    int negative = 0, exact = 1;
    uint64_t mantissa = 0;
    int64_t exponent = 0; /* value = mantissa * 10**exponent, while exact */

    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    /* two words for the whole part and four for the fraction may be read, past a point */
    if (!(LITTLE_ENDIAN_WORDS && end - p >= 50 && is_digit(*p) && word_mantissa(&p, &mantissa, &exponent))) {
        int significant = 0, digits = 0;
        /* up to 19 significant digits fit a uint64; later ones only scale the value (or make it inexact) */
        for (; p < end && is_digit(*p); p++, digits++) {
            unsigned digit = *p - '0';
            if (significant < 19) {
                mantissa = mantissa * 10 + digit;
                significant += mantissa != 0;
            } else {
                exponent++;
                exact &= digit == 0;
            }
        }
        if (p < end && *p == '.') {
            for (p++; p < end && is_digit(*p); p++, digits++) {
                unsigned digit = *p - '0';
                if (significant < 19) {
                    mantissa = mantissa * 10 + digit;
                    significant += mantissa != 0;
                    exponent--;
                } else {
                    exact &= digit == 0;
                }
            }
        }
        if (!digits)
            return 0;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int minus = 0;
        int64_t power = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            minus = *p++ == '-';
        if (p == end || !is_digit(*p))
            return 0;
        for (; p < end && is_digit(*p); p++)
            if (power < 100000) /* far past any double: the value is 0 or infinite either way */
                power = power * 10 + (*p - '0');
        exponent += minus ? -power : power;
    }
    if (p < end && !ends_field(*p))
        return 0;
    *at = p;
    if (mantissa == 0) {
        *value = negative ? -0.0 : 0.0;
        return 1;
    }
    if (EXACT_DOUBLE_ARITHMETIC && exact && mantissa < MAX_ID && exponent >= -22 && exponent <= 22) {
        /* both operands exact, so the one rounding of the product or quotient is the correct one */
        double m = (double)mantissa;
        *value = exponent < 0 ? m / EXACT_POWERS[-exponent] : m * EXACT_POWERS[exponent];
        if (negative)
            *value = -*value;
        return 1;
    }
    if (HAVE_EXACT_QUOTIENT && exact && exponent >= -21 && exponent < 0 && exact_quotient(mantissa, (int)-exponent, value)) {
        if (negative)
            *value = -*value;
        return 1;
    }
    if (!slow_ok || !slow_weight(first, p, value))
        return 0;
    return isfinite(*value); /* overflow is the numpy passes' error to report */
}

/* Store the line's fields as one edge (a line without fields stores nothing); `kept`: job->weights is not NULL. */
static inline enum outcome end_line(job_t *job, const uint64_t *row, double weight, int tokens, int kept)
{
    if (!tokens)
        return DONE;
    if (!job->columns) {
        if (tokens < 2)
            return NOT_PLAIN;
        job->columns = tokens;
    } else if (tokens != job->columns) {
        return NOT_PLAIN;
    }
    Py_ssize_t k = job->edges;
    if (k >= job->capacity)
        return NOT_PLAIN; /* the caller's buffers are too short: let the Python passes read it */
    if (job->wide) {
        ((int64_t *)job->sources)[k] = (int64_t)row[0];
        ((int64_t *)job->targets)[k] = (int64_t)row[1];
    } else {
        if (row[0] > INT32_MAX || row[1] > INT32_MAX)
            return TOO_WIDE;
        ((int32_t *)job->sources)[k] = (int32_t)row[0];
        ((int32_t *)job->targets)[k] = (int32_t)row[1];
    }
    if (tokens == 3 && kept)
        job->weights[k] = weight; /* (capacity counts the weights' room too) */
    job->edges = k + 1;
    return DONE;
}

/* Read one line (through its newline, or to the end of the text) with every rule; *at moves past it. */
static enum outcome any_line(job_t *job, const unsigned char **at, const unsigned char *end)
{
    const unsigned char *p = *at;
    uint64_t row[2];
    double weight = 0.0;
    int tokens = 0;
    /* the last byte of the line that is not a space or a tab ends a field (a comma may follow) */
    int after_token = 0;
    /* the line so far is only spaces and tabs (a '%' here starts a comment line) */
    int line_start = 1;
    while (p < end) {
        unsigned char c = *p;
        if (tokens == 2 && (is_digit(c) || c == '-' || c == '+' || c == '.')) {
            if (!read_weight(&p, end, &weight, job->slow_ok))
                return NOT_PLAIN;
            tokens = 3;
            after_token = 1;
            continue;
        }
        if (is_digit(c)) {
            const unsigned char *first = p;
            uint64_t value;
            if (end - p >= 16 && LITTLE_ENDIAN_WORDS) {
                p += word_token(p, &value);
                if (p - first == MAX_DIGITS && p < end && is_digit(*p))
                    return NOT_PLAIN;
            } else {
                value = 0;
                do {
                    value = value * 10 + (uint64_t)(*p - '0'); /* wraps only past 19 digits, refused below */
                    p++;
                } while (p < end && is_digit(*p));
            }
            if (p - first > MAX_DIGITS || value >= MAX_ID || tokens >= 2 || (p < end && !ends_field(*p)))
                return NOT_PLAIN;
            if (job->first_line < 0)
                job->first_line = job->newlines;
            row[tokens++] = value;
            after_token = 1;
            line_start = 0;
            continue;
        }
        switch (c) {
        case ' ':
        case '\t':
            p++;
            break;
        case '\r':
            after_token = line_start = 0;
            p++;
            break;
        case '\n':
            job->newlines++;
            *at = p + 1;
            return end_line(job, row, weight, tokens, job->weights != NULL);
        case ',':
            /* only between two fields: the empty fields the Python passes report never reach here */
            if (!after_token)
                return NOT_PLAIN;
            p++;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (p == end || ends_field(*p))
                return NOT_PLAIN;
            break;
        case '%':
        case '#': {
            if (c == '%' && !line_start)
                return NOT_PLAIN;
            /* a comment, to the end of the line */
            const unsigned char *newline = memchr(p, '\n', (size_t)(end - p));
            p = newline ? newline : end;
            break;
        }
        default:
            return NOT_PLAIN;
        }
    }
    *at = end;
    return end_line(job, row, weight, tokens, job->weights != NULL);
}

/* The 8 bytes at p as digit values (a byte minus '0', or xor '0': alike for digits) in *values, and a mask of those
 * that are not digits, bit k for byte k; bits 8 and 9 are always set (byte 8 is read by the caller). */
static inline unsigned non_digits(const unsigned char *p, uint64_t *values)
{
#if defined(__SSE2__) && defined(__x86_64__)
    __m128i v = _mm_sub_epi8(_mm_loadl_epi64((const __m128i *)p), _mm_set1_epi8('0'));
    *values = (uint64_t)_mm_cvtsi128_si64(v);
    /* not a digit: 10 or more, unsigned (the 8 zero bytes above the load are 0xD0 here) */
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(10)), v));
#else
    uint64_t x;
    memcpy(&x, p, 8);
    x ^= UINT64_C(0x3030303030303030);
    *values = x;
    uint64_t top = (((x & UINT64_C(0x7F7F7F7F7F7F7F7F)) + UINT64_C(0x7676767676767676)) | x) &
                   UINT64_C(0x8080808080808080);
    /* the 8 top bits gathered into the last byte by one multiplication */
    return (unsigned)(((top >> 7) * UINT64_C(0x0102040810204080)) >> 56) | 0x300;
#endif
}

/* The number written by the n digit values (1 <= n <= 8) in the low bytes of x, most significant lowest. */
static inline uint64_t low_digits(uint64_t x, size_t n)
{
    if (n <= 4) {
        /* two steps of eight_digits in 32 bits, where the constants fit the instructions */
        uint32_t y = (uint32_t)((x << 32) >> (8 * n));
        y = ((y * (10 * 256 + 1)) >> 8) & 0x00FF00FF;
        return (y * (100 * 65536 + 1)) >> 16;
    }
    return eight_digits(x << (64 - 8 * n));
}

/* The bytes from byte k up: ~0 << 8k, for k <= 8 */
static const uint64_t BYTES_FROM[9] = {~UINT64_C(0),       ~UINT64_C(0) << 8,  ~UINT64_C(0) << 16,
                                       ~UINT64_C(0) << 24, ~UINT64_C(0) << 32, ~UINT64_C(0) << 40,
                                       ~UINT64_C(0) << 48, ~UINT64_C(0) << 56, 0};

/* A weight of digits, an optional point and more digits (".5" too), in the 8 bytes at *at (a 9th is read): *at
 * moved past it, and its value in *value if `keep`; 0 (and *at unmoved) for any other. What follows it is the
 * caller's to check (a digit may). Written for few instructions, as most of a weighted line's cost is here: the
 * fraction's digits are moved one byte down over the point, and the power of ten is the point's distance to
 * the end. */
static inline int short_decimal(const unsigned char **at, double *value, int keep)
{
    const unsigned char *p = *at;
    uint64_t x;
    unsigned not_digit = non_digits(p, &x);
    size_t first = (size_t)trailing_zeros((uint64_t)not_digit);
    if (p[first] != '.') {
        if (!first)
            return 0;
        if (keep)
            *value = (double)(int64_t)low_digits(x, first);
        *at = p + first;
        return 1;
    }
    /* the non-digit after the point: at most byte 8, which is always one */
    size_t stop = (size_t)trailing_zeros((uint64_t)(not_digit & (not_digit - 1)));
    if (stop - first < 2)
        return 0; /* no digit after the point ("5.", "5.e3"), or the point is byte 7 or 8: read_weight reads it */
    if (keep) {
        uint64_t digits = x ^ ((x ^ (x >> 8)) & BYTES_FROM[first]);
        double mantissa = (double)(int64_t)low_digits(digits, stop - 1);
        *value = mantissa / EXACT_POWERS[stop - first - 1]; /* exact operands: one correct rounding */
    }
    *at = p + stop;
    return 1;
}

/* Bytes a line read by fast_line may need beyond its start. */
#define FAST_LINE_ROOM 64

/* A weight that is not kept, of digits, an optional point and more digits: its syntax checked without computing
 * its value, *at moved past it; 0 (and *at unmoved) for any other weight, which read_weight checks as when
 * weights are kept (a weight that overflows is refused either way). What follows it is the caller's to check.
 * The usual short weight ("0.731") is found in one word, its end depending on a single load (the next line's
 * start waits for it); a longer one ("0.23681050659609976") a word at a time. */
static inline int skip_weight(const unsigned char **at, const unsigned char *end)
{
    const unsigned char *p = *at;
    uint64_t x;
    memcpy(&x, p, 8);
    x ^= UINT64_C(0x3030303030303030);
    uint64_t not_digit = (((x & UINT64_C(0x7F7F7F7F7F7F7F7F)) + UINT64_C(0x7676767676767676)) | x) &
                         UINT64_C(0x8080808080808080);
    uint64_t after = not_digit & (not_digit - 1); /* the non-digits after the first */
    if (not_digit && after) {
        int first = trailing_zeros(not_digit) >> 3, second = trailing_zeros(after) >> 3;
        if (p[first] != '.') {
            if (!first)
                return 0;
            *at = p + first;
            return 1;
        }
        if (second > 1) { /* a digit beside the point */
            *at = p + second;
            return 1;
        }
        return 0;
    }
    /* eight digits or more: whole words of them, then the rest, on either side of a point */
    int digits = 0;
    for (int side = 0; side < 2; side++) {
        for (;;) {
            if (end - p < 8 || digits > 256)
                return 0; /* near the end of the text, or long enough to overflow: read_weight reads it */
            memcpy(&x, p, 8);
            int k = digits_in(x ^ UINT64_C(0x3030303030303030));
            p += k;
            digits += k;
            if (k < 8)
                break;
        }
        if (side == 1 || *p != '.')
            break;
        p++;
    }
    if (!digits || *p == 'e' || *p == 'E' || *p == '.')
        return 0;
    *at = p;
    return 1;
}

/* The bytes between two fields of a line: a table is one load, the three comparisons several instructions */
static const unsigned char SEPARATORS[256] = {['\t'] = 1, [' '] = 1, [','] = 1};

static inline int is_separator(unsigned char c) { return SEPARATORS[c]; }

/* Whether a field that ends at p ends the line whose newline is at `newline` (a CR may come before it). */
static inline int ends_line(const unsigned char *p, const unsigned char *newline)
{
    return p == newline || (p + 1 == newline && *p == '\r');
}

/* The usual line, "id id[ weight]" with single separators, ending at `newline` (a CR may come before it), read
 * without the rules of any_line; 0 (nothing read) for any other line. Up to the weight's end, p stays within
 * FAST_LINE_ROOM of the line's start (ids of at most 16 digits, a short weight of at most 8 bytes and a 9th read):
 * the caller leaves that much text after it. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int fast_line(job_t *job, const unsigned char *p, const unsigned char *newline,
                            const unsigned char *end, enum outcome *status, const int kept)
{
    uint64_t row[2];
    double weight = 0.0;
    int tokens = 2;
    if (!is_digit(*p))
        return 0;
    p += word_token(p, &row[0]);
    if (!is_separator(*p) || !is_digit(p[1]))
        return 0; /* (a 17th digit too) */
    p += 1 + word_token(p + 1, &row[1]);
    if (p != newline && is_separator(*p)) {
        const unsigned char *start = ++p;
        tokens = 3;
        /* the usual weight, from one word, if the line ends after it (one not kept is only checked, a long one by
         * skip_weight); else every rule (an exponent, a sign, many digits) */
        int done = (EXACT_DOUBLE_ARITHMETIC || !kept) && short_decimal(&p, &weight, kept) && ends_line(p, newline);
        if (!done && !kept) {
            p = start;
            done = skip_weight(&p, end) && ends_line(p, newline);
        }
        if (!done) {
            const unsigned char *q = start; /* (p and weight stay in registers: read_weight is not inlined) */
            double value;
            if (!read_weight(&q, end, &value, job->slow_ok) || !ends_line(q, newline))
                return 0;
            weight = value;
        }
    } else if (!ends_line(p, newline)) {
        return 0;
    }
    if (row[0] >= MAX_ID || row[1] >= MAX_ID)
        return 0;
    if (job->first_line < 0)
        job->first_line = job->newlines;
    job->newlines++;
    *status = end_line(job, row, weight, tokens, kept);
    return 1;
}

/* Bit k set where byte k of the 32 at p is not a digit, and bits 32 to 35 (four fields' ends are always found). */
static inline uint64_t non_digit_bits(const unsigned char *p)
{
#if defined(__SSE2__)
    const __m128i zero = _mm_set1_epi8('0'), ten = _mm_set1_epi8(10);
    __m128i low = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)p), zero);
    __m128i high = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), zero);
    /* not a digit: 10 or more, unsigned */
    unsigned low_bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(low, ten), low));
    unsigned high_bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(high, ten), high));
    return (uint64_t)low_bits | (uint64_t)high_bits << 16 | UINT64_C(0xF) << 32;
#else
    uint64_t bits = UINT64_C(0xF) << 32;
    for (int k = 0; k < 32; k++)
        bits |= (uint64_t)!is_digit(p[k]) << k;
    return bits;
#endif
}

/* The number written by the n (1 to 8) digits at p, 8 bytes of which may be read. */
static inline uint64_t digits_at(const unsigned char *p, size_t n)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return eight_digits((x ^ UINT64_C(0x3030303030303030)) << (64 - 8 * n));
}

/* Where the fields of the usual weighted line end, found by weighted_shape for weighted_line. */
typedef struct {
    size_t first, second; /* the ends of the source and the target, from the line's start */
    size_t whole, digits; /* the weight's digits before its point (all of them if it has none), and in all */
    const unsigned char *next; /* the next line's start */
} shape_t;

/* The usual weighted line, "id id weight" with single separators, ids of 1 to 8 digits and a weight of digits with an
 * optional point (at most 8 bytes; ".5" too), ending in "\n" or "\r\n", at most 32 bytes in all: where its fields
 * end, in *shape; 0 for any other line, which fast_line or any_line reads. Its fields' ends and its own end come from
 * one mask of its non-digits, so no field waits for the one before it to be read, and the next line's start waits for
 * no block of newlines (lines of 3 fields are 60 % longer than pairs, so pairs meet a block's end, whose line count
 * the processor cannot foresee, less often). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int weighted_shape(const unsigned char *p, shape_t *shape)
{
    uint64_t rest = non_digit_bits(p);
    size_t first = (size_t)trailing_zeros(rest); /* ends the source */
    rest &= rest - 1;
    size_t second = (size_t)trailing_zeros(rest); /* ends the target */
    rest &= rest - 1;
    size_t third = (size_t)trailing_zeros(rest); /* ends the weight's whole part: its point, or its end */
    rest &= rest - 1;
    /* ids of 1 to 8 digits (the unsigned differences wrap for an empty one), each after one separator */
    if (first - 1 >= 8 || second - first - 2 >= 8 || !is_separator(p[first]) || !is_separator(p[second]))
        return 0;
    size_t whole = third - second - 1, last = third, digits = whole; /* the weight ends at p + last */
    if (p[third] == '.') {
        last = (size_t)trailing_zeros(rest);
        digits = last - second - 2;
        if (last - third < 2 || digits > 7)
            return 0; /* no digit after the point, or more than 8 bytes */
    } else if (whole - 1 >= 8) {
        return 0; /* no digit (a sign, a letter) or more than 8 */
    }
    const unsigned char *next = p + last + 1;
    if (p[last] != '\n') {
        if (p[last] != '\r' || p[last + 1] != '\n')
            return 0;
        next++;
    }
    *shape = (shape_t){first, second, whole, digits, next};
    return 1;
}

/* The fields of a job weighted_line uses, copied for a run of lines: in locals, the stores of ids (which could be
 * the job's int fields, as far as the compiler knows) do not make it read them again for every line. */
typedef struct {
    void *sources, *targets;
    double *weights;
    Py_ssize_t capacity, edges;
    int wide;
} run_t;

/* One edge stored; 0 when the columns are full (fast_line and end_line say so). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int store_edge(run_t *run, uint64_t source, uint64_t target, double weight, const int kept)
{
    Py_ssize_t k = run->edges;
    if (k >= run->capacity)
        return 0;
    if (run->wide) {
        ((int64_t *)run->sources)[k] = (int64_t)source;
        ((int64_t *)run->targets)[k] = (int64_t)target;
    } else {
        ((int32_t *)run->sources)[k] = (int32_t)source; /* (8 digits fit) */
        ((int32_t *)run->targets)[k] = (int32_t)target;
    }
    if (kept)
        run->weights[k] = weight;
    run->edges = k + 1;
    return 1;
}

/* The usual weighted line (weighted_shape) read and stored, *at moved to the next line; 0 (nothing read) for any
 * other line. A weight of 4 digits or fewer ("0.731" is "0731") is read in 32-bit arithmetic. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int weighted_line(run_t *run, const unsigned char **at, const int kept)
{
    const unsigned char *p = *at;
    shape_t shape;
    if (!weighted_shape(p, &shape))
        return 0;
    double weight = 0.0;
    if (kept) {
        uint64_t x;
        memcpy(&x, p + shape.second + 1, 8);
        x ^= UINT64_C(0x3030303030303030);
        /* the bytes after the whole part (the point and the fraction, or what follows an integer) one byte down:
         * the digits in a row; their value over 10**(digits - whole) is the weight's */
        x ^= (x ^ (x >> 8)) & BYTES_FROM[shape.whole];
        weight = (double)(int64_t)low_digits(x, shape.digits) / EXACT_POWERS[shape.digits - shape.whole];
    }
    uint64_t source = digits_at(p, shape.first), target = digits_at(p + shape.first + 1, shape.second - shape.first - 1);
    if (!store_edge(run, source, target, weight, kept))
        return 0;
    *at = shape.next;
    return 1;
}

#if SIMD_LINES
/* pshufb controls that move a field's digit values (bytes minus '0') to the end of an 8-byte half of a vector,
 * zeros before them (a control byte with its top bit set gives 0): an id of n digits at the vector's start into the
 * low half (SOURCE_SHUFFLES[n]) or the high half (TARGET_SHUFFLES[n]), and a weight's digits, its point left out,
 * into the low half (WEIGHT_SHUFFLES[whole][digits], as shape_t counts them). Filled by make_shuffles. */
static __m128i SOURCE_SHUFFLES[9], TARGET_SHUFFLES[9], WEIGHT_SHUFFLES[9][9];

static void make_shuffles(void)
{
    for (int n = 0; n <= 8; n++) {
        signed char source[16], target[16];
        for (int j = 0; j < 16; j++) {
            int at = j % 8 - (8 - n); /* the digit in lane j % 8, counted from the field's start */
            source[j] = j < 8 && at >= 0 ? (signed char)at : -1;
            target[j] = j >= 8 && at >= 0 ? (signed char)at : -1;
        }
        SOURCE_SHUFFLES[n] = _mm_loadu_si128((const __m128i *)source);
        TARGET_SHUFFLES[n] = _mm_loadu_si128((const __m128i *)target);
        for (int whole = 0; whole <= n; whole++) {
            signed char weight[16];
            for (int j = 0; j < 16; j++) {
                int at = j - (8 - n);
                weight[j] = j < 8 && at >= 0 ? (signed char)(at < whole ? at : at + 1) : -1;
            }
            WEIGHT_SHUFFLES[whole][n] = _mm_loadu_si128((const __m128i *)weight);
        }
    }
}

/* weighted_line with the three numbers read side by side in vector lanes (SSSE3 and SSE4.1, asked of the processor
 * at import): each field's digits shuffled into an 8-byte half, then pairs, quadruples and eights of digits summed
 * by multiply-adds. The same numbers, the weight the same quotient of the same two doubles. */
__attribute__((target("sse4.1"), always_inline)) static inline int
weighted_line_simd(run_t *run, const unsigned char **at, const int kept)
{
    const unsigned char *p = *at;
    shape_t shape;
    if (!weighted_shape(p, &shape))
        return 0;
    const __m128i zero = _mm_set1_epi8('0');
    __m128i ids = _mm_or_si128(
        _mm_shuffle_epi8(_mm_sub_epi8(_mm_loadu_si128((const __m128i *)p), zero), SOURCE_SHUFFLES[shape.first]),
        _mm_shuffle_epi8(_mm_sub_epi8(_mm_loadu_si128((const __m128i *)(p + shape.first + 1)), zero),
                         TARGET_SHUFFLES[shape.second - shape.first - 1]));
    __m128i weight_digits = _mm_setzero_si128();
    if (kept)
        weight_digits = _mm_shuffle_epi8(_mm_sub_epi8(_mm_loadu_si128((const __m128i *)(p + shape.second + 1)), zero),
                                         WEIGHT_SHUFFLES[shape.whole][shape.digits]);
    const __m128i tens = _mm_set1_epi16(1 << 8 | 10), hundreds = _mm_set1_epi32(1 << 16 | 100);
    __m128i fours = _mm_packus_epi32(_mm_madd_epi16(_mm_maddubs_epi16(ids, tens), hundreds),
                                     _mm_madd_epi16(_mm_maddubs_epi16(weight_digits, tens), hundreds));
    __m128i numbers = _mm_madd_epi16(fours, _mm_set1_epi32(1 << 16 | 10000)); /* source, target, weight, 0 */
    double weight = 0.0;
    if (kept)
        weight = (double)_mm_extract_epi32(numbers, 2) / EXACT_POWERS[shape.digits - shape.whole];
    uint64_t source = (uint32_t)_mm_cvtsi128_si32(numbers), target = (uint32_t)_mm_extract_epi32(numbers, 1);
    if (!store_edge(run, source, target, weight, kept))
        return 0;
    *at = shape.next;
    return 1;
}

/* The usual weighted lines from p on, read by weighted_line_simd while there are: where they stop. */
__attribute__((target("sse4.1"), noinline)) static const unsigned char *
weighted_lines_simd(run_t *run, const unsigned char *p, const unsigned char *end, const int kept)
{
    if (kept)
        while (end - p >= 64 + FAST_LINE_ROOM && weighted_line_simd(run, &p, 1)) {
        }
    else
        while (end - p >= 64 + FAST_LINE_ROOM && weighted_line_simd(run, &p, 0)) {
        }
    return p;
}
#endif

/* Bit k set where byte k of the 64 at b is a newline. */
static inline uint64_t newline_bits(const unsigned char *b)
{
    uint64_t bits = 0;
#ifdef __SSE2__
    const __m128i newline = _mm_set1_epi8('\n');
    for (int k = 0; k < 4; k++) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)(b + 16 * k));
        bits |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, newline)) << (16 * k);
    }
#else
    for (int k = 0; k < 8; k++) {
        uint64_t x;
        memcpy(&x, b + 8 * k, 8);
        x ^= UINT64_C(0x0A0A0A0A0A0A0A0A);
        /* a byte's top bit is set unless it is zero (a newline): (x & 0x7f) + 0x7f carries into it from 1 up */
        uint64_t zero = ~(((x & UINT64_C(0x7F7F7F7F7F7F7F7F)) + UINT64_C(0x7F7F7F7F7F7F7F7F)) | x) &
                        UINT64_C(0x8080808080808080);
        bits |= (((zero >> 7) * UINT64_C(0x0102040810204080)) >> 56) << (8 * k);
    }
#endif
    return bits;
}

/* The lines of the text; `kept`: whether weights are stored (a constant where it is inlined, so each case is
 * compiled on its own). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline enum outcome parse_lines(job_t *job, const int kept)
{
    const unsigned char *p = job->text, *end = p + job->size;
    enum outcome status = DONE;
#if LITTLE_ENDIAN_WORDS
    /* The newlines are found 64 bytes at a time before the lines are read, so where a line starts does not wait for
     * the fields of the line before it: the processor reads several lines at once, and a line of three fields costs
     * about its instructions, not three fields read one after another. Each line, read by fast_line or any_line,
     * ends at the next newline. */
    int waiting = 0; /* blocks to read before weighted_line is tried again */
    for (const unsigned char *block = p; end - block >= 64 + FAST_LINE_ROOM; block += 64) {
        if (EXACT_DOUBLE_ARITHMETIC && job->columns == 3 && !waiting--) {
            /* a run of the usual weighted lines, each line's end found by weighted_line itself (no block of
             * newlines, whose end the processor cannot foresee, falls between them); the lines of the block are
             * read as below from the first line weighted_line does not read */
            const unsigned char *start = p;
            run_t run = {job->sources, job->targets, job->weights, job->capacity, job->edges, job->wide};
#if SIMD_LINES
            if (simd_lines)
                p = weighted_lines_simd(&run, p, end, kept);
            else
#endif
                while (end - p >= 64 + FAST_LINE_ROOM && weighted_line(&run, &p, kept)) {
                }
            if (run.edges != job->edges) {
                /* every line read is an edge, and its own line: the first edge is no later than the first line */
                if (job->first_line < 0)
                    job->first_line = job->newlines;
                job->newlines += run.edges - job->edges;
                job->edges = run.edges;
            }
            waiting = p == start ? 16 : 0; /* lines of another shape: tried again 16 blocks on */
            if (p != start) {
                block = p;
                if (end - block < 64 + FAST_LINE_ROOM)
                    break;
            }
        }
        for (uint64_t newlines = newline_bits(block); newlines; newlines &= newlines - 1) {
            const unsigned char *newline = block + trailing_zeros(newlines);
            if (fast_line(job, p, newline, end, &status, kept)) {
                p = newline + 1;
            } else {
                const unsigned char *at = p; /* (p stays in a register: any_line is not inlined) */
                status = any_line(job, &at, end);
                p = at;
            }
            if (status != DONE)
                return status;
        }
    }
#endif
    /* the last lines (and every line, where words cannot be read) */
    while (p < end) {
        status = any_line(job, &p, end);
        if (status != DONE)
            return status;
    }
    return DONE;
}

static enum outcome parse_text(job_t *job) { return job->weights ? parse_lines(job, 1) : parse_lines(job, 0); }

/* ---------------------------------------------------------------- CSV fields by position
 * parse_fields reads the lines of a CSV file after its header the way Arrow's CSV reader
 * would, for the commonest case only: exactly `fields` fields a line, split by the one
 * byte `delimiter`, no quotes; empty lines skipped; lines ending in "\n" or "\r\n". The id
 * columns hold unsigned integers (1 to 16 digits, below 2**53), the weight column a number
 * read_weight reads (not a negative zero: Arrow reads "-0" in an integer column as 0), the
 * other columns anything else. Whatever is not that (a quote, a sign or a space in an id,
 * a lone CR, too few or too many fields) makes it give up, and Arrow reads the file.
 * Ids go to int32 or int64 buffers; rows is -1 when an id does not fit int32 ones. */

enum role { SKIPPED = 0, SOURCE = 1, TARGET = 2, WEIGHT = 4 };

typedef struct {
    const unsigned char *text;
    Py_ssize_t size;
    unsigned char delimiter;
    int fields;
    const unsigned char *roles; /* one per field: a mask of enum role */
    int wide;                   /* ids are written as int64, else as int32 */
    void *sources, *targets;
    double *weights; /* NULL: no weight column */
    Py_ssize_t capacity;
    int slow_ok;
    Py_ssize_t rows, newlines;
} fields_job_t;

/* The id at *at (a digit is there), moved past; 0 if it is longer than 16 digits or 2**53 or more. */
static inline int read_id(const unsigned char **at, const unsigned char *end, uint64_t *value)
{
    const unsigned char *p = *at, *first = p;
    if (LITTLE_ENDIAN_WORDS && end - p >= 16) {
        p += word_token(p, value);
        if (p - first == MAX_DIGITS && p < end && is_digit(*p))
            return 0;
    } else {
        uint64_t v = 0;
        for (; p < end && is_digit(*p) && p - first <= MAX_DIGITS; p++)
            v = v * 10 + (uint64_t)(*p - '0');
        if (p - first > MAX_DIGITS)
            return 0;
        *value = v;
    }
    *at = p;
    return *value < MAX_ID;
}

static enum outcome parse_field_lines(fields_job_t *job)
{
    const unsigned char *p = job->text, *end = p + job->size;
    const unsigned char delimiter = job->delimiter;
    const int last = job->fields - 1;
    while (p < end) {
        if (*p == '\n' || (*p == '\r' && end - p > 1 && p[1] == '\n')) {
            p += *p == '\r' ? 2 : 1; /* an empty line: Arrow skips it */
            job->newlines++;
            continue;
        }
        uint64_t source = 0, target = 0;
        double weight = 0.0;
        for (int field = 0;; field++) {
            unsigned char role = job->roles[field];
            if (role & (SOURCE | TARGET)) {
                uint64_t value;
                if (p == end || !is_digit(*p) || !read_id(&p, end, &value))
                    return NOT_PLAIN;
                if (role & SOURCE)
                    source = value;
                if (role & TARGET)
                    target = value;
            } else if (role & WEIGHT) {
                /* a short decimal from one word, as fast_line reads it; else every rule */
                const unsigned char *q = p;
                if (!(EXACT_DOUBLE_ARITHMETIC && LITTLE_ENDIAN_WORDS && end - p >= 9 && is_digit(*p) &&
                      short_decimal(&q, &weight, 1) && (q == end || *q == delimiter || *q == '\n' || *q == '\r'))) {
                    q = p;
                    if (p == end || !read_weight(&q, end, &weight, job->slow_ok))
                        return NOT_PLAIN;
                }
                if (weight == 0.0 && signbit(weight))
                    return NOT_PLAIN;
                p = q;
            } else {
                while (p < end && *p != delimiter && *p != '\n' && *p != '\r' && *p != '"')
                    p++;
                if (p < end && *p == '"')
                    return NOT_PLAIN; /* quoted: a delimiter or a line end may sit inside */
            }
            if (p == end) {
                if (field != last)
                    return NOT_PLAIN;
                break;
            }
            if (*p == delimiter && field != last) {
                p++;
                continue;
            }
            if (*p == '\r' && end - p > 1 && p[1] == '\n')
                p++;
            if (*p != '\n' || field != last)
                return NOT_PLAIN;
            p++;
            job->newlines++;
            break;
        }
        Py_ssize_t k = job->rows;
        if (k >= job->capacity)
            return NOT_PLAIN;
        if (job->wide) {
            ((int64_t *)job->sources)[k] = (int64_t)source;
            ((int64_t *)job->targets)[k] = (int64_t)target;
        } else {
            if (source > INT32_MAX || target > INT32_MAX)
                return TOO_WIDE;
            ((int32_t *)job->sources)[k] = (int32_t)source;
            ((int32_t *)job->targets)[k] = (int32_t)target;
        }
        if (job->weights)
            job->weights[k] = weight;
        job->rows = k + 1;
    }
    return DONE;
}

/* A writable C-contiguous buffer of `itemsize`-byte items of one of `formats`. */
static int get_column(PyObject *obj, Py_buffer *view, const char *formats, int *itemsize)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_WRITABLE | PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    const char *format = view->format ? view->format : "B";
    if (*format == '<' || *format == '=' || *format == '@')
        format++;
    if (strlen(format) != 1 || !strchr(formats, *format) || (view->itemsize != 4 && view->itemsize != 8)) {
        PyErr_Format(PyExc_TypeError, "expected a writable buffer of format %s, got %s", formats, view->format);
        PyBuffer_Release(view);
        return -1;
    }
    *itemsize = (int)view->itemsize;
    return 0;
}

/* Whether strtod reads weights as Python does (a decimal point, whatever the locale): asked with the GIL held. */
static int slow_weights_ok(void)
{
#if HAVE_STRTOD_L
    return c_locale != (locale_t)0;
#else
    const struct lconv *conventions = localeconv();
    return conventions && strcmp(conventions->decimal_point, ".") == 0;
#endif
}

static PyObject *parse(PyObject *module, PyObject *args)
{
    Py_buffer text, sources, targets, weights = {0};
    PyObject *sources_obj, *targets_obj, *weights_obj;
    int columns, source_size, target_size, weight_size = 8;
    PyObject *result = NULL;
    (void)module;

    if (!PyArg_ParseTuple(args, "y*iOOO:parse", &text, &columns, &sources_obj, &targets_obj, &weights_obj))
        return NULL;
    if (columns != 0 && columns != 2 && columns != 3) {
        PyBuffer_Release(&text);
        return PyErr_Format(PyExc_ValueError, "columns must be 0, 2 or 3, not %d", columns);
    }
    if (get_column(sources_obj, &sources, "ilq", &source_size) < 0) {
        PyBuffer_Release(&text);
        return NULL;
    }
    if (get_column(targets_obj, &targets, "ilq", &target_size) < 0)
        goto release_sources;
    if (weights_obj != Py_None && get_column(weights_obj, &weights, "d", &weight_size) < 0)
        goto release_targets;
    if (source_size != target_size || weight_size != 8) {
        PyErr_SetString(PyExc_TypeError, "sources and targets must have the same item size, weights float64");
        goto release_weights;
    }

    job_t job = {
        .text = text.buf,
        .size = text.len,
        .columns = columns,
        .wide = source_size == 8,
        .sources = sources.buf,
        .targets = targets.buf,
        .weights = weights.buf,
        .capacity = Py_MIN(Py_MIN(sources.len, targets.len) / source_size, weights.buf ? weights.len / 8 : PY_SSIZE_T_MAX),
        .slow_ok = slow_weights_ok(),
        .edges = 0,
        .newlines = 0,
        .first_line = -1,
    };
    enum outcome status;
    Py_BEGIN_ALLOW_THREADS
    status = parse_text(&job);
    Py_END_ALLOW_THREADS
    if (status == NOT_PLAIN)
        result = Py_NewRef(Py_None);
    else
        result = Py_BuildValue("(ninn)", status == TOO_WIDE ? (Py_ssize_t)-1 : job.edges, job.columns, job.newlines,
                               job.first_line);

release_weights:
    if (weights.buf)
        PyBuffer_Release(&weights);
release_targets:
    PyBuffer_Release(&targets);
release_sources:
    PyBuffer_Release(&sources);
    PyBuffer_Release(&text);
    return result;
}

static PyObject *parse_fields(PyObject *module, PyObject *args)
{
    Py_buffer text, sources, targets, weights = {0};
    PyObject *sources_obj, *targets_obj, *weights_obj;
    int delimiter, fields, source, target, weight, source_size, target_size, weight_size = 8;
    PyObject *result = NULL;
    unsigned char *roles = NULL;
    (void)module;

    if (!PyArg_ParseTuple(args, "y*CiiiiOOO:parse_fields", &text, &delimiter, &fields, &source, &target, &weight,
                          &sources_obj, &targets_obj, &weights_obj))
        return NULL;
    if (delimiter > 127 || delimiter == '"' || delimiter == '\n' || delimiter == '\r' || fields < 1 ||
        source < 0 || source >= fields || target < 0 || target >= fields || weight < -1 || weight >= fields ||
        (weight >= 0 && (weight == source || weight == target)) || (weight >= 0) != (weights_obj != Py_None)) {
        PyBuffer_Release(&text);
        return PyErr_Format(PyExc_ValueError, "bad delimiter or field positions");
    }
    if (get_column(sources_obj, &sources, "ilq", &source_size) < 0) {
        PyBuffer_Release(&text);
        return NULL;
    }
    if (get_column(targets_obj, &targets, "ilq", &target_size) < 0)
        goto release_sources;
    if (weights_obj != Py_None && get_column(weights_obj, &weights, "d", &weight_size) < 0)
        goto release_targets;
    if (source_size != target_size || weight_size != 8) {
        PyErr_SetString(PyExc_TypeError, "sources and targets must have the same item size, weights float64");
        goto release_weights;
    }
    roles = PyMem_Calloc((size_t)fields, 1);
    if (!roles) {
        PyErr_NoMemory();
        goto release_weights;
    }
    roles[source] |= SOURCE;
    roles[target] |= TARGET;
    if (weight >= 0)
        roles[weight] |= WEIGHT;
    Py_ssize_t capacity = Py_MIN(sources.len, targets.len) / source_size;
    fields_job_t job = {
        .text = text.buf,
        .size = text.len,
        .delimiter = (unsigned char)delimiter,
        .fields = fields,
        .roles = roles,
        .wide = source_size == 8,
        .sources = sources.buf,
        .targets = targets.buf,
        .weights = weights.buf,
        .capacity = weights.buf ? Py_MIN(capacity, weights.len / 8) : capacity,
        .slow_ok = slow_weights_ok(),
        .rows = 0,
        .newlines = 0,
    };
    enum outcome status;
    Py_BEGIN_ALLOW_THREADS
    status = parse_field_lines(&job);
    Py_END_ALLOW_THREADS
    PyMem_Free(roles);
    if (status == NOT_PLAIN)
        result = Py_NewRef(Py_None);
    else
        result = Py_BuildValue("(nn)", status == TOO_WIDE ? (Py_ssize_t)-1 : job.rows, job.newlines);

release_weights:
    if (weights.buf)
        PyBuffer_Release(&weights);
release_targets:
    PyBuffer_Release(&targets);
release_sources:
    PyBuffer_Release(&sources);
    PyBuffer_Release(&text);
    return result;
}

/* The number of '\n' bytes in text. */
static Py_ssize_t newlines_in(const unsigned char *text, Py_ssize_t size)
{
    Py_ssize_t count = 0, k = 0;
#ifdef __SSE2__
    /* 16 bytes a step, counted in byte lanes (-1 per newline) summed every 255 steps, before a lane wraps */
    const __m128i newline = _mm_set1_epi8('\n');
    while (size - k >= 16) {
        Py_ssize_t steps = (size - k) / 16;
        if (steps > 255)
            steps = 255;
        __m128i lanes = _mm_setzero_si128();
        for (Py_ssize_t s = 0; s < steps; s++, k += 16)
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(text + k)), newline));
        __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
        count += _mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4);
    }
#endif
    for (; k < size; k++)
        count += text[k] == '\n';
    return count;
}

static PyObject *count_newlines(PyObject *module, PyObject *args)
{
    Py_buffer text;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*:count_newlines", &text))
        return NULL;
    Py_ssize_t count;
    Py_BEGIN_ALLOW_THREADS
    count = newlines_in(text.buf, text.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&text);
    return PyLong_FromSsize_t(count);
}

/* For the tests, which read the same texts both ways: the vector reading of weighted lines turned on or off. */
static PyObject *vector_lines(PyObject *module, PyObject *on)
{
    (void)module;
    int wanted = PyObject_IsTrue(on);
    if (wanted < 0)
        return NULL;
#if SIMD_LINES
    __builtin_cpu_init();
    simd_lines = wanted && __builtin_cpu_supports("sse4.1");
    return PyBool_FromLong(simd_lines);
#else
    return PyBool_FromLong(0);
#endif
}

static PyMethodDef methods[] = {
    {"count_newlines", count_newlines, METH_VARARGS, "count_newlines(text) -> the number of b'\\n' in text"},
    {"vector_lines", vector_lines, METH_O,
     "vector_lines(on) -> whether the usual weighted lines are now read in vector lanes (never where the processor "
     "lacks SSE4.1); the numbers are the same either way"},
    {"parse", parse, METH_VARARGS,
     "parse(text, columns, sources, targets, weights) -> (edges, columns, newlines, first_line) or None\n\n"
     "Read a chunk of edge text into the given buffers (weights None: checked, not stored); None: "
     "left to the Python passes."},
    {"parse_fields", parse_fields, METH_VARARGS,
     "parse_fields(text, delimiter, fields, source, target, weight, sources, targets, weights) -> (rows, newlines) "
     "or None\n\nRead CSV lines of `fields` fields into int32 or int64 sources and targets (and float64 weights, "
     "the weight column -1 for none); rows -1: an id does not fit int32; None: left to Arrow."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_edgetext", "The compiled pass of pregel.io.edgetext.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__edgetext(void)
{
#if HAVE_STRTOD_L
    if (!c_locale)
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); /* failing, the weights strtod would read go to numpy */
#endif
#if SIMD_LINES
    make_shuffles();
    __builtin_cpu_init();
    simd_lines = __builtin_cpu_supports("sse4.1");
#endif
    return PyModule_Create(&module);
}
