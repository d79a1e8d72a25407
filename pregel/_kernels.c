/* Compiled kernels for the message path (optional: pregel.kernels falls back to scipy).
 *
 * transpose(indptr, indices, out_ptr, out_idx): the in-edges of an out-edge pattern, by a
 *     counting sort. Row i's targets are indices[indptr[i]:indptr[i+1]]; afterwards target
 *     j's sources, in increasing order, are out_idx[out_ptr[j]:out_ptr[j+1]].
 * pull_sum(ptr, idx, x, y): y[j] = sum of x[idx[k]] for k in ptr[j]:ptr[j+1].
 *
 * Arrays arrive through the buffer protocol (C-contiguous; int64 pointers, int32 indices,
 * float64 values); pregel/kernels.py checks dtypes and sizes before calling. Neither
 * kernel needs the interpreter, so both release the GIL: another partition's thread or
 * the driver can run meanwhile.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static int
check(Py_buffer *b, Py_ssize_t itemsize, Py_ssize_t count, const char *name)
{
    if (b->itemsize != itemsize || b->len != itemsize * count) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of %zd bytes", name, count, itemsize);
        return 0;
    }
    return 1;
}

static PyObject *
transpose(PyObject *self, PyObject *args)
{
    Py_buffer ip, ix, op, ox;
    if (!PyArg_ParseTuple(args, "y*y*w*w*", &ip, &ix, &op, &ox))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = ip.len / 8 - 1, nt = op.len / 8 - 1, m = ix.len / 4;
    int64_t *next = NULL;
    if (n < 0 || nt < 0 || !check(&ip, 8, n + 1, "indptr") || !check(&ix, 4, m, "indices") ||
        !check(&op, 8, nt + 1, "out_ptr") || !check(&ox, 4, m, "out_idx"))
        goto done;
    const int64_t *indptr = ip.buf;
    const int32_t *indices = ix.buf;
    int64_t *out_ptr = op.buf;
    int32_t *out_idx = ox.buf;
    if (indptr[0] != 0 || indptr[n] != m) {
        PyErr_SetString(PyExc_ValueError, "indptr does not span indices");
        goto done;
    }
    next = PyMem_RawMalloc((size_t)(nt > 0 ? nt : 1) * sizeof(int64_t));
    if (next == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    memset(out_ptr, 0, (size_t)(nt + 1) * sizeof(int64_t));
    for (Py_ssize_t k = 0; k < m; k++) {
        int32_t t = indices[k];
        if (t < 0 || t >= nt) {
            bad = 1;
            break;
        }
        out_ptr[t + 1]++;
    }
    if (!bad) {
        for (Py_ssize_t j = 0; j < nt; j++)
            out_ptr[j + 1] += out_ptr[j];
        memcpy(next, out_ptr, (size_t)nt * sizeof(int64_t));
        for (Py_ssize_t i = 0; i < n; i++)
            for (int64_t k = indptr[i]; k < indptr[i + 1]; k++)
                out_idx[next[indices[k]]++] = (int32_t)i;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "an index is outside [0, number of targets)");
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_RawFree(next);
    PyBuffer_Release(&ip);
    PyBuffer_Release(&ix);
    PyBuffer_Release(&op);
    PyBuffer_Release(&ox);
    return result;
}

static PyObject *
pull_sum(PyObject *self, PyObject *args)
{
    Py_buffer bp, bi, bx, by;
    if (!PyArg_ParseTuple(args, "y*y*y*w*", &bp, &bi, &bx, &by))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t nt = bp.len / 8 - 1, m = bi.len / 4, n = bx.len / 8;
    if (nt < 0 || !check(&bp, 8, nt + 1, "ptr") || !check(&bi, 4, m, "idx") || !check(&bx, 8, n, "x") ||
        !check(&by, 8, nt, "y"))
        goto done;
    const int64_t *ptr = bp.buf;
    const int32_t *idx = bi.buf;
    const double *x = bx.buf;
    double *y = by.buf;
    if (ptr[0] != 0 || ptr[nt] != m) {
        PyErr_SetString(PyExc_ValueError, "ptr does not span idx");
        goto done;
    }
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t j = 0; j < nt && !bad; j++) {
        /* two sums: the random reads of x overlap instead of waiting on one chain of adds */
        double s0 = 0.0, s1 = 0.0;
        int64_t k = ptr[j], end = ptr[j + 1];
        for (; k + 1 < end; k += 2) {
            int32_t a = idx[k], b = idx[k + 1];
            if ((uint32_t)a >= (uint64_t)n || (uint32_t)b >= (uint64_t)n) {
                bad = 1;
                break;
            }
            s0 += x[a];
            s1 += x[b];
        }
        if (k < end && !bad) {
            int32_t a = idx[k];
            if ((uint32_t)a >= (uint64_t)n)
                bad = 1;
            else
                s0 += x[a];
        }
        y[j] = s0 + s1;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "an index is outside x");
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bi);
    PyBuffer_Release(&bx);
    PyBuffer_Release(&by);
    return result;
}

static PyMethodDef methods[] = {
    {"transpose", transpose, METH_VARARGS, "transpose(indptr, indices, out_ptr, out_idx): in-edges by counting sort"},
    {"pull_sum", pull_sum, METH_VARARGS, "pull_sum(ptr, idx, x, y): y[j] = sum of x over idx[ptr[j]:ptr[j+1]]"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", "Compiled message-path kernels.", -1, methods};

PyMODINIT_FUNC
PyInit__kernels(void)
{
    return PyModule_Create(&module);
}
