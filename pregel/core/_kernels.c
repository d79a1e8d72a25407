/* Compiled kernels for the message path (optional: pregel.kernels falls back to scipy).
 *
 * in_count(indptr, indices, shares, counts), in_place(indptr, indices, shares, counts, rows, out_ptr,
 *     out_idx[, out_edge[, names]]): the in-edges of an out-edge pattern, by a counting sort in two steps,
 *     on `shares` threads (below). Row i's targets are indices[indptr[i]:indptr[i+1]]; in_count
 *     counts them, then in_place gives each target of rows (None: every target, in order) its row
 *     r, and row r's sources, in increasing order, are out_idx[out_ptr[r]:out_ptr[r+1]] (out_edge,
 *     when given, holds each in-edge's position among the out-edges; with names, source i is
 *     written as names[i], in the same places): the same arrays whatever the number of shares.
 * slice_order, slice_interleave, slice_sum: the in-edges laid out for summing (below), and the sum
 *     of x over each target's sources, each term scaled by its edge's weight when the layout
 *     carries weights.
 * row_sums(ptr, sources, senders, width, x, y, reached[, row_of]): rows of width doubles summed
 *     over each target's in-edges (from in_place), column by column, the sources in order;
 *     with row_of, only the sources that send (row_of[source] >= 0: their row in x) count.
 *     The rows of the targets reached go one after the other into y; returns how many.
 *
 * best_communities(...), moved_neighbours(...): Louvain's look at a vertex's neighbourhood, and what the
 *     neighbours that moved changed in it (below).
 * bloom_rows(...), wedge_candidates(...), close_wedges(...): triangles' blooms of the neighbours above a vertex,
 *     the wedges that pass a neighbour's bloom, and the wedges that close (below).
 * counting_order(targets, lo, counts, order): the stable sort of messages by target, by a counting sort.
 * deal(sources, targets, parts, keys, ends[, weights, dealt]): edges grouped by the partition that owns their
 *     source (a distributed load), each packed into one key, by a counting sort (below).
 * bucket(keys, shift, slots[, out]): keys counted by key >> shift, or placed in those buckets (a sort's first
 *     digit: each bucket is then sorted alone, in cache).
 * split_keys(keys, ids, starts, wide[, seen]): sorted keys, distinct, as rows: each source once, where its row
 *     starts, and the targets written over the keys, each marked seen (below).
 * group_modes(...): label propagation's most frequent label per receiver of a run of messages (below).
 * joined_first(ptr, idx, first): each vertex's smallest joined vertex, by union-find over the rows' edges.
 * spread(ptr, idx, ways, way, colour, seeds, changed, join): colours spread over a partition's own edges (below).
 * expand(indptr, rows, labels, positions, owners): the out-edges of some rows, and the label of each one's row.
 *
 * Arrays arrive through the buffer protocol (C-contiguous; int64 pointers, int32 indices,
 * float64 values); pregel/kernels.py checks dtypes and sizes before calling. No
 * kernel needs the interpreter, so they release the GIL: another partition's thread or
 * the driver can run meanwhile.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* A weighted sum rounds each product x * w before adding it, as numpy does: a fused
 * multiply-add would round once and give other bits than the numpy path. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <pthread.h>
#include <sys/mman.h>
#endif

static int
check(Py_buffer *b, Py_ssize_t itemsize, Py_ssize_t count, const char *name)
{
    if (b->itemsize != itemsize || b->len != itemsize * count) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of %zd bytes", name, count, itemsize);
        return 0;
    }
    return 1;
}

/* A counting sort of out-edges by target, on threads (in_count, in_place). Share j is the
 * out-edges of source rows [lo, hi), about an equal share of the edges, on a thread of its
 * own. in_count counts each share's edges to each target. in_place gives each target a row,
 * the rows one after the other in the order asked, and each row's slots to share 0's in-edges,
 * then share 1's, ...; then each share places its edges. Every row's sources so come in
 * increasing order, as one thread would place them, whatever the number of shares: a Sum over
 * a row adds the same terms in the same order. The rows can be the targets in their order (the
 * in-edges' CSR) or in the order the sums want them (slice_order, below): the edges are placed
 * once, straight where the sums read them. */
#define MAX_SHARES 64

typedef struct {
    const int64_t *indptr;
    const int32_t *indices;
    Py_ssize_t lo, hi, nt;
    /* this share's count of each target (in_count), or the next slot of each (in_place): int32_t
     * where every slot fits one (half the size: more of them stay in cache), else int64_t */
    void *next;
    int wide;
    int64_t m;
    int32_t *out_idx;
    int64_t *out_edge;
    const int32_t *names; /* what each source row is written as (NULL: its number) */
    int bad;
} sort_share;

/* rows [lo, hi) of each share: the first row whose edges start at or past the share's first edge */
static void
cut_shares(sort_share *share, int shares, const int64_t *indptr, Py_ssize_t n, int64_t m)
{
    for (int j = 0; j < shares; j++) {
        Py_ssize_t lo = j == 0 ? 0 : share[j - 1].hi, hi = n;
        if (j + 1 < shares) {
            int64_t edge = m / shares * (j + 1);
            Py_ssize_t a = lo, b = n;
            while (a < b) {
                Py_ssize_t mid = a + (b - a) / 2;
                if (indptr[mid] < edge)
                    a = mid + 1;
                else
                    b = mid;
            }
            hi = a;
        }
        share[j].lo = lo;
        share[j].hi = hi;
    }
}

#define COUNT_SHARE(T)                                                                                                 \
    do {                                                                                                               \
        T *next = s->next;                                                                                             \
        memset(next, 0, (size_t)s->nt * sizeof(T));                                                                   \
        for (int64_t k = s->indptr[s->lo]; k < s->indptr[s->hi]; k++) {                                              \
            int32_t t = s->indices[k];                                                                                 \
            if (t < 0 || t >= s->nt) {                                                                                 \
                s->bad = 1;                                                                                            \
                break;                                                                                                 \
            }                                                                                                          \
            next[t]++;                                                                                                 \
        }                                                                                                              \
    } while (0)

static void *
count_share(void *arg)
{
    sort_share *s = arg;
    if (s->wide)
        COUNT_SHARE(int64_t);
    else
        COUNT_SHARE(int32_t);
    return NULL;
}

/* the next slots of the targets PLACE_AHEAD edges on are fetched while this edge is placed: the
 * slots of a few hundred thousand targets are beyond the processor's nearest caches (at 5M R-MAT
 * edges over 411k targets, 40-45 ms -> 36-39 ms). A slot past the edges (a target without a
 * row, or counts that do not count these edges) stops the share before it writes there. */
#define PLACE_AHEAD 16
#if defined(__GNUC__)
#define PREFETCH(address) __builtin_prefetch((address), 1)
#else
#define PREFETCH(address) ((void)0)
#endif

#define PLACE_SHARE(T)                                                                                                 \
    do {                                                                                                               \
        T *next = s->next;                                                                                             \
        int64_t end = s->indptr[s->hi];                                                                                \
        for (Py_ssize_t i = s->lo; i < s->hi; i++)                                                                     \
            for (int64_t k = s->indptr[i]; k < s->indptr[i + 1]; k++) {                                              \
                if (k + PLACE_AHEAD < end)                                                                             \
                    PREFETCH(&next[s->indices[k + PLACE_AHEAD]]);                                                      \
                int64_t slot = next[s->indices[k]]++;                                                                  \
                if ((uint64_t)slot >= (uint64_t)s->m) {                                                                \
                    s->bad = 1;                                                                                        \
                    return NULL;                                                                                       \
                }                                                                                                      \
                s->out_idx[slot] = s->names != NULL ? s->names[i] : (int32_t)i;                                        \
                if (s->out_edge != NULL)                                                                               \
                    s->out_edge[slot] = k;                                                                             \
            }                                                                                                          \
    } while (0)

static void *
place_share(void *arg)
{
    sort_share *s = arg;
    if (s->wide)
        PLACE_SHARE(int64_t);
    else
        PLACE_SHARE(int32_t);
    return NULL;
}

/* work(share[j]) for every share: share 0 in the calling thread, the others in threads of their
 * own (a share whose thread does not start runs in the calling thread, after share 0) */
static void
run_shares(void *(*work)(void *), sort_share *share, int shares)
{
#ifdef _WIN32
    for (int j = 0; j < shares; j++)
        work(&share[j]);
#else
    pthread_t id[MAX_SHARES];
    int started[MAX_SHARES] = {0};
    for (int j = 1; j < shares; j++)
        started[j] = pthread_create(&id[j], NULL, work, &share[j]) == 0;
    work(&share[0]);
    for (int j = 1; j < shares; j++) {
        if (started[j])
            pthread_join(id[j], NULL);
        else
            work(&share[j]);
    }
#endif
}

/* what is wrong with the out-edges' pointers, or NULL */
static const char *
check_pointers(const int64_t *indptr, Py_ssize_t n, int64_t m)
{
    if (indptr[0] != 0 || indptr[n] != m)
        return "indptr does not span indices";
    for (Py_ssize_t i = 0; i < n; i++)
        if (indptr[i + 1] < indptr[i])
            return "indptr is not increasing";
    return NULL;
}

/* the count of target t in share j's counts (int32_t or int64_t) */
static inline int64_t
share_count(const char *counts, int wide, Py_ssize_t nt, int j, Py_ssize_t t)
{
    return wide ? ((const int64_t *)counts)[(size_t)j * nt + t] : ((const int32_t *)counts)[(size_t)j * nt + t];
}

static PyObject *
in_count(PyObject *self, PyObject *args)
{
    Py_buffer ip, ix, bc;
    int shares;
    if (!PyArg_ParseTuple(args, "y*y*iw*", &ip, &ix, &shares, &bc))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = ip.len / 8 - 1, m = ix.len / 4;
    int wide = bc.itemsize == 8;
    Py_ssize_t nt = shares > 0 ? bc.len / bc.itemsize / shares : 0;
    const char *bad = NULL;
    if (n < 0 || !check(&ip, 8, n + 1, "indptr") || !check(&ix, 4, m, "indices") ||
        !check(&bc, wide ? 8 : 4, (Py_ssize_t)shares * nt, "counts"))
        goto done;
    if (shares < 1 || shares > MAX_SHARES || (!wide && m > INT32_MAX)) {
        PyErr_SetString(PyExc_ValueError, "counts: 1 to 64 shares, int64 beyond 2**31 - 1 edges");
        goto done;
    }
    if ((bad = check_pointers(ip.buf, n, m)) != NULL) {
        PyErr_SetString(PyExc_ValueError, bad);
        goto done;
    }
    sort_share share[MAX_SHARES];
    cut_shares(share, shares, ip.buf, n, m);
    for (int j = 0; j < shares; j++) {
        share[j].indptr = ip.buf;
        share[j].indices = ix.buf;
        share[j].nt = nt;
        share[j].next = (char *)bc.buf + (size_t)j * nt * bc.itemsize;
        share[j].wide = wide;
        share[j].bad = 0;
    }
    int wrong = 0;
    Py_BEGIN_ALLOW_THREADS
    run_shares(count_share, share, shares);
    Py_END_ALLOW_THREADS
    for (int j = 0; j < shares; j++)
        wrong |= share[j].bad;
    if (wrong) {
        PyErr_SetString(PyExc_ValueError, "an index is outside [0, number of targets)");
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&ip);
    PyBuffer_Release(&ix);
    PyBuffer_Release(&bc);
    return result;
}

/* each target's next slot in every share, row after row (row r: target rows[r], or r without
 * rows); out_ptr[r] is where row r starts. Returns the slot after the last row, -1 when a row's
 * target is not one, or -2 when a count is negative. */
#define FIRST_SLOTS(T)                                                                                                 \
    do {                                                                                                               \
        for (Py_ssize_t r = 0; r < nr; r++) {                                                                          \
            Py_ssize_t t = rows != NULL ? rows[r] : r;                                                                 \
            if (t < 0 || t >= nt)                                                                                      \
                return -1;                                                                                             \
            out_ptr[r] = slot;                                                                                         \
            for (int j = 0; j < shares; j++) {                                                                         \
                int64_t count = share_count(counts, wide, nt, j, t);                                                   \
                if (count < 0)                                                                                         \
                    return -2;                                                                                         \
                ((T *)next)[(size_t)j * nt + t] = (T)slot;                                                             \
                slot += count;                                                                                         \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

static int64_t
first_slots(const char *counts, int wide, Py_ssize_t nt, int shares, const int32_t *rows, Py_ssize_t nr,
            int64_t *out_ptr, void *next)
{
    int64_t slot = 0;
    if (wide)
        FIRST_SLOTS(int64_t);
    else
        FIRST_SLOTS(int32_t);
    out_ptr[nr] = slot;
    return slot;
}

/* whether each row's slots were filled by its share's edges, no more and no fewer: then the rows
 * tile [0, m) and every slot was written once */
static int
rows_filled(const char *counts, int wide, Py_ssize_t nt, int shares, const int32_t *rows, Py_ssize_t nr,
            const void *next)
{
    int64_t slot = 0;
    for (Py_ssize_t r = 0; r < nr; r++) {
        Py_ssize_t t = rows != NULL ? rows[r] : r;
        for (int j = 0; j < shares; j++) {
            slot += share_count(counts, wide, nt, j, t);
            if (share_count(next, wide, nt, j, t) != slot)
                return 0;
        }
    }
    return 1;
}

/* Transparent huge pages for an array about to be written all over, asked before its first touch
 * (numpy asks for them for every large array unless told not to, and the pregel command tells it
 * not to: see docs/architecture.md). The edges' sources land at random places in it, and with
 * 4 KB pages most of those writes miss the TLB: placing a partition of 5M R-MAT edges took 34-43 ms
 * of its thread's time against 53-68 ms. */
static void
huge_pages(void *buf, Py_ssize_t len)
{
#ifdef MADV_HUGEPAGE
    uintptr_t huge = (uintptr_t)1 << 21, lo = ((uintptr_t)buf + huge - 1) & ~(huge - 1),
              hi = ((uintptr_t)buf + (uintptr_t)len) & ~(huge - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* only advice: without it the pages are small */
#endif
}

static PyObject *
in_place(PyObject *self, PyObject *args)
{
    Py_buffer ip, ix, bc, op, ox, br = {0}, oe = {0}, bn = {0};
    int shares;
    PyObject *rows_obj, *edge_obj = Py_None, *names_obj = Py_None;
    if (!PyArg_ParseTuple(args, "y*y*iy*Ow*w*|OO", &ip, &ix, &shares, &bc, &rows_obj, &op, &ox, &edge_obj,
                          &names_obj))
        return NULL;
    PyObject *result = NULL;
    void *next = NULL;
    Py_ssize_t n = ip.len / 8 - 1, m = ix.len / 4;
    int wide = bc.itemsize == 8;
    Py_ssize_t nt = shares > 0 ? bc.len / bc.itemsize / shares : 0;
    if ((rows_obj != Py_None && PyObject_GetBuffer(rows_obj, &br, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) ||
        (edge_obj != Py_None &&
         PyObject_GetBuffer(edge_obj, &oe, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) ||
        (names_obj != Py_None && PyObject_GetBuffer(names_obj, &bn, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0))
        goto done;
    Py_ssize_t nr = rows_obj != Py_None ? br.len / 4 : nt;
    const char *bad = NULL;
    if (n < 0 || !check(&ip, 8, n + 1, "indptr") || !check(&ix, 4, m, "indices") ||
        !check(&bc, wide ? 8 : 4, (Py_ssize_t)shares * nt, "counts") ||
        (br.obj != NULL && !check(&br, 4, nr, "rows")) || !check(&op, 8, nr + 1, "out_ptr") ||
        !check(&ox, 4, m, "out_idx") || (oe.obj != NULL && !check(&oe, 8, m, "out_edge")) ||
        (bn.obj != NULL && !check(&bn, 4, n, "names")))
        goto done;
    if (shares < 1 || shares > MAX_SHARES || (!wide && m > INT32_MAX)) {
        PyErr_SetString(PyExc_ValueError, "counts: 1 to 64 shares, int64 beyond 2**31 - 1 edges");
        goto done;
    }
    if ((bad = check_pointers(ip.buf, n, m)) != NULL) {
        PyErr_SetString(PyExc_ValueError, bad);
        goto done;
    }
    size_t item = wide ? sizeof(int64_t) : sizeof(int32_t);
    next = PyMem_RawMalloc((size_t)shares * (size_t)(nt > 0 ? nt : 1) * item);
    if (next == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    sort_share share[MAX_SHARES];
    cut_shares(share, shares, ip.buf, n, m);
    for (int j = 0; j < shares; j++) {
        share[j].indptr = ip.buf;
        share[j].indices = ix.buf;
        share[j].nt = nt;
        share[j].next = (char *)next + (size_t)j * nt * item;
        share[j].wide = wide;
        share[j].m = m;
        share[j].out_idx = ox.buf;
        share[j].out_edge = oe.obj != NULL ? oe.buf : NULL;
        share[j].names = bn.obj != NULL ? bn.buf : NULL;
        share[j].bad = 0;
    }
    const int32_t *rows = br.obj != NULL ? br.buf : NULL;
    huge_pages(ox.buf, ox.len);
    if (oe.obj != NULL)
        huge_pages(oe.buf, oe.len);
    Py_BEGIN_ALLOW_THREADS
    /* a target left without a row keeps slot m: placing one of its edges stops the share */
    if (wide)
        for (size_t k = 0; k < (size_t)shares * nt; k++)
            ((int64_t *)next)[k] = m;
    else
        for (size_t k = 0; k < (size_t)shares * nt; k++)
            ((int32_t *)next)[k] = (int32_t)m;
    int64_t slots = first_slots(bc.buf, wide, nt, shares, rows, nr, op.buf, next);
    if (slots == -1)
        bad = "a row's target is outside [0, number of targets)";
    else if (slots != m)
        bad = "the rows' counts do not add up to the edges";
    else {
        run_shares(place_share, share, shares);
        for (int j = 0; j < shares; j++)
            if (share[j].bad)
                bad = "an edge's target has no row, or the counts do not count the edges";
        if (!bad && !rows_filled(bc.buf, wide, nt, shares, rows, nr, next))
            bad = "the counts do not count the edges";
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, bad);
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_RawFree(next);
    PyBuffer_Release(&ip);
    PyBuffer_Release(&ix);
    PyBuffer_Release(&bc);
    PyBuffer_Release(&br);
    PyBuffer_Release(&op);
    PyBuffer_Release(&ox);
    PyBuffer_Release(&oe);
    PyBuffer_Release(&bn);
    return result;
}

/* Both ways of a graph's edges, row by row: row i's out-neighbours (indices, sorted) merged
 * with its in-neighbours (rsrc, the transpose's sorted row), each neighbour once, with the
 * ways it is joined to i (1 an out-edge, 2 an in-edge, 3 both); i itself left out. Returns
 * False, writing nothing that counts, when a row of indices is not strictly increasing. */
static PyObject *
merge_ways(PyObject *self, PyObject *args)
{
    Py_buffer ip, ix, rp, rx, op, ox, ow;
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*w*w*", &ip, &ix, &rp, &rx, &op, &ox, &ow))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = ip.len / 8 - 1, m = ix.len / 4;
    if (n < 0 || !check(&ip, 8, n + 1, "indptr") || !check(&ix, 4, m, "indices") || !check(&rp, 8, n + 1, "rptr") ||
        !check(&rx, 4, m, "rsrc") || !check(&op, 8, n + 1, "out_ptr") || !check(&ox, 4, 2 * m, "out_idx") ||
        !check(&ow, 8, 2 * m, "out_way"))
        goto done;
    const int64_t *indptr = ip.buf, *rptr = rp.buf;
    const int32_t *indices = ix.buf, *rsrc = rx.buf;
    int64_t *out_ptr = op.buf;
    int32_t *out_idx = ox.buf;
    double *out_way = ow.buf;
    if (indptr[0] != 0 || indptr[n] != m || rptr[0] != 0 || rptr[n] != m) {
        PyErr_SetString(PyExc_ValueError, "indptr does not span indices");
        goto done;
    }
    int sorted = 1;
    Py_BEGIN_ALLOW_THREADS
    int64_t w = 0;
    out_ptr[0] = 0;
    for (Py_ssize_t i = 0; i < n && sorted; i++) {
        int64_t a = indptr[i], a_end = indptr[i + 1], b = rptr[i], b_end = rptr[i + 1];
        for (int64_t k = a + 1; k < a_end; k++)
            if (indices[k] <= indices[k - 1])
                sorted = 0;
        while (sorted && (a < a_end || b < b_end)) {
            int32_t head;
            double way;
            if (b == b_end || (a < a_end && indices[a] < rsrc[b])) {
                head = indices[a++];
                way = 1.0;
            }
            else if (a == a_end || rsrc[b] < indices[a]) {
                head = rsrc[b++];
                way = 2.0;
            }
            else {
                head = indices[a++];
                b++;
                way = 3.0;
            }
            if (head != (int32_t)i) {
                out_idx[w] = head;
                out_way[w++] = way;
            }
        }
        out_ptr[i + 1] = w;
    }
    Py_END_ALLOW_THREADS
    result = PyBool_FromLong(sorted);
done:
    PyBuffer_Release(&ip);
    PyBuffer_Release(&ix);
    PyBuffer_Release(&rp);
    PyBuffer_Release(&rx);
    PyBuffer_Release(&op);
    PyBuffer_Release(&ox);
    PyBuffer_Release(&ow);
    return result;
}

/* In-edges laid out for summing: rows sorted by in-degree, largest first, within windows of
 * WINDOW targets (slice_order), cut into chunks of LANES rows, each row's sources one after the
 * other (a CSR: row r, of target order[r], is sources[row_ptr[r]:row_ptr[r + 1]], placed there
 * by in_place). The sum adds a chunk's LANES rows at once for as many columns as its last
 * (shortest) row has, then the rest of each longer row: no branch at the end of each row (a
 * short row costs a mispredicted branch in a plain CSR loop) and LANES chains of additions in
 * flight. Rows of about equal length share a chunk, so little is left for the per-lane loops;
 * nothing is padded, so a hub beside short rows costs no memory. Each row's sources are in
 * increasing order: its sum adds them in that order.
 *
 * Weights, when a layout has them, sit beside the sources (float64, or float32 where every one
 * converts exactly): a weighted sum adds x[source] * weight, the product rounded first. */
#define LANES 8
#define WINDOW 16384 /* a multiple of LANES: a chunk never spans two windows */

/* degree[t] of an int32 or int64 array */
static inline int64_t
degree_at(const void *degree, int wide, Py_ssize_t t)
{
    return wide ? ((const int64_t *)degree)[t] : ((const int32_t *)degree)[t];
}

static PyObject *
slice_order(PyObject *self, PyObject *args)
{
    Py_buffer bd, bo;
    if (!PyArg_ParseTuple(args, "y*w*", &bd, &bo))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t nt = bo.len / 4;
    int64_t *count = NULL;
    int wide = bd.itemsize == 8;
    if (!check(&bd, wide ? 8 : 4, nt, "degree") || !check(&bo, 4, nt, "order"))
        goto done;
    const void *degree = bd.buf;
    int32_t *order = bo.buf;
    int64_t top = 0;
    for (Py_ssize_t t = 0; t < nt; t++) {
        int64_t d = degree_at(degree, wide, t);
        if (d < 0) {
            PyErr_SetString(PyExc_ValueError, "a degree is negative");
            goto done;
        }
        top = d > top ? d : top;
    }
    count = PyMem_RawMalloc((size_t)(top + 2) * sizeof(int64_t));
    if (count == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    /* counting sort by degree, largest first, within each window (equal degrees keep
     * increasing target order): the sums then write each window's part of the output,
     * which stays in cache, instead of writing all over it */
    for (Py_ssize_t lo = 0; lo < nt; lo += WINDOW) {
        Py_ssize_t hi = lo + WINDOW < nt ? lo + WINDOW : nt;
        int64_t most = 0;
        for (Py_ssize_t t = lo; t < hi; t++)
            most = degree_at(degree, wide, t) > most ? degree_at(degree, wide, t) : most;
        memset(count, 0, (size_t)(most + 2) * sizeof(int64_t));
        for (Py_ssize_t t = lo; t < hi; t++)
            count[most - degree_at(degree, wide, t) + 1]++;
        for (int64_t d = 0; d <= most; d++)
            count[d + 1] += count[d];
        for (Py_ssize_t t = lo; t < hi; t++)
            order[lo + count[most - degree_at(degree, wide, t)]++] = (int32_t)t;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyMem_RawFree(count);
    PyBuffer_Release(&bd);
    PyBuffer_Release(&bo);
    return result;
}

/* the first LANES * columns of a full chunk's sources (rows [r0, r0 + LANES)) go column by column,
 * source k of lane l at LANES * k + l, then the rest of each row, lane after lane; 0 columns for
 * a last chunk short of LANES rows, left a plain CSR. Returns the columns, or -1 when a row's
 * pointers decrease or the last row is not the shortest. */
static int64_t
chunk_columns(const int64_t *row_ptr, Py_ssize_t nt, Py_ssize_t r0)
{
    Py_ssize_t rows = nt - r0 < LANES ? nt - r0 : LANES;
    int64_t columns = rows == LANES ? row_ptr[r0 + LANES] - row_ptr[r0 + LANES - 1] : 0;
    for (Py_ssize_t l = 0; l < rows; l++)
        if (row_ptr[r0 + l + 1] - row_ptr[r0 + l] < columns || row_ptr[r0 + l + 1] < row_ptr[r0 + l])
            return -1;
    return columns;
}

/* slice_interleave(row_ptr, sources[, positions]): each full chunk's rows (placed one after the
 * other by in_place) rewritten in place, column by column then the rest (above); positions, when
 * given, move with their sources. */
static PyObject *
slice_interleave(PyObject *self, PyObject *args)
{
    Py_buffer bp, bs, be = {0};
    if (!PyArg_ParseTuple(args, "y*w*|w*", &bp, &bs, &be))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t nt = bp.len / 8 - 1, size = bs.len / 4;
    int32_t *tmp = NULL;
    int64_t *tmp_e = NULL;
    if (nt < 0 || !check(&bp, 8, nt + 1, "row_ptr") || !check(&bs, 4, size, "sources") ||
        (be.obj != NULL && !check(&be, 8, size, "positions")))
        goto done;
    const int64_t *row_ptr = bp.buf;
    int32_t *src = bs.buf;
    int64_t *pos = be.obj != NULL ? be.buf : NULL;
    if (row_ptr[0] != 0 || row_ptr[nt] != size) {
        PyErr_SetString(PyExc_ValueError, "row_ptr does not span the sources");
        goto done;
    }
    int64_t widest = 0;
    for (Py_ssize_t r0 = 0; r0 < nt; r0 += LANES) {
        if (chunk_columns(row_ptr, nt, r0) < 0) {
            PyErr_SetString(PyExc_ValueError, "a chunk's rows are not in decreasing length");
            goto done;
        }
        Py_ssize_t hi = r0 + LANES < nt ? r0 + LANES : nt;
        widest = row_ptr[hi] - row_ptr[r0] > widest ? row_ptr[hi] - row_ptr[r0] : widest;
    }
    tmp = PyMem_RawMalloc((size_t)(widest > 0 ? widest : 1) * sizeof(int32_t));
    tmp_e = pos != NULL ? PyMem_RawMalloc((size_t)(widest > 0 ? widest : 1) * sizeof(int64_t)) : NULL;
    if (tmp == NULL || (pos != NULL && tmp_e == NULL)) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t r0 = 0; r0 + LANES <= nt; r0 += LANES) {
        int64_t columns = chunk_columns(row_ptr, nt, r0), base = row_ptr[r0], width = row_ptr[r0 + LANES] - base;
        if (columns == 0)
            continue;
        memcpy(tmp, src + base, (size_t)width * sizeof(int32_t));
        if (pos != NULL)
            memcpy(tmp_e, pos + base, (size_t)width * sizeof(int64_t));
        int64_t at = base + columns * LANES;
        for (int l = 0; l < LANES; l++) {
            int64_t from = row_ptr[r0 + l] - base, rest = row_ptr[r0 + l + 1] - row_ptr[r0 + l] - columns;
            for (int64_t k = 0; k < columns; k++)
                src[base + k * LANES + l] = tmp[from + k];
            memcpy(src + at, tmp + from + columns, (size_t)rest * sizeof(int32_t));
            if (pos != NULL) {
                for (int64_t k = 0; k < columns; k++)
                    pos[base + k * LANES + l] = tmp_e[from + k];
                memcpy(pos + at, tmp_e + from + columns, (size_t)rest * sizeof(int64_t));
            }
            at += rest;
        }
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyMem_RawFree(tmp);
    PyMem_RawFree(tmp_e);
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bs);
    PyBuffer_Release(&be);
    return result;
}

/* The sums of rows [0, nt): y[order[r]] = the sum of x over row r's sources, each term times its
 * weight when w or w32 is not NULL (at most one is; aligned with the sources). Returns NULL, or
 * what is wrong with the layout. Runs without the GIL. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline const char *
sum_rows(const int64_t *row_ptr, const int32_t *order, const int32_t *src, Py_ssize_t nt, const double *x,
         const double *w, const float *w32, double *y)
{
/* the k-th weight beside the sources, as a double (a float's conversion is exact) */
#define WEIGHT(k) (w != NULL ? w[k] : (double)w32[k])
    const int weighted = w != NULL || w32 != NULL;
    for (Py_ssize_t r0 = 0; r0 < nt; r0 += LANES) {
        Py_ssize_t rows = nt - r0 < LANES ? nt - r0 : LANES;
        int64_t columns = chunk_columns(row_ptr, nt, r0);
        if (columns < 0)
            return "a chunk's rows are not in decreasing length";
        int64_t k = row_ptr[r0], stop = k + columns * LANES;
        double s[LANES] = {0.0};
        if (!weighted) {
            for (; k < stop; k += LANES)
                for (int l = 0; l < LANES; l++)
                    s[l] += x[src[k + l]];
        } else {
            for (; k < stop; k += LANES)
                for (int l = 0; l < LANES; l++)
                    s[l] += x[src[k + l]] * WEIGHT(k + l);
        }
        for (Py_ssize_t l = 0; l < rows; l++) {
            double sum = s[l];
            int64_t end = k + row_ptr[r0 + l + 1] - row_ptr[r0 + l] - columns;
            if (!weighted) {
                for (; k < end; k++)
                    sum += x[src[k]];
            } else {
                for (; k < end; k++)
                    sum += x[src[k]] * WEIGHT(k);
            }
            uint32_t t = (uint32_t)order[r0 + l];
            if (t >= (uint64_t)nt)
                return "order is not a permutation of the targets";
            y[t] = sum;
        }
    }
    return NULL;
#undef WEIGHT
}

/* Like scipy's sparse kernels, the sum trusts the sources its layout was built with (in_place
 * put only row numbers of the out-edges there, each below the number of senders, and filled
 * every slot): a check per entry costs 10-30 %. It checks what is cheap: the sizes, the rows'
 * pointers and lengths, and the order. */
static PyObject *
slice_sum(PyObject *self, PyObject *args)
{
    Py_buffer bp, bo, bi, bx, by, bw = {0};
    Py_ssize_t senders;
    if (!PyArg_ParseTuple(args, "y*y*y*ny*w*|y*", &bp, &bo, &bi, &senders, &bx, &by, &bw))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t nt = bo.len / 4, size = bi.len / 4;
    if (!check(&bp, 8, nt + 1, "row_ptr") || !check(&bo, 4, nt, "order") || !check(&bi, 4, size, "sources") ||
        !check(&bx, 8, senders, "x") || !check(&by, 8, nt, "y") ||
        (bw.obj != NULL && !check(&bw, bw.itemsize == 4 ? 4 : 8, size, "w")))
        goto done;
    const int64_t *row_ptr = bp.buf;
    const int32_t *order = bo.buf, *src = bi.buf;
    const double *x = bx.buf;
    double *y = by.buf;
    if (row_ptr[0] != 0 || row_ptr[nt] != size) {
        PyErr_SetString(PyExc_ValueError, "row_ptr does not span the sources");
        goto done;
    }
    const char *bad;
    Py_BEGIN_ALLOW_THREADS
    /* a call for each kind of weights: each inlined copy has its inner loops without a test of them */
    if (bw.obj == NULL)
        bad = sum_rows(row_ptr, order, src, nt, x, NULL, NULL, y);
    else if (bw.itemsize == 8)
        bad = sum_rows(row_ptr, order, src, nt, x, bw.buf, NULL, y);
    else
        bad = sum_rows(row_ptr, order, src, nt, x, NULL, bw.buf, y);
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, bad);
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bo);
    PyBuffer_Release(&bi);
    PyBuffer_Release(&bx);
    PyBuffer_Release(&by);
    PyBuffer_Release(&bw);
    return result;
}

/* Rows summed over in-edges: for each target t, in order, whose sources include one that
 * sends, reached[t] = 1 and the next row of y is the sum, in increasing source order, of
 * their rows of x (reached[t] = 0 and no row otherwise). Without row_of every source sends
 * row number source; with it, source s sends row row_of[s] of x, or nothing when that is
 * negative. A row is width doubles, added column by column: each column's additions come
 * in source order, as numpy's ufunc.at adds them. y has room for a row per target; only
 * the rows written are touched, so a few senders cost little however many targets there
 * are. Returns the number of rows written. */
static PyObject *
row_sums(PyObject *self, PyObject *args)
{
    Py_buffer bp, bs, bx, by, br, bm = {0};
    Py_ssize_t senders, width;
    if (!PyArg_ParseTuple(args, "y*y*nny*w*w*|y*", &bp, &bs, &senders, &width, &bx, &by, &br, &bm))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t nt = bp.len / 8 - 1, m = bs.len / 4;
    Py_ssize_t rows = width > 0 ? bx.len / 8 / width : 0;
    if (nt < 0 || width <= 0 || senders < 0 || !check(&bp, 8, nt + 1, "ptr") || !check(&bs, 4, m, "sources") ||
        !check(&bx, 8, rows * width, "x") || !check(&by, 8, nt * width, "y") || !check(&br, 1, nt, "reached") ||
        (bm.obj != NULL && !check(&bm, 4, senders, "row_of")))
        goto done;
    if (bm.obj == NULL && rows != senders) {
        PyErr_SetString(PyExc_ValueError, "x needs a row per sender");
        goto done;
    }
    const int64_t *ptr = bp.buf;
    const int32_t *sources = bs.buf, *row_of = bm.obj != NULL ? bm.buf : NULL;
    const double *x = bx.buf;
    double *y = by.buf;
    uint8_t *reached = br.buf;
    if (ptr[0] != 0 || ptr[nt] != m) {
        PyErr_SetString(PyExc_ValueError, "ptr does not span sources");
        goto done;
    }
    const char *bad = NULL;
    Py_ssize_t written = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t s = 0; row_of != NULL && s < senders && !bad; s++)
        if (row_of[s] >= rows)
            bad = "row_of names a row beyond x";
    for (Py_ssize_t t = 0; t < nt && !bad; t++) {
        double *out = y + written * width;
        uint8_t any = 0;
        if (ptr[t + 1] < ptr[t] || ptr[t + 1] > m) {
            bad = "ptr is not increasing";
            break;
        }
        for (int64_t k = ptr[t]; k < ptr[t + 1]; k++) {
            uint32_t s = (uint32_t)sources[k];
            if (s >= (uint64_t)senders) {
                bad = "a source is outside [0, senders)";
                break;
            }
            int64_t r = row_of != NULL ? row_of[s] : (int64_t)s;
            if (r < 0)
                continue;
            const double *in = x + r * width;
            if (!any) {
                memcpy(out, in, (size_t)width * sizeof(double));
                any = 1;
                continue;
            }
            for (Py_ssize_t c = 0; c < width; c++)
                out[c] += in[c];
        }
        reached[t] = any;
        written += any;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, bad);
        goto done;
    }
    result = PyLong_FromSsize_t(written);
done:
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bs);
    PyBuffer_Release(&bx);
    PyBuffer_Release(&by);
    PyBuffer_Release(&br);
    PyBuffer_Release(&bm);
    return result;
}

/* best_communities(indptr, indices, weights, rows, labels, own, alpha, tot, looked, label, weight): for each row r of
 * rows (a vertex of a batch), its edges' weights summed per community (labels of their targets) in the order of its
 * edges: the sum into its own community (own[r]) goes to looked, and the community of largest
 * sum - alpha[r] * tot[community] (the smallest label among equals) to label, its sum to weight; -1 when the row has
 * no edge into another community. Louvain's look at its neighbourhood, in one pass over the edges. */
static PyObject *
best_communities(PyObject *self, PyObject *args)
{
    Py_buffer bp, bi, bw, br, bl, bo, ba, bt, blooked, blabel, bweight;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*w*w*w*", &bp, &bi, &bw, &br, &bl, &bo, &ba, &bt, &blooked, &blabel,
                          &bweight))
        return NULL;
    PyObject *result = NULL;
    double *sums = NULL;
    int64_t *touched = NULL;
    uint8_t *mark = NULL;
    Py_ssize_t n = bp.len / 8 - 1, m = bi.len / 4, nrows = br.len / 8, span = bl.len / 8;
    if (n < 0 || !check(&bp, 8, n + 1, "indptr") || !check(&bi, 4, m, "indices") || !check(&bw, 8, m, "weights") ||
        !check(&bo, 8, n, "own") || !check(&ba, 8, n, "alpha") || !check(&bt, 8, span, "tot") ||
        !check(&blooked, 8, nrows, "looked") || !check(&blabel, 8, nrows, "label") || !check(&bweight, 8, nrows, "weight"))
        goto done;
    const int64_t *indptr = bp.buf, *rows = br.buf, *labels = bl.buf, *own = bo.buf;
    const int32_t *indices = bi.buf;
    const double *weights = bw.buf, *alpha = ba.buf, *tot = bt.buf;
    double *looked = blooked.buf, *weight = bweight.buf;
    int64_t *label = blabel.buf;
    sums = PyMem_RawMalloc((size_t)(span > 0 ? span : 1) * sizeof(double));
    touched = PyMem_RawMalloc((size_t)(span > 0 ? span : 1) * sizeof(int64_t));
    mark = PyMem_RawCalloc((size_t)(span > 0 ? span : 1), 1);
    if (sums == NULL || touched == NULL || mark == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const char *bad = NULL;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < nrows && !bad; i++) {
        int64_t r = rows[i];
        if (r < 0 || r >= n || indptr[r] < 0 || indptr[r + 1] < indptr[r] || indptr[r + 1] > m) {
            bad = "a row is outside the edges";
            break;
        }
        int64_t mine = own[r], count = 0;
        double inside = 0.0;
        for (int64_t k = indptr[r]; k < indptr[r + 1]; k++) {
            uint32_t target = (uint32_t)indices[k];
            if (target >= (uint64_t)span) {
                bad = "a target is outside the labels";
                break;
            }
            int64_t c = labels[target];
            if (c < 0 || c >= span) {
                bad = "a label is outside [0, span)";
                break;
            }
            if (c == mine) {
                inside += weights[k];
            } else if (!mark[c]) {
                mark[c] = 1;
                sums[c] = weights[k];
                touched[count++] = c;
            } else {
                sums[c] += weights[k];
            }
        }
        double best = 0.0, best_weight = 0.0;
        int64_t best_label = -1;
        for (int64_t t = 0; t < count; t++) {
            int64_t c = touched[t];
            double score = sums[c] - alpha[r] * tot[c];
            if (best_label < 0 || score > best || (score == best && c < best_label)) {
                best = score;
                best_label = c;
                best_weight = sums[c];
            }
            mark[c] = 0;
        }
        looked[i] = inside;
        label[i] = best_label;
        weight[i] = best_weight;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, bad);
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyMem_RawFree(sums);
    PyMem_RawFree(touched);
    PyMem_RawFree(mark);
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bi);
    PyBuffer_Release(&bw);
    PyBuffer_Release(&br);
    PyBuffer_Release(&bl);
    PyBuffer_Release(&bo);
    PyBuffer_Release(&ba);
    PyBuffer_Release(&bt);
    PyBuffer_Release(&blooked);
    PyBuffer_Release(&blabel);
    PyBuffer_Release(&bweight);
    return result;
}

/* moved_neighbours(indptr, indices, weights, moved, labels, was, own, alpha, tot, change, joined, score): for each row v
 * (a vertex of a batch), over its edges to targets that moved (moved[target]: from community was[target] to
 * labels[target]), in the order of its edges: how much its weight into its own community own[v] changed (each edge's
 * weight counted in when the target joined it, out when it left it), the most weight that joined one other community,
 * and the largest sum - alpha[v] * tot[community] of those communities (-inf when none). */
static PyObject *
moved_neighbours(PyObject *self, PyObject *args)
{
    Py_buffer bp, bi, bw, bm, bl, bv, bo, ba, bt, bc, bj, bs;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*y*w*w*w*", &bp, &bi, &bw, &bm, &bl, &bv, &bo, &ba, &bt, &bc, &bj, &bs))
        return NULL;
    PyObject *result = NULL;
    double *sums = NULL;
    int64_t *touched = NULL;
    uint8_t *mark = NULL;
    Py_ssize_t n = bp.len / 8 - 1, m = bi.len / 4, span = bl.len / 8;
    if (n < 0 || !check(&bp, 8, n + 1, "indptr") || !check(&bi, 4, m, "indices") || !check(&bw, 8, m, "weights") ||
        !check(&bm, 1, span, "moved") || !check(&bv, 8, span, "was") || !check(&bo, 8, n, "own") ||
        !check(&ba, 8, n, "alpha") || !check(&bt, 8, span, "tot") || !check(&bc, 8, n, "change") ||
        !check(&bj, 8, n, "joined") || !check(&bs, 8, n, "score"))
        goto done;
    const int64_t *indptr = bp.buf, *labels = bl.buf, *was = bv.buf, *own = bo.buf;
    const int32_t *indices = bi.buf;
    const uint8_t *moved = bm.buf;
    const double *weights = bw.buf, *alpha = ba.buf, *tot = bt.buf;
    double *change = bc.buf, *joined = bj.buf, *score = bs.buf;
    sums = PyMem_RawMalloc((size_t)(span > 0 ? span : 1) * sizeof(double));
    touched = PyMem_RawMalloc((size_t)(span > 0 ? span : 1) * sizeof(int64_t));
    mark = PyMem_RawCalloc((size_t)(span > 0 ? span : 1), 1);
    if (sums == NULL || touched == NULL || mark == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const char *bad = NULL;
    Py_BEGIN_ALLOW_THREADS
    if (indptr[0] != 0 || indptr[n] != m)
        bad = "indptr does not span the edges";
    for (Py_ssize_t v = 0; v < n && !bad; v++) {
        if (indptr[v + 1] < indptr[v]) {
            bad = "indptr is not increasing";
            break;
        }
        int64_t mine = own[v], count = 0;
        double inside = 0.0;
        for (int64_t k = indptr[v]; k < indptr[v + 1]; k++) {
            uint32_t target = (uint32_t)indices[k];
            if (target >= (uint64_t)span) {
                bad = "a target is outside the labels";
                break;
            }
            if (!moved[target])
                continue;
            int64_t c = labels[target];
            if (c < 0 || c >= span) {
                bad = "a label is outside [0, span)";
                break;
            }
            double w = weights[k];
            inside += (c == mine ? w : 0.0) - (was[target] == mine ? w : 0.0);
            if (c == mine)
                continue;
            if (!mark[c]) {
                mark[c] = 1;
                sums[c] = w;
                touched[count++] = c;
            } else {
                sums[c] += w;
            }
        }
        double most = 0.0, best = -HUGE_VAL;
        for (int64_t t = 0; t < count; t++) {
            int64_t c = touched[t];
            if (sums[c] > most)
                most = sums[c];
            double s = sums[c] - alpha[v] * tot[c];
            if (s > best)
                best = s;
            mark[c] = 0;
        }
        change[v] = inside;
        joined[v] = most;
        score[v] = best;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, bad);
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyMem_RawFree(sums);
    PyMem_RawFree(touched);
    PyMem_RawFree(mark);
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bi);
    PyBuffer_Release(&bw);
    PyBuffer_Release(&bm);
    PyBuffer_Release(&bl);
    PyBuffer_Release(&bv);
    PyBuffer_Release(&bo);
    PyBuffer_Release(&ba);
    PyBuffer_Release(&bt);
    PyBuffer_Release(&bc);
    PyBuffer_Release(&bj);
    PyBuffer_Release(&bs);
    return result;
}

/* Triangles (pregel/algorithms/triangles.py). The rows are a batch's: row r is vertex ids[r], its neighbours
 * indices[indptr[r]:indptr[r + 1]] (vertex numbers, sorted, below n); a row's neighbours above its vertex are the
 * end of the row.
 *
 * A bloom of a set of vertices is `words` 64-bit words with bit bloom_bit(w) set for each member w: one hash, a
 * multiplication by an odd constant keeping the top bits (Knuth's), so a member is never missed and another vertex
 * is wrongly taken for one with a chance of about the fraction of bits set. */
#define BLOOM_FACTOR 0x9E3779B97F4A7C15ULL

static inline uint64_t
bloom_bit(uint64_t w, int shift)
{
    return (w * BLOOM_FACTOR) >> shift;
}

/* log2 of a power of two in [1, 2^20], else -1 */
static int
log2_exact(Py_ssize_t x)
{
    for (int k = 0; k <= 20; k++)
        if (x == ((Py_ssize_t)1 << k))
            return k;
    return -1;
}

/* the rows' pointers span their neighbours, grow, and every neighbour is below n */
static const char *
check_rows(const int64_t *indptr, const int32_t *indices, Py_ssize_t rows, Py_ssize_t m, Py_ssize_t n)
{
    if (indptr[0] != 0 || indptr[rows] != m)
        return "indptr does not span indices";
    for (Py_ssize_t r = 0; r < rows; r++)
        if (indptr[r + 1] < indptr[r])
            return "indptr is not increasing";
    for (Py_ssize_t k = 0; k < m; k++)
        if (indices[k] < 0 || indices[k] >= n)
            return "a neighbour is outside [0, number of vertices)";
    return NULL;
}

/* where row r's neighbours above v begin (the row is sorted) */
static inline int64_t
above(const int64_t *indptr, const int32_t *indices, Py_ssize_t r, int64_t v)
{
    int64_t a = indptr[r], b = indptr[r + 1];
    while (a < b) {
        int64_t mid = a + (b - a) / 2;
        if (indices[mid] <= v)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

/* bloom_rows(indptr, indices, ids, n, words, out): out[r] (words words) = the bloom of row r's neighbours above ids[r] */
static PyObject *
bloom_rows(PyObject *self, PyObject *args)
{
    Py_buffer bp, bi, bd, bo;
    Py_ssize_t n, words;
    if (!PyArg_ParseTuple(args, "y*y*y*nnw*", &bp, &bi, &bd, &n, &words, &bo))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t rows = bp.len / 8 - 1, m = bi.len / 4;
    int lg = log2_exact(words);
    if (lg < 0) {
        PyErr_SetString(PyExc_ValueError, "words is not a power of two");
        goto done;
    }
    if (rows < 0) {
        PyErr_SetString(PyExc_ValueError, "indptr is empty");
        goto done;
    }
    if (!check(&bp, 8, rows + 1, "indptr") || !check(&bi, 4, m, "indices") ||
        !check(&bd, 8, rows, "ids") || !check(&bo, 8, rows * words, "out"))
        goto done;
    const int64_t *indptr = bp.buf, *ids = bd.buf;
    const int32_t *indices = bi.buf;
    uint64_t *out = bo.buf;
    int shift = 64 - 6 - lg;
    const char *bad;
    Py_BEGIN_ALLOW_THREADS
    bad = check_rows(indptr, indices, rows, m, n);
    if (!bad) {
        memset(out, 0, (size_t)(rows * words) * sizeof(uint64_t));
        for (Py_ssize_t r = 0; r < rows; r++) {
            uint64_t *bloom = out + r * words;
            for (int64_t k = above(indptr, indices, r, ids[r]); k < indptr[r + 1]; k++) {
                uint64_t bit = bloom_bit((uint64_t)indices[k], shift);
                bloom[bit >> 6] |= 1ULL << (bit & 63);
            }
        }
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, bad);
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bi);
    PyBuffer_Release(&bd);
    PyBuffer_Release(&bo);
    return result;
}

/* wedge_candidates(indptr, indices, ids, receiver, blooms, words, bits, order, n[, targets, values]): message i
 * tells row receiver[i] (vertex u = ids[receiver[i]]) that its neighbour v = blooms[i][0] has the bloom
 * blooms[i][1:] of its neighbours above it. Each neighbour w of u above v in that bloom is a candidate wedge
 * u < v < w for v: target v, value u << bits | w. The messages are taken in the order `order` (a permutation; by v,
 * the candidates come out sorted by target), each one's candidates in the order of w. Without targets, returns
 * how many neighbours above v the messages' rows have (at most that many candidates); with them, writes the
 * candidates and returns how many. */
static PyObject *
wedge_candidates(PyObject *self, PyObject *args)
{
    Py_buffer bp, bi, bd, br, bb, bo, bt = {0}, bv = {0};
    Py_ssize_t words, bits, n;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*nny*n|w*w*", &bp, &bi, &bd, &br, &bb, &words, &bits, &bo, &n, &bt, &bv))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t rows = bp.len / 8 - 1, m = bi.len / 4, count = br.len / 8;
    Py_ssize_t size = bt.obj != NULL ? bt.len / 8 : 0;
    int lg = log2_exact(words);
    if (lg < 0 || bits < 1 || bits > 31 || n < 0 || n > ((Py_ssize_t)1 << bits) || (bt.obj != NULL) != (bv.obj != NULL)) {
        PyErr_SetString(PyExc_ValueError,
                        "words is not a power of two, bits not in [1, 31], n not below 2**bits, or values missing");
        goto done;
    }
    if (rows < 0) {
        PyErr_SetString(PyExc_ValueError, "indptr is empty");
        goto done;
    }
    if (!check(&bp, 8, rows + 1, "indptr") || !check(&bi, 4, m, "indices") || !check(&bd, 8, rows, "ids") ||
        !check(&br, 8, count, "receiver") || !check(&bb, 8, count * (1 + words), "blooms") ||
        !check(&bo, 8, count, "order") ||
        (bt.obj != NULL && (!check(&bt, 8, size, "targets") || !check(&bv, 8, size, "values"))))
        goto done;
    const int64_t *indptr = bp.buf, *ids = bd.buf, *receiver = br.buf, *blooms = bb.buf, *order = bo.buf;
    const int32_t *indices = bi.buf;
    int64_t *targets = bt.obj != NULL ? bt.buf : NULL, *values = bv.obj != NULL ? bv.buf : NULL;
    int shift = 64 - 6 - lg;
    int64_t total = 0;
    const char *bad;
    Py_BEGIN_ALLOW_THREADS
    bad = check_rows(indptr, indices, rows, m, n);
    for (Py_ssize_t r = 0; r < rows && !bad; r++)
        if (ids[r] < 0 || ids[r] >= n)
            bad = "an id is outside [0, number of vertices)";
    for (Py_ssize_t j = 0; j < count && !bad; j++) {
        int64_t i = order[j];
        if (i < 0 || i >= count) {
            bad = "order is not a permutation of the messages";
            break;
        }
        int64_t r = receiver[i], v = blooms[i * (1 + words)];
        if (r < 0 || r >= rows || v < 0 || v >= n) {
            bad = "a receiver or a sender is outside the rows or the vertices";
            break;
        }
        int64_t k = above(indptr, indices, r, v), end = indptr[r + 1];
        if (targets == NULL) {
            total += end - k;
            continue;
        }
        const uint64_t *bloom = (const uint64_t *)blooms + i * (1 + words) + 1;
        int64_t u = ids[r] << bits;
        for (; k < end; k++) {
            uint64_t w = (uint64_t)indices[k], bit = bloom_bit(w, shift);
            if (!((bloom[bit >> 6] >> (bit & 63)) & 1))
                continue;
            if (total >= size) {
                bad = "more candidates than room for them";
                break;
            }
            targets[total] = v;
            values[total++] = u | (int64_t)w;
        }
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, bad);
        goto done;
    }
    result = PyLong_FromLongLong(total);
done:
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bi);
    PyBuffer_Release(&bd);
    PyBuffer_Release(&br);
    PyBuffer_Release(&bb);
    PyBuffer_Release(&bo);
    PyBuffer_Release(&bt);
    PyBuffer_Release(&bv);
    return result;
}

/* close_wedges(indptr, indices, receiver, wedges, bits, found, times): wedge i, u << bits | w, came to row
 * receiver[i] (the receivers grouped); it closes when w is a neighbour of the row's vertex: then found[receiver[i]],
 * times[u] and times[w] each gain one. Each group marks its row's neighbours in a byte per vertex, so a wedge costs
 * one look-up. Returns how many closed. */
static PyObject *
close_wedges(PyObject *self, PyObject *args)
{
    Py_buffer bp, bi, br, bw, bf, bt;
    Py_ssize_t bits;
    if (!PyArg_ParseTuple(args, "y*y*y*y*nw*w*", &bp, &bi, &br, &bw, &bits, &bf, &bt))
        return NULL;
    PyObject *result = NULL;
    uint8_t *mark = NULL;
    Py_ssize_t rows = bp.len / 8 - 1, m = bi.len / 4, count = br.len / 8, n = bt.len / 8;
    if (bits < 1 || bits > 31) {
        PyErr_SetString(PyExc_ValueError, "bits is not in [1, 31]");
        goto done;
    }
    if (rows < 0) {
        PyErr_SetString(PyExc_ValueError, "indptr is empty");
        goto done;
    }
    if (!check(&bp, 8, rows + 1, "indptr") || !check(&bi, 4, m, "indices") ||
        !check(&br, 8, count, "receiver") || !check(&bw, 8, count, "wedges") || !check(&bf, 8, rows, "found") ||
        !check(&bt, 8, n, "times"))
        goto done;
    mark = PyMem_RawCalloc((size_t)(n > 0 ? n : 1), 1);
    if (mark == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const int64_t *indptr = bp.buf, *receiver = br.buf, *wedges = bw.buf;
    const int32_t *indices = bi.buf;
    int64_t *found = bf.buf, *times = bt.buf, mask = ((int64_t)1 << bits) - 1, closed = 0;
    const char *bad;
    Py_BEGIN_ALLOW_THREADS
    bad = check_rows(indptr, indices, rows, m, n);
    Py_ssize_t i = 0;
    while (i < count && !bad) {
        int64_t r = receiver[i];
        if (r < 0 || r >= rows) {
            bad = "a receiver is outside the rows";
            break;
        }
        for (int64_t k = indptr[r]; k < indptr[r + 1]; k++)
            mark[indices[k]] = 1;
        for (; i < count && receiver[i] == r; i++) {
            int64_t u = wedges[i] >> bits, w = wedges[i] & mask;
            if (wedges[i] < 0 || u >= n || w >= n) {
                bad = "a wedge names a vertex outside [0, number of vertices)";
                break;
            }
            if (mark[w]) {
                found[r]++;
                times[u]++;
                times[w]++;
                closed++;
            }
        }
        for (int64_t k = indptr[r]; k < indptr[r + 1]; k++)
            mark[indices[k]] = 0;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, bad);
        goto done;
    }
    result = PyLong_FromLongLong(closed);
done:
    PyMem_RawFree(mark);
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bi);
    PyBuffer_Release(&br);
    PyBuffer_Release(&bw);
    PyBuffer_Release(&bf);
    PyBuffer_Release(&bt);
    return result;
}

/* group_modes(receiver, labels, scratch, out_receiver, out_smallest, out_largest, out_most, out_heard): per run
 * of equal receivers (receiver sorted), its labels' most frequent value: the smallest and largest label of the
 * highest count, that count, and the run's length. Returns the number of runs. Labels that are small numbers
 * (vertex numbers, as a rule) are counted in a table over them, set back to zero after each run: two passes
 * over the labels. Others are sorted run by run in scratch (a copy of labels): by insertion when the run is
 * short, else by qsort. */
#define MODES_TABLE_SLACK (1 << 16) /* a table of labels up to 16 x the labels + this is cheaper than sorting */

static int
compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static PyObject *
group_modes(PyObject *self, PyObject *args)
{
    Py_buffer br, bl, bs, bor, bos, bol, bom, boh;
    if (!PyArg_ParseTuple(args, "y*y*w*w*w*w*w*w*", &br, &bl, &bs, &bor, &bos, &bol, &bom, &boh))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t count = br.len / 8;
    if (!check(&br, 8, count, "receiver") || !check(&bl, 8, count, "labels") || !check(&bs, 8, count, "scratch") ||
        !check(&bor, 8, count, "out_receiver") || !check(&bos, 8, count, "out_smallest") ||
        !check(&bol, 8, count, "out_largest") || !check(&bom, 8, count, "out_most") ||
        !check(&boh, 8, count, "out_heard"))
        goto done;
    const int64_t *receiver = br.buf;
    int64_t *sorted = bs.buf, *out_receiver = bor.buf, *smallest = bos.buf, *largest = bol.buf, *most = bom.buf,
            *heard = boh.buf;
    Py_ssize_t groups = 0;
    int unsorted = 0;
    const int64_t *labels = bl.buf;
    int64_t low_label = 0, high_label = -1;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (i == 0 || labels[i] < low_label)
            low_label = labels[i];
        if (i == 0 || labels[i] > high_label)
            high_label = labels[i];
    }
    uint32_t *table = NULL;
    if (count && low_label >= 0 && high_label < 16 * (int64_t)count + MODES_TABLE_SLACK) {
        table = PyMem_RawCalloc((size_t)high_label + 1, sizeof(uint32_t));
        if (table == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    if (table == NULL)
        memcpy(sorted, labels, (size_t)count * 8);
    Py_ssize_t start = 0;
    while (start < count) {
        Py_ssize_t stop = start + 1;
        while (stop < count && receiver[stop] == receiver[start])
            stop++;
        if (stop < count && receiver[stop] < receiver[start]) {
            unsorted = 1;
            break;
        }
        Py_ssize_t size = stop - start;
        if (table != NULL) {
            /* a label that reaches the highest count joins the ties; one that passes it starts them anew */
            int64_t best = 0, low = 0, high = 0;
            for (Py_ssize_t i = start; i < stop; i++) {
                int64_t x = labels[i], c = ++table[x];
                if (c > best) {
                    best = c;
                    low = high = x;
                } else if (c == best) {
                    low = x < low ? x : low;
                    high = x > high ? x : high;
                }
            }
            for (Py_ssize_t i = start; i < stop; i++)
                table[labels[i]] = 0;
            out_receiver[groups] = receiver[start];
            smallest[groups] = low;
            largest[groups] = high;
            most[groups] = best;
            heard[groups] = size;
            groups++;
            start = stop;
            continue;
        }
        int64_t *run = sorted + start;
        if (size <= 32) {
            for (Py_ssize_t i = 1; i < size; i++) {
                int64_t x = run[i];
                Py_ssize_t j = i;
                for (; j > 0 && run[j - 1] > x; j--)
                    run[j] = run[j - 1];
                run[j] = x;
            }
        } else {
            qsort(run, (size_t)size, 8, compare_int64);
        }
        int64_t best = 0, low = 0, high = 0;
        for (Py_ssize_t i = 0; i < size;) {
            Py_ssize_t k = i + 1;
            while (k < size && run[k] == run[i])
                k++;
            if (k - i > best) {
                best = k - i;
                low = high = run[i];
            } else if (k - i == best) {
                high = run[i];
            }
            i = k;
        }
        out_receiver[groups] = receiver[start];
        smallest[groups] = low;
        largest[groups] = high;
        most[groups] = best;
        heard[groups] = size;
        groups++;
        start = stop;
    }
    Py_END_ALLOW_THREADS
    PyMem_RawFree(table);
    if (unsorted) {
        PyErr_SetString(PyExc_ValueError, "receiver is not sorted");
        goto done;
    }
    result = PyLong_FromSsize_t(groups);
done:
    PyBuffer_Release(&br);
    PyBuffer_Release(&bl);
    PyBuffer_Release(&bs);
    PyBuffer_Release(&bor);
    PyBuffer_Release(&bos);
    PyBuffer_Release(&bol);
    PyBuffer_Release(&bom);
    PyBuffer_Release(&boh);
    return result;
}

/* joined_first(ptr, idx, first): first[v] = the smallest vertex joined to v by the rows' edges (row v's go to the
 * int32 vertices idx[ptr[v]:ptr[v+1]], 0 .. len(first) - 1; directions do not matter), by union-find: each root is
 * its set's smallest vertex, so parent[v] <= v always, and one pass in increasing order then gives every vertex
 * its root. first holds the parents while it runs (path halving). */
static PyObject *
joined_first(PyObject *self, PyObject *args)
{
    Py_buffer bp, bi, bf;
    if (!PyArg_ParseTuple(args, "y*y*w*", &bp, &bi, &bf))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = bf.len / 8, edges = bi.len / 4;
    if (!check(&bp, 8, n + 1, "ptr") || !check(&bi, 4, edges, "idx") || !check(&bf, 8, n, "first"))
        goto done;
    const int64_t *ptr = bp.buf;
    const int32_t *idx = bi.buf;
    int64_t *parent = bf.buf;
    int bad = ptr[0] != 0 || ptr[n] != edges;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t v = 0; v < n; v++)
        parent[v] = v;
    for (Py_ssize_t row = 0; row < n && !bad; row++) {
        if (ptr[row + 1] < ptr[row] || ptr[row + 1] > edges) {
            bad = 1;
            break;
        }
        for (int64_t e = ptr[row]; e < ptr[row + 1]; e++) {
            int64_t a = row, b = idx[e];
            if (b < 0 || b >= n) {
                bad = 1;
                break;
            }
            while (parent[a] != a) {
                parent[a] = parent[parent[a]];
                a = parent[a];
            }
            while (parent[b] != b) {
                parent[b] = parent[parent[b]];
                b = parent[b];
            }
            if (a < b)
                parent[b] = a;
            else if (b < a)
                parent[a] = b;
        }
    }
    if (!bad)
        for (Py_ssize_t v = 0; v < n; v++)
            parent[v] = parent[parent[v]];
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "ptr does not span idx, or an edge's end is outside 0 .. len(first) - 1");
        goto done;
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bi);
    PyBuffer_Release(&bf);
    return result;
}

/* spread(ptr, idx, ways, way, colour, seeds, changed, join): from each seed in turn, its colour c = colour[seed]
 * carried along the rows' edges whose ways (int8) share a bit with way, depth first, as far as it changes anything.
 * Row v's edges go to idx[ptr[v]:ptr[v+1]] (int32 vertices 0 .. len(colour) - 1). Without join, c goes on to a
 * vertex whose colour is larger (its colour becomes c): with the seeds in increasing colour, each vertex takes a
 * colour once. With join, the seed and every vertex reached whose colour is c are taken: their colour becomes
 * -c - 1 (negative colours are taken vertices: never a colour that spreads, and never larger than one). Every
 * vertex whose colour changed is marked in changed (uint8); returns how many were marked. */
static PyObject *
spread(PyObject *self, PyObject *args)
{
    Py_buffer bp, bi, bw, bc, bs, bm;
    int way, join;
    if (!PyArg_ParseTuple(args, "y*y*y*iw*y*w*p", &bp, &bi, &bw, &way, &bc, &bs, &bm, &join))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = bc.len / 8, edges = bi.len / 4, seeds = bs.len / 8, marked = 0;
    if (!check(&bp, 8, n + 1, "ptr") || !check(&bi, 4, edges, "idx") || !check(&bw, 1, edges, "ways") ||
        !check(&bc, 8, n, "colour") || !check(&bs, 8, seeds, "seeds") || !check(&bm, 1, n, "changed"))
        goto done;
    const int64_t *ptr = bp.buf, *seed = bs.buf;
    const int32_t *idx = bi.buf;
    const int8_t *ways = bw.buf;
    int64_t *colour = bc.buf;
    uint8_t *changed = bm.buf;
    int bad = 0;
    Py_ssize_t capacity = n + 1, top = 0;
    int64_t *stack = malloc((size_t)capacity * sizeof(int64_t));
    if (stack == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < seeds && !bad; k++) {
        int64_t s = seed[k];
        if (s < 0 || s >= n) {
            bad = 1;
            break;
        }
        int64_t c = colour[s];
        if (c < 0)
            continue; /* taken already (join), or never a colour */
        if (join) {
            colour[s] = -c - 1;
            marked += !changed[s];
            changed[s] = 1;
        }
        stack[top++] = s;
        while (top > 0 && !bad) {
            int64_t v = stack[--top];
            for (int64_t e = ptr[v]; e < ptr[v + 1]; e++) {
                int64_t t = idx[e];
                if (!(ways[e] & way))
                    continue;
                if (t < 0 || t >= n) {
                    bad = 1;
                    break;
                }
                if (join ? colour[t] != c : colour[t] <= c)
                    continue;
                colour[t] = join ? -c - 1 : c;
                marked += !changed[t];
                changed[t] = 1;
                if (top == capacity) {
                    int64_t *grown = realloc(stack, (size_t)capacity * 2 * sizeof(int64_t));
                    if (grown == NULL) {
                        bad = 2;
                        break;
                    }
                    stack = grown;
                    capacity *= 2;
                }
                stack[top++] = t;
            }
        }
    }
    Py_END_ALLOW_THREADS
    free(stack);
    if (bad == 2) {
        PyErr_NoMemory();
        goto done;
    }
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "a seed or an edge's end is outside 0 .. len(colour) - 1");
        goto done;
    }
    result = PyLong_FromSsize_t(marked);
done:
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bi);
    PyBuffer_Release(&bw);
    PyBuffer_Release(&bc);
    PyBuffer_Release(&bs);
    PyBuffer_Release(&bm);
    return result;
}

/* counting_order(targets, lo, counts, order): the permutation that sorts targets (int32 or int64, all in
 * [lo, lo + span), span = len(counts) - 1) stably, by a counting sort: O(targets + span), where a sort is
 * O(targets log targets). counts is scratch. */
static PyObject *
counting_order(PyObject *self, PyObject *args)
{
    Py_buffer bt, bc, bo;
    long long lo;
    if (!PyArg_ParseTuple(args, "y*Lw*w*", &bt, &lo, &bc, &bo))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t width = bt.itemsize, count = width ? bt.len / width : 0, span = bc.len / 8 - 1;
    if ((width != 4 && width != 8) || span < 0) {
        PyErr_SetString(PyExc_ValueError, "targets are not int32 or int64, or counts is empty");
        goto done;
    }
    if (!check(&bc, 8, span + 1, "counts") || !check(&bo, 8, count, "order"))
        goto done;
    const int32_t *t32 = bt.buf;
    const int64_t *t64 = bt.buf;
    int64_t *counts = bc.buf, *order = bo.buf;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    memset(counts, 0, (size_t)(span + 1) * 8);
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t t = (width == 4 ? (int64_t)t32[i] : t64[i]) - lo;
        if (t < 0 || t >= span) {
            bad = 1;
            break;
        }
        counts[t + 1]++;
    }
    if (!bad) {
        for (Py_ssize_t j = 1; j <= span; j++)
            counts[j] += counts[j - 1];
        if (width == 4)
            for (Py_ssize_t i = 0; i < count; i++)
                order[counts[t32[i] - lo]++] = i;
        else
            for (Py_ssize_t i = 0; i < count; i++)
                order[counts[t64[i] - lo]++] = i;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "a target is outside [lo, lo + span)");
        goto done;
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&bt);
    PyBuffer_Release(&bc);
    PyBuffer_Release(&bo);
    return result;
}

/* The owner of a vertex id: SplitMix64's finaliser of the id, modulo the partitions (pregel.core.held.owner_of);
 * mask is parts - 1 where parts is a power of two (no division), else 0. */
static inline Py_ssize_t
owner(uint64_t z, uint64_t parts, uint64_t mask)
{
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    z ^= z >> 31;
    return (Py_ssize_t)(mask ? z & mask : z % parts);
}

static inline uint64_t
id_at(const void *ids, int width, Py_ssize_t i)
{
    /* a negative id becomes one of 2**63 or more: refused below with the wide ones */
    return width == 4 ? (uint64_t)(int64_t)((const int32_t *)ids)[i] : (uint64_t)((const int64_t *)ids)[i];
}

typedef struct {
    const void *src, *dst;
    const double *w;
    Py_ssize_t count;
    uint64_t parts, mask;
    int64_t *ends;
    uint64_t *keys;
    double *dealt;
} deal_job;

/* Counts each owner's edges into ends; the largest target, or UINT64_MAX for an id outside [0, 2**32). Inlined
 * with constant widths, so each pair of id types gets a loop of its own. */
static inline uint64_t
deal_count(const deal_job *job, int ws, int wt)
{
    uint64_t top = 0;
    for (Py_ssize_t i = 0; i < job->count; i++) {
        uint64_t s = id_at(job->src, ws, i), t = id_at(job->dst, wt, i);
        if ((s | t) >> 32)
            return UINT64_MAX;
        top = t > top ? t : top;
        job->ends[owner(s, job->parts, job->mask)]++;
    }
    return top;
}

/* Places each edge's key (and weight) at its owner's next slot, ends[q] running from q's start to its end. */
static inline void
deal_place(const deal_job *job, int ws, int wt)
{
    for (Py_ssize_t i = 0; i < job->count; i++) {
        uint64_t s = id_at(job->src, ws, i);
        int64_t slot = job->ends[owner(s, job->parts, job->mask)]++;
        job->keys[slot] = s << 32 | id_at(job->dst, wt, i);
        if (job->dealt)
            job->dealt[slot] = job->w[i];
    }
}

/* deal(sources, targets, parts, keys, ends[, weights, dealt]): the edges (ids int32 or int64) grouped by the owner
 * of their source, stably (a counting sort: one pass to count, one to place), each written as one key, source << 32
 * | target; ends[q] is where owner q's keys end, and dealt holds the weights in the keys' order. Returns the largest
 * target, or -1 (nothing dealt) when an id is outside [0, 2**32): such ids are not packed, the caller deals them. */
static PyObject *
deal(PyObject *self, PyObject *args)
{
    Py_buffer bs, bt, bk, be, bw = {0}, bd = {0};
    Py_ssize_t parts;
    if (!PyArg_ParseTuple(args, "y*y*nw*w*|y*w*", &bs, &bt, &parts, &bk, &be, &bw, &bd))
        return NULL;
    PyObject *result = NULL;
    int ws = (int)bs.itemsize, wt = (int)bt.itemsize;
    Py_ssize_t count = ws ? bs.len / ws : 0;
    if ((ws != 4 && ws != 8) || (wt != 4 && wt != 8) || parts < 1) {
        PyErr_SetString(PyExc_ValueError, "ids are not int32 or int64, or no partitions");
        goto done;
    }
    if (!check(&bt, wt, count, "targets") || !check(&bk, 8, count, "keys") || !check(&be, 8, parts, "ends"))
        goto done;
    if ((bw.obj == NULL) != (bd.obj == NULL)) {
        PyErr_SetString(PyExc_ValueError, "weights and dealt come together");
        goto done;
    }
    if (bw.obj && (!check(&bw, 8, count, "weights") || !check(&bd, 8, count, "dealt")))
        goto done;
    deal_job job = {bs.buf, bt.buf, bw.buf, count, (uint64_t)parts, (parts & (parts - 1)) ? 0 : (uint64_t)parts - 1,
                    be.buf, bk.buf, bd.buf};
    uint64_t top;
    Py_BEGIN_ALLOW_THREADS
    memset(job.ends, 0, (size_t)parts * 8);
    top = ws == 4 ? (wt == 4 ? deal_count(&job, 4, 4) : deal_count(&job, 4, 8))
                  : (wt == 4 ? deal_count(&job, 8, 4) : deal_count(&job, 8, 8));
    if (top != UINT64_MAX) {
        int64_t at = 0;
        for (Py_ssize_t q = 0; q < parts; q++) {
            int64_t n = job.ends[q];
            job.ends[q] = at;
            at += n;
        }
        if (ws == 4)
            wt == 4 ? deal_place(&job, 4, 4) : deal_place(&job, 4, 8);
        else
            wt == 4 ? deal_place(&job, 8, 4) : deal_place(&job, 8, 8);
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromLongLong(top == UINT64_MAX ? -1 : (long long)top);
done:
    PyBuffer_Release(&bs);
    PyBuffer_Release(&bt);
    PyBuffer_Release(&bk);
    PyBuffer_Release(&be);
    if (bw.obj)
        PyBuffer_Release(&bw);
    if (bd.obj)
        PyBuffer_Release(&bd);
    return result;
}

/* bucket(keys, shift, slots[, out]): without out, slots[key >> shift] += 1 for every key (uint64); with out, each key
 * written at out[slots[key >> shift]++]. Keys counted, the slots turned into each bucket's start, then placed run
 * by run: the keys in buckets of their leading bits, in order from bucket to bucket, for a sort of each alone.
 * Returns the largest target (a key's low 32 bits). */
static PyObject *
bucket(PyObject *self, PyObject *args)
{
    Py_buffer bk, bs, bo = {0};
    int shift;
    if (!PyArg_ParseTuple(args, "y*iw*|w*", &bk, &shift, &bs, &bo))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t count = bk.len / 8, buckets = bs.len / 8;
    if (bk.itemsize != 8 || bs.itemsize != 8 || shift < 0 || shift > 63 || (bo.obj && bo.itemsize != 8)) {
        PyErr_SetString(PyExc_ValueError, "keys, slots and out are 8-byte integers, shift in [0, 64)");
        goto done;
    }
    const uint64_t *keys = bk.buf;
    int64_t *slots = bs.buf;
    uint64_t *out = bo.buf;
    Py_ssize_t size = bo.obj ? bo.len / 8 : 0;
    int bad = 0;
    uint64_t top = 0;
#if defined(MADV_NOHUGEPAGE) && !defined(_WIN32)
    /* out is written in every bucket at once: a huge page would make 2 MB resident for each bucket begun, the
     * whole array from the first run on, beside the runs not yet placed. Given before the first write. */
    if (out != NULL) {
        uintptr_t page = 4096, lo = ((uintptr_t)out + page - 1) & ~(page - 1),
                  hi = ((uintptr_t)out + (uintptr_t)bo.len) & ~(page - 1);
        if (hi > lo)
            madvise((void *)lo, hi - lo, MADV_NOHUGEPAGE);
    }
#endif
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count && !bad; i++) {
        uint64_t b = keys[i] >> shift, target = keys[i] & UINT32_MAX;
        top = target > top ? target : top;
        if (b >= (uint64_t)buckets)
            bad = 1;
        else if (out == NULL)
            slots[b]++;
        else if (slots[b] < 0 || slots[b] >= size)
            bad = 1;
        else
            out[slots[b]++] = keys[i];
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "a key beyond the buckets, or a slot beyond out");
        goto done;
    }
    result = PyLong_FromUnsignedLongLong(top);
done:
    PyBuffer_Release(&bk);
    PyBuffer_Release(&bs);
    if (bo.obj)
        PyBuffer_Release(&bo);
    return result;
}

/* split_keys(keys[, edges, ids, starts, wide, seen]): sorted uint64 keys (source << 32 | target). Without ids: the
 * repeats dropped in place; returns (distinct keys, distinct sources). With ids (int64, one per distinct source) and
 * starts (int64, one more): each source, where its row starts among the first edges keys, and the targets written
 * over the keys' memory from its front, int32 (int64 if wide), none ahead of the key it is read from; with seen
 * (bits, one per id up to the largest target, id t at bit t % 8 of byte t / 8), each target's bit set (the distinct
 * heads, with no pass of their own; bits, not bytes: the table over a partition's millions of ids stays in cache
 * for these random writes). Returns None. */
static PyObject *
split_keys(PyObject *self, PyObject *args)
{
    Py_buffer bk, bi = {0}, bs = {0}, bm = {0};
    Py_ssize_t edges = -1;
    int wide = 0;
    if (!PyArg_ParseTuple(args, "w*|nw*w*pw*", &bk, &edges, &bi, &bs, &wide, &bm))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t count = bk.len / 8;
    if (bk.itemsize != 8 || edges > count) {
        PyErr_SetString(PyExc_ValueError, "keys are not 8-byte integers, or fewer than edges");
        goto done;
    }
    uint64_t *keys = bk.buf;
    if (bi.obj == NULL) {
        Py_ssize_t kept = 0, sources = 0;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < count; i++) {
            if (kept && keys[i] == keys[kept - 1])
                continue;
            if (!kept || keys[i] >> 32 != keys[kept - 1] >> 32)
                sources++;
            keys[kept++] = keys[i];
        }
        Py_END_ALLOW_THREADS
        result = Py_BuildValue("nn", kept, sources);
        goto done;
    }
    Py_ssize_t rows = bi.len / 8;
    if (bi.itemsize != 8 || bs.itemsize != 8 || bs.len / 8 != rows + 1 || edges < 0) {
        PyErr_SetString(PyExc_ValueError, "ids and starts: int64, one start more than ids, and edges given");
        goto done;
    }
    int64_t *ids = bi.buf, *starts = bs.buf;
    int32_t *narrow = bk.buf;
    int64_t *wider = bk.buf;
    unsigned char *seen = bm.buf;
    uint64_t span = bm.obj ? 8 * (uint64_t)bm.len : 0;
    Py_ssize_t row = 0;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < edges; i++) {
        uint64_t key = keys[i];
        int64_t source = (int64_t)(key >> 32);
        if (seen) {
            if ((key & UINT32_MAX) >= span) {
                bad = 1;
                break;
            }
            seen[(key & UINT32_MAX) >> 3] |= (unsigned char)(1u << (key & 7));
        }
        if (!i || source != ids[row - 1]) {
            if (row == rows) {
                bad = 1;
                break;
            }
            ids[row] = source;
            starts[row++] = i;
        }
        if (wide)
            wider[i] = (int64_t)(key & UINT32_MAX);
        else
            narrow[i] = (int32_t)(key & UINT32_MAX);
    }
    starts[row] = edges;
    Py_END_ALLOW_THREADS
    if (bad || row != rows) {
        PyErr_SetString(PyExc_ValueError, "the keys' sources are not as many as ids, or a target is beyond seen");
        goto done;
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&bk);
    if (bi.obj)
        PyBuffer_Release(&bi);
    if (bs.obj)
        PyBuffer_Release(&bs);
    if (bm.obj)
        PyBuffer_Release(&bm);
    return result;
}

/* expand(indptr, rows, labels, positions, owners): the out-edges of rows (int64; None: every row, in
 * order), row after row: positions[j] is an edge's position among the out-edges, owners[j] (None: not
 * written) the label of the row it leaves (labels, int64, one per row asked; None: the row's place
 * among them). One pass writes both, where numpy makes an arange, a repeat and a sum for the
 * positions and a repeat for the owners. */
static PyObject *
expand(PyObject *self, PyObject *args)
{
    Py_buffer bp, bpos, bown = {0}, br = {0}, bl = {0};
    PyObject *rows_obj, *labels_obj, *owners_obj;
    if (!PyArg_ParseTuple(args, "y*OOw*O", &bp, &rows_obj, &labels_obj, &bpos, &owners_obj))
        return NULL;
    PyObject *result = NULL;
    if ((rows_obj != Py_None && PyObject_GetBuffer(rows_obj, &br, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) ||
        (labels_obj != Py_None && PyObject_GetBuffer(labels_obj, &bl, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) ||
        (owners_obj != Py_None &&
         PyObject_GetBuffer(owners_obj, &bown, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0))
        goto done;
    Py_ssize_t n = bp.len / 8 - 1, nr = br.obj != NULL ? br.len / 8 : n, total = bpos.len / 8;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "indptr: at least one pointer");
        goto done;
    }
    if (!check(&bp, 8, n + 1, "indptr") || (br.obj != NULL && !check(&br, 8, nr, "rows")) ||
        (bl.obj != NULL && !check(&bl, 8, nr, "labels")) || !check(&bpos, 8, total, "positions") ||
        (bown.obj != NULL && !check(&bown, 8, total, "owners")))
        goto done;
    const int64_t *indptr = bp.buf, *rows = br.obj != NULL ? br.buf : NULL, *labels = bl.obj != NULL ? bl.buf : NULL;
    int64_t *positions = bpos.buf, *owners = bown.obj != NULL ? bown.buf : NULL;
    /* checked before anything is written: the rows exist, the pointers increase, the edges fill the outputs */
    int64_t filled = 0;
    for (Py_ssize_t k = 0; k < nr; k++) {
        int64_t r = rows != NULL ? rows[k] : k;
        if (r < 0 || r >= n || indptr[r + 1] < indptr[r]) {
            PyErr_SetString(PyExc_ValueError, "rows: a row out of range, or indptr not increasing");
            goto done;
        }
        /* bounded as it adds up (a sum that wrapped around could pass the check below) */
        if (indptr[r + 1] - indptr[r] > total - filled) {
            PyErr_SetString(PyExc_ValueError, "positions and owners: one per out-edge of the rows");
            goto done;
        }
        filled += indptr[r + 1] - indptr[r];
    }
    if (filled != total) {
        PyErr_SetString(PyExc_ValueError, "positions and owners: one per out-edge of the rows");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    int64_t j = 0;
    for (Py_ssize_t k = 0; k < nr; k++) {
        int64_t r = rows != NULL ? rows[k] : k, label = labels != NULL ? labels[k] : k;
        int64_t lo = indptr[r], hi = indptr[r + 1];
        for (int64_t e = lo; e < hi; e++)
            positions[j + e - lo] = e;
        if (owners != NULL)
            for (int64_t e = lo; e < hi; e++)
                owners[j + e - lo] = label;
        j += hi - lo;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bpos);
    PyBuffer_Release(&bown);
    PyBuffer_Release(&br);
    PyBuffer_Release(&bl);
    return result;
}

static PyMethodDef methods[] = {
    {"in_count", in_count, METH_VARARGS,
     "in_count(indptr, indices, shares, counts): each share's out-edges counted by target"},
    {"in_place", in_place, METH_VARARGS,
     "in_place(indptr, indices, shares, counts, rows, out_ptr, out_idx[, out_edge[, names]]): each out-edge's "
     "source (or its name) placed in its target's row, the rows in the order given (None: the targets' order)"},
    {"merge_ways", merge_ways, METH_VARARGS,
     "merge_ways(indptr, indices, rptr, rsrc, out_ptr, out_idx, out_way): each row's out- and in-neighbours "
     "merged, with the ways they join it (False: a row of indices is not sorted)"},
    {"slice_order", slice_order, METH_VARARGS,
     "slice_order(degree, order): targets by degree (int32 or int64), largest first, within windows"},
    {"slice_interleave", slice_interleave, METH_VARARGS,
     "slice_interleave(row_ptr, sources[, positions]): each full chunk's rows rewritten column by column, then "
     "the rest"},
    {"slice_sum", slice_sum, METH_VARARGS,
     "slice_sum(row_ptr, order, sources, senders, x, y[, w]): y[order[r]] = sum of x (times w: float64 or "
     "float32) over row r's sources"},
    {"row_sums", row_sums, METH_VARARGS,
     "row_sums(ptr, sources, senders, width, x, y, reached[, row_of]): rows of x summed over each target's "
     "sending sources"},
    {"moved_neighbours", moved_neighbours, METH_VARARGS,
     "moved_neighbours(indptr, indices, weights, moved, labels, was, own, alpha, tot, change, joined, score): what "
     "each row's neighbours that moved changed"},
    {"best_communities", best_communities, METH_VARARGS,
     "best_communities(indptr, indices, weights, rows, labels, own, alpha, tot, looked, label, weight): each row's "
     "weight into its own community, and its best other community by sum - alpha * tot"},
    {"bloom_rows", bloom_rows, METH_VARARGS,
     "bloom_rows(indptr, indices, ids, n, words, out): each row's bloom of its neighbours above its vertex"},
    {"wedge_candidates", wedge_candidates, METH_VARARGS,
     "wedge_candidates(indptr, indices, ids, receiver, blooms, words, bits, order, n[, targets, values]): the "
     "wedges through each sender's bloom, bounded or written in the order of the messages given"},
    {"close_wedges", close_wedges, METH_VARARGS,
     "close_wedges(indptr, indices, receiver, wedges, bits, found, times): the wedges whose ends are neighbours, "
     "counted per receiver and per corner"},
    {"group_modes", group_modes, METH_VARARGS,
     "group_modes(receiver, labels, scratch, out_receiver, out_smallest, out_largest, out_most, out_heard): per "
     "run of equal receivers, the smallest and largest most frequent label, its count and the run's length"},
    {"joined_first", joined_first, METH_VARARGS,
     "joined_first(ptr, idx, first): each vertex's smallest joined vertex, by union-find over the rows' edges"},
    {"expand", expand, METH_VARARGS,
     "expand(indptr, rows, labels, positions, owners): the rows' out-edges, each edge's position and its row's label"},
    {"spread", spread, METH_VARARGS,
     "spread(ptr, idx, ways, way, colour, seeds, changed, join): colours carried from the seeds along the edges "
     "that go way, as far as they change anything (join: taking the vertices of the seed's colour)"},
    {"counting_order", counting_order, METH_VARARGS,
     "counting_order(targets, lo, counts, order): the permutation that sorts targets stably, by a counting sort"},
    {"deal", deal, METH_VARARGS,
     "deal(sources, targets, parts, keys, ends[, weights, dealt]): edges grouped by the owner of their source, "
     "packed into keys; the largest target, or -1 for ids beyond [0, 2**32)"},
    {"bucket", bucket, METH_VARARGS,
     "bucket(keys, shift, slots[, out]): keys counted by key >> shift, or placed at their bucket's next slot"},
    {"split_keys", split_keys, METH_VARARGS,
     "split_keys(keys[, edges, ids, starts, wide, seen]): sorted keys without repeats, then as rows: sources, row "
     "starts, targets over the keys (each marked seen)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", "Compiled message-path kernels.", -1, methods};

PyMODINIT_FUNC
PyInit__kernels(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "LANES", LANES) < 0)
        Py_CLEAR(m);
    return m;
}
