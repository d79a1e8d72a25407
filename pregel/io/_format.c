/* The compiled pass of pregel.io.edges.format_values: "id<TAB>value\n" lines of int64 ids and values.
 *
 * format_lines(ids, values, integers) -> bytes writes int64 values (integers true) in decimal, and
 * float64 values as Python's repr() writes a float: the
 * shortest decimal that reads back as the same double (the one nearest the double when several
 * are as short), in positional notation from 1e-4 up to 1e16 ("0.25", "100.0") and in
 * exponent notation outside it ("1e-05", "1.5e+16"); "inf", "-inf", "nan", "-0.0". The digits
 * come from Ryu (Ulf Adams, "Ryu: fast float-to-string conversion", PLDI 2018): the double's
 * interval of numbers that round to it is scaled by a power of ten held in 125 bits
 * (_format_tables.h, made by pregel/io/ryu_tables.py) and its shortest member read off, a few
 * tens of nanoseconds a number where repr() takes most of a microsecond. The GIL is released
 * while the lines are written.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_format_tables.h"

typedef unsigned __int128 uint128_t;

#define MANTISSA_BITS 52
#define EXPONENT_BITS 11
#define BIAS 1023

/* bits of 5**e (e >= 1), and floor(log10(2**e)), floor(log10(5**e)), by fixed-point products */
static inline int32_t pow5bits(int32_t e) { return (int32_t)(((uint32_t)e * 1217359) >> 19) + 1; }
static inline uint32_t log10_pow2(int32_t e) { return ((uint32_t)e * 78913) >> 18; }
static inline uint32_t log10_pow5(int32_t e) { return ((uint32_t)e * 732923) >> 20; }

static inline uint32_t pow5_factor(uint64_t value)
{
    uint32_t count = 0;
    while (value % 5 == 0) {
        value /= 5;
        count++;
    }
    return count;
}

static inline int multiple_of_pow5(uint64_t value, uint32_t p) { return pow5_factor(value) >= p; }
static inline int multiple_of_pow2(uint64_t value, uint32_t p) { return (value & ((UINT64_C(1) << p) - 1)) == 0; }

/* (m * mul) >> j, mul a 128-bit table entry, j >= 64 */
static inline uint64_t mul_shift(uint64_t m, const uint64_t *mul, int32_t j)
{
    uint128_t low = (uint128_t)m * mul[0], high = (uint128_t)m * mul[1];
    return (uint64_t)(((low >> 64) + high) >> (j - 64));
}

/* The shortest digits of a finite positive double's bits: *digits times 10**(*exponent). */
static void shortest(uint64_t mantissa, uint32_t biased, uint64_t *digits, int32_t *exponent)
{
    int32_t e2;
    uint64_t m2;
    if (biased == 0) {
        e2 = 1 - BIAS - MANTISSA_BITS - 2;
        m2 = mantissa;
    } else {
        e2 = (int32_t)biased - BIAS - MANTISSA_BITS - 2;
        m2 = (UINT64_C(1) << MANTISSA_BITS) | mantissa;
    }
    const int accept_bounds = (m2 & 1) == 0; /* round half to even: an even double owns its interval's ends */
    /* the double (mv), and the ends of the interval that rounds to it (mp above, mm below), times 4 */
    const uint64_t mv = 4 * m2;
    const uint32_t mm_shift = mantissa != 0 || biased <= 1; /* the interval below is narrower at a power of 2 */
    uint64_t vr, vp, vm;
    int32_t e10;
    int vm_trailing_zeros = 0, vr_trailing_zeros = 0;
    if (e2 >= 0) {
        const uint32_t q = log10_pow2(e2) - (e2 > 3);
        e10 = (int32_t)q;
        const int32_t k = POW5_BITS + pow5bits((int32_t)q) - 1;
        const int32_t i = -e2 + (int32_t)q + k;
        vr = mul_shift(4 * m2, POW5_INV[q], i);
        vp = mul_shift(4 * m2 + 2, POW5_INV[q], i);
        vm = mul_shift(4 * m2 - 1 - mm_shift, POW5_INV[q], i);
        if (q <= 21) {
            /* only here can the scaled numbers be exact, and their dropped digits all zeros */
            if (mv % 5 == 0)
                vr_trailing_zeros = multiple_of_pow5(mv, q);
            else if (accept_bounds)
                vm_trailing_zeros = multiple_of_pow5(mv - 1 - mm_shift, q);
            else
                vp -= multiple_of_pow5(mv + 2, q);
        }
    } else {
        const uint32_t q = log10_pow5(-e2) - (-e2 > 1);
        e10 = (int32_t)q + e2;
        const int32_t i = -e2 - (int32_t)q;
        const int32_t k = pow5bits(i) - POW5_BITS;
        const int32_t j = (int32_t)q - k;
        vr = mul_shift(4 * m2, POW5[i], j);
        vp = mul_shift(4 * m2 + 2, POW5[i], j);
        vm = mul_shift(4 * m2 - 1 - mm_shift, POW5[i], j);
        if (q <= 1) {
            vr_trailing_zeros = 1;
            if (accept_bounds)
                vm_trailing_zeros = mm_shift == 1;
            else
                --vp;
        } else if (q < 63) {
            vr_trailing_zeros = multiple_of_pow2(mv, q);
        }
    }
    /* drop digits while the interval still holds a shorter number */
    int32_t removed = 0;
    uint8_t last_removed = 0;
    uint64_t output;
    if (vm_trailing_zeros || vr_trailing_zeros) {
        while (vp / 10 > vm / 10) {
            vm_trailing_zeros &= vm % 10 == 0;
            vr_trailing_zeros &= last_removed == 0;
            last_removed = (uint8_t)(vr % 10);
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        if (vm_trailing_zeros) {
            while (vm % 10 == 0) {
                vr_trailing_zeros &= last_removed == 0;
                last_removed = (uint8_t)(vr % 10);
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
        }
        if (vr_trailing_zeros && last_removed == 5 && vr % 2 == 0)
            last_removed = 4; /* exactly halfway: to the even one */
        output = vr + ((vr == vm && (!accept_bounds || !vm_trailing_zeros)) || last_removed >= 5);
    } else {
        int round_up = 0;
        if (vp / 100 > vm / 100) {
            round_up = vr % 100 >= 50;
            vr /= 100;
            vp /= 100;
            vm /= 100;
            removed += 2;
        }
        while (vp / 10 > vm / 10) {
            round_up = vr % 10 >= 5;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        output = vr + (vr == vm || round_up);
    }
    *digits = output;
    *exponent = e10 + removed;
}

static inline int decimal_length(uint64_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* repr() of a double at p; returns the bytes written (at most 24) */
static int write_double(double value, char *p)
{
    uint64_t bits;
    memcpy(&bits, &value, 8);
    const int negative = (int)(bits >> 63);
    const uint64_t mantissa = bits & ((UINT64_C(1) << MANTISSA_BITS) - 1);
    const uint32_t biased = (uint32_t)((bits >> MANTISSA_BITS) & ((1u << EXPONENT_BITS) - 1));
    char *start = p;
    if (biased == (1u << EXPONENT_BITS) - 1) {
        if (mantissa) {
            memcpy(p, "nan", 3);
            return 3;
        }
        if (negative)
            *p++ = '-';
        memcpy(p, "inf", 3);
        return (int)(p - start) + 3;
    }
    if (negative)
        *p++ = '-';
    if (biased == 0 && mantissa == 0) {
        memcpy(p, "0.0", 3);
        return (int)(p - start) + 3;
    }
    uint64_t digits;
    int32_t exponent;
    shortest(mantissa, biased, &digits, &exponent);
    char text[20];
    const int length = decimal_length(digits);
    for (int k = length - 1; k >= 0; k--) {
        text[k] = (char)('0' + digits % 10);
        digits /= 10;
    }
    /* where the point falls after the first digit: repr() is positional for -4 < point <= 16 */
    const int point = length + exponent;
    if (point > -4 && point <= 16) {
        if (point <= 0) {
            *p++ = '0';
            *p++ = '.';
            for (int k = 0; k < -point; k++)
                *p++ = '0';
            memcpy(p, text, (size_t)length);
            p += length;
        } else if (point >= length) {
            memcpy(p, text, (size_t)length);
            p += length;
            for (int k = length; k < point; k++)
                *p++ = '0';
            memcpy(p, ".0", 2);
            p += 2;
        } else {
            memcpy(p, text, (size_t)point);
            p += point;
            *p++ = '.';
            memcpy(p, text + point, (size_t)(length - point));
            p += length - point;
        }
        return (int)(p - start);
    }
    *p++ = text[0];
    if (length > 1) {
        *p++ = '.';
        memcpy(p, text + 1, (size_t)(length - 1));
        p += length - 1;
    }
    int e = point - 1;
    *p++ = 'e';
    *p++ = e < 0 ? '-' : '+';
    if (e < 0)
        e = -e;
    if (e >= 100)
        *p++ = (char)('0' + e / 100);
    *p++ = (char)('0' + e / 10 % 10);
    *p++ = (char)('0' + e % 10);
    return (int)(p - start);
}

/* an int64 in decimal at p; returns the bytes written (at most 20) */
static int write_int(int64_t value, char *p)
{
    char text[20];
    uint64_t v = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    int n = 0;
    do {
        text[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    int written = 0;
    if (value < 0)
        p[written++] = '-';
    while (n)
        p[written++] = text[--n];
    return written;
}

/* the longest line: a 20-byte id, a tab, a 24-byte value, a newline */
#define LINE_ROOM 48

static PyObject *format_lines(PyObject *module, PyObject *args)
{
    Py_buffer ids, values;
    int integers;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*y*p:format_lines", &ids, &values, &integers))
        return NULL;
    PyObject *result = NULL;
    const Py_ssize_t n = ids.len / 8;
    if (ids.itemsize != 8 || values.itemsize != 8 || values.len != ids.len) {
        PyErr_SetString(PyExc_ValueError, "format_lines: int64 ids and as many int64 or float64 values");
        goto done;
    }
    char *text = PyMem_RawMalloc((size_t)(n > 0 ? n : 1) * LINE_ROOM);
    if (text == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t size = 0;
    const int64_t *id = ids.buf;
    const double *value = values.buf;
    const int64_t *whole = values.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < n; k++) {
        size += write_int(id[k], text + size);
        text[size++] = '\t';
        size += integers ? write_int(whole[k], text + size) : write_double(value[k], text + size);
        text[size++] = '\n';
    }
    Py_END_ALLOW_THREADS
    result = PyBytes_FromStringAndSize(text, size);
    PyMem_RawFree(text);
done:
    PyBuffer_Release(&ids);
    PyBuffer_Release(&values);
    return result;
}

static PyMethodDef methods[] = {
    {"format_lines", format_lines, METH_VARARGS,
     "format_lines(ids, values, integers) -> bytes\n\n\"id\\tvalue\\n\" lines of int64 ids and int64 (integers "
     "true) or float64 values, each value as repr() writes it."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_format", "The compiled pass of pregel.io.edges.format_values.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__format(void) { return PyModule_Create(&module); }
