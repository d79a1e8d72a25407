/* The plain-integer pass of pregel/edgetext.py in one sweep over the bytes.
 *
 * parse(text, columns, sources, targets, weights) reads a chunk of whole lines made
 * only of unsigned integers, separators (space, tab, comma, CR), newlines, '#'
 * comments (to the end of the line) and '%' comment lines (a '%' after nothing but
 * spaces and tabs), and writes the tokens of each line into the writable buffers
 * `sources`, `targets` (int32 or int64) and `weights` (float64, or None when the text
 * cannot have a third column). It accepts a strict subset of what the general pass of
 * edgetext.py accepts and gives the same numbers; for anything else (a sign, a
 * decimal point, a letter, a token of more than 16 digits, a value of 2**53 or more,
 * a line whose number of tokens is not `columns`, a comma that does not sit between
 * two tokens) it returns None and the Python passes read the chunk or name its first
 * bad line. It returns (edges, columns, newlines, first_line): the rows written, the
 * columns of the text (0 if it holds no token), the newlines counted and how many
 * newlines precede the first token (-1 if none); edges is -1 when an id does not fit
 * int32 buffers (the caller passes int64 ones instead). The GIL is released while the
 * bytes are read.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_DIGITS 16
#define MAX_ID (UINT64_C(1) << 53)

enum outcome { DONE, NOT_PLAIN, TOO_WIDE };

typedef struct {
    const unsigned char *text;
    Py_ssize_t size;
    int columns;
    int wide; /* ids are written as int64, else as int32 */
    void *sources, *targets;
    double *weights;
    Py_ssize_t capacity, weight_capacity;
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

/* Store the line's tokens as one edge (a line without tokens stores nothing). */
static enum outcome end_line(job_t *job, const uint64_t *row, int tokens)
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
    if (tokens == 3) {
        if (k >= job->weight_capacity)
            return NOT_PLAIN;
        job->weights[k] = (double)row[2]; /* exact: below 2**53 */
    }
    job->edges = k + 1;
    return DONE;
}

static enum outcome parse_text(job_t *job)
{
    const unsigned char *p = job->text, *end = p + job->size;
    uint64_t row[3];
    int tokens = 0;
    /* the last byte of the line that is not a space or a tab ends a token (a comma may follow) */
    int after_token = 0;
    /* the line so far is only spaces and tabs (a '%' here starts a comment line) */
    int line_start = 1;
    enum outcome status;

    while (p < end) {
        unsigned char c = *p;
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
            if (p - first > MAX_DIGITS || value >= MAX_ID || tokens == 3)
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
            if ((status = end_line(job, row, tokens)) != DONE)
                return status;
            tokens = after_token = 0;
            line_start = 1;
            job->newlines++;
            p++;
            break;
        case ',':
            /* only between two tokens: the empty fields the Python passes report never reach here */
            if (!after_token)
                return NOT_PLAIN;
            p++;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (p == end || !is_digit(*p))
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
    return end_line(job, row, tokens);
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
        .capacity = Py_MIN(sources.len, targets.len) / source_size,
        .weight_capacity = weights.buf ? weights.len / 8 : 0,
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

static PyObject *count_newlines(PyObject *module, PyObject *args)
{
    Py_buffer text;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*:count_newlines", &text))
        return NULL;
    const unsigned char *p = text.buf;
    Py_ssize_t count = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < text.len; k++)
        count += p[k] == '\n'; /* a loop compilers vectorise */
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&text);
    return PyLong_FromSsize_t(count);
}

static PyMethodDef methods[] = {
    {"count_newlines", count_newlines, METH_VARARGS, "count_newlines(text) -> the number of b'\\n' in text"},
    {"parse", parse, METH_VARARGS,
     "parse(text, columns, sources, targets, weights) -> (edges, columns, newlines, first_line) or None\n\n"
     "Read a chunk of plain integer edge text into the given buffers; None: not plain, "
     "left to the Python passes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_edgetext", "The compiled plain-integer pass of pregel.edgetext.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__edgetext(void) { return PyModule_Create(&module); }
