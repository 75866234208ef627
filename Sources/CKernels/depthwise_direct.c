#include "ck_depthwise.h"
#include "ck_vec.h"

/* Depthwise k×k (k = 3, 5) convolution read straight from the input planes, no zero-padded
   copy. This file: stride 1 on maps wider than the interleaved kernel takes, and the dispatch.
   Outputs go in "positions" of eight columns; a position whose taps all lie inside the input
   row ("interior") loads them unaligned, the few border positions masked (lanes outside the
   row read as zero; the masks are computed once per call). Rows above and below the plane read
   a row of zeros, so every block of output rows has all its taps: blocks of four rows (eight
   when a row is one position) × two positions keep eight independent sums. Bias and ReLU/Clip
   are applied in registers before the store, the other activations in one pass over the
   finished plane. The sum per output runs over all taps in (ki, kj) order, padding zeros
   included, as the padded-plane kernel's did.

   Stores are never masked (a masked store cost ≈ 5 ns on the EPYC this was measured on, a
   plain one 0.4 ns): a row's last position writes up to seven values past the row, into
   outputs stored later — each block of rows stores its last position first, rows go
   downwards, planes upwards — and only at the end of the call's planes is the store masked. */
#if defined(__x86_64__)

enum { CK_DW_MAX_BORDER = 8, CK_DW_ZERO_ROW = 4096 };

/* Zeros read for the rows above and below the plane (8 before: border loads start at −pad). */
static const float ck_dw_zeros[CK_DW_ZERO_ROW + 8];

typedef struct {
    const float *x;         /* the input plane */
    const float *k;         /* its kernel (k² floats) */
    float *y;               /* the output plane */
    long iw, ow;
    __m256 bias;
    float p0, p1;
    const float *end;       /* end of the output planes of this call */
    const __m256i *masks;   /* per border position: CK_DW_MAX_KERNEL load masks */
    const float *zero;      /* a row of zeros standing for the padding rows */
    long pad_left;
} ck_dw_plane_args;

static inline CK_AVX2 __m256 ck_dw_load(const float *p, int masked, const __m256i *m, int kj) {
    return masked ? _mm256_maskload_ps(p, m[kj]) : _mm256_loadu_ps(p);
}

/* R output rows from oy (input rows rp[r + ki]) × V positions from pos: accumulate, finish,
   store. */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_dw_tile(const ck_dw_plane_args *a, const float *const *rp, long oy, long pos, long npos,
           const int R, const int V, const int KW, const int ACT, const int masked, const __m256i *m) {
    __m256 acc[8][2];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_ps();
    const long cbase = 8 * pos - a->pad_left;
    for (int ki = 0; ki < KW; ki++) {
        const float *kr = a->k + ki * KW;
        for (int r = 0; r < R; r++) {
            for (int v = 0; v < V; v++) {
                const float *p = rp[r + ki] + cbase + 8 * v;
                const __m256i *mv = masked ? m + v * CK_DW_MAX_KERNEL : m;
                for (int kj = 0; kj < KW; kj++)
                    acc[r][v] = _mm256_fmadd_ps(_mm256_broadcast_ss(kr + kj), ck_dw_load(p + kj, masked, mv, kj), acc[r][v]);
            }
        }
    }
    for (int r = 0; r < R; r++) {
        float *dst = a->y + (oy + r) * a->ow + 8 * pos;
        for (int v = 0; v < V; v++) {
            const __m256 out = ck_activate8(_mm256_add_ps(acc[r][v], a->bias), ACT, a->p0, a->p1);
            if (pos + v == npos - 1 && dst + 8 * v + 8 > a->end)
                _mm256_maskstore_ps(dst + 8 * v, ck_mask8(a->end - (dst + 8 * v)), out);
            else
                _mm256_storeu_ps(dst + 8 * v, out);
        }
    }
}

/* Positions [from, to) of output rows [oy, oy + R), left to right, two at a time when both are
   interior or both border (masks: border position b at b, left ones first). */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_dw_positions_run(const ck_dw_plane_args *a, const float *const *rp, long oy, long from, long to, long npos,
                    long lo, long hi, const int R, const int KW, const int ACT) {
    long pos = from;
    while (pos < to) {
        const int border = pos < lo || pos >= hi;
        const __m256i *m = a->masks + (pos < lo ? pos : lo + pos - hi) * CK_DW_MAX_KERNEL;
        if (pos + 1 < to && (pos + 1 < lo || pos + 1 >= hi) == border) {
            if (border) ck_dw_tile(a, rp, oy, pos, npos, R, 2, KW, ACT, 1, m);
            else ck_dw_tile(a, rp, oy, pos, npos, R, 2, KW, ACT, 0, 0);
            pos += 2;
        } else {
            if (border) ck_dw_tile(a, rp, oy, pos, npos, R, 1, KW, ACT, 1, m);
            else ck_dw_tile(a, rp, oy, pos, npos, R, 1, KW, ACT, 0, 0);
            pos += 1;
        }
    }
}

/* Output rows [oy, oy + R): the last position first (its stores spill into the next row's
   first outputs, stored afterwards), then the others left to right (ascending reads for the
   hardware prefetcher: right to left made 112×112 maps 1.35× slower). */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_dw_row_block(const ck_dw_plane_args *a, const ck_dw_shape *s, long oy, long npos, long lo, long hi,
                const int R, const int KW, const int ACT) {
    const float *rp[8 + CK_DW_MAX_KERNEL - 1];
    for (int i = 0; i < R + KW - 1; i++) {
        const long iy = oy - s->pad_top + i;
        rp[i] = iy >= 0 && iy < s->ih ? a->x + iy * a->iw : a->zero;
    }
    ck_dw_positions_run(a, rp, oy, npos - 1, npos, npos, lo, hi, R, KW, ACT);
    ck_dw_positions_run(a, rp, oy, 0, npos - 1, npos, lo, hi, R, KW, ACT);
}

/* One output plane in blocks of four rows (eight when a row is one position); the last block
   moves up to end at the last row (a few rows computed twice rather than a slower block of one
   to three rows). */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_dw_plane_rows(const ck_dw_plane_args *a, const ck_dw_shape *s, long npos, long lo, long hi,
                 const int KW, const int ACT) {
    const long oh = s->oh;
    if (npos == 1 && oh >= 8) {
        for (long oy = 0;; oy += 8) {
            if (oy + 8 > oh) oy = oh - 8;
            ck_dw_row_block(a, s, oy, npos, lo, hi, 8, KW, ACT);
            if (oy + 8 == oh) return;
        }
    }
    if (oh < 4) {
        for (long oy = 0; oy < oh; oy++) ck_dw_row_block(a, s, oy, npos, lo, hi, 1, KW, ACT);
        return;
    }
    for (long oy = 0;; oy += 4) {
        if (oy + 4 > oh) oy = oh - 4;
        ck_dw_row_block(a, s, oy, npos, lo, hi, 4, KW, ACT);
        if (oy + 4 == oh) return;
    }
}

static inline __attribute__((always_inline)) CK_AVX2 void
ck_dw_planes(const ck_dw_shape *s, ck_dw_plane_args *a, const float *x, const float *k, const float *bias, float *y,
             long first, long count, long npos, long lo, long hi, const int KW, const int ACT, int post) {
    const long ihw = s->ih * s->iw, ohw = s->oh * s->ow;
    for (long p = first; p < first + count; p++) {
        const long c = p % s->channels;
        a->x = x + p * ihw;
        a->k = k + c * KW * KW;
        a->y = y + p * ohw;
        a->bias = _mm256_set1_ps(bias ? bias[c] : 0.0f);
        ck_dw_plane_rows(a, s, npos, lo, hi, KW, ACT);
        if (post) ck_epilogue(a->y, a->y, ohw, 0.0f, 0, post, a->p0, a->p1);
    }
}

/* Interior positions [lo, hi) of a stride-1 shape (false: more than CK_DW_MAX_BORDER others). */
static int ck_dw_positions(const ck_dw_shape *s, long *lo, long *hi) {
    const long npos = (s->ow + 7) / 8, span = 8 + s->kernel - 1;
    long l = 0, h = npos;
    while (l < npos && 8 * l - s->pad_left < 0) l++;
    while (h > l && 8 * (h - 1) - s->pad_left + span > s->iw) h--;
    *lo = l; *hi = h;
    return l + (npos - h) <= CK_DW_MAX_BORDER;
}

/* The load masks of the border positions (tap column kj: lanes inside the input row set). */
static CK_AVX2 void ck_dw_masks(const ck_dw_shape *s, long lo, long hi, __m256i *masks) {
    const long npos = (s->ow + 7) / 8;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), iw = _mm256_set1_epi32((int)s->iw);
    long b = 0;
    for (long pos = 0; pos < npos; pos++) {
        if (pos >= lo && pos < hi) continue;
        for (int kj = 0; kj < CK_DW_MAX_KERNEL; kj++) {
            const __m256i c = _mm256_add_epi32(lane, _mm256_set1_epi32((int)(8 * pos - s->pad_left + kj)));
            masks[b * CK_DW_MAX_KERNEL + kj] = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), c),
                                                                   _mm256_cmpgt_epi32(iw, c));
        }
        b++;
    }
}

#define CK_DW_CASE(KW, ACT) ck_dw_planes(s, &a, x, k, bias, y, first, count, npos, lo, hi, KW, ACT, post)
#define CK_DW_ACTS(KW) \
    do { switch (inreg) { case CK_RELU: CK_DW_CASE(KW, CK_RELU); break; \
                          case CK_CLIP: CK_DW_CASE(KW, CK_CLIP); break; \
                          default: CK_DW_CASE(KW, CK_IDENTITY); break; } } while (0)

/* Planes [first, first + count) of a stride-1 shape in rows of positions. */
static CK_AVX2 void ck_dw_row_planes(const ck_dw_shape *s, const float *x, const float *k, const float *bias, float *y,
                                     long first, long count, const float *end, int act, float p0, float p1) {
    __m256i masks[CK_DW_MAX_BORDER * CK_DW_MAX_KERNEL];
    long lo, hi;
    if (count <= 0 || !ck_dw_positions(s, &lo, &hi)) return;
    ck_dw_masks(s, lo, hi, masks);
    const long npos = (s->ow + 7) / 8;
    ck_dw_plane_args a = { 0 };
    a.iw = s->iw; a.ow = s->ow; a.pad_left = s->pad_left; a.p0 = p0; a.p1 = p1;
    a.masks = masks; a.zero = ck_dw_zeros + 8; a.end = end;
    /* ReLU and Clip in registers; the rest after each plane. */
    const int inreg = act == CK_RELU || act == CK_CLIP ? act : CK_IDENTITY;
    const int post = inreg == act ? 0 : act;
    if (s->kernel == 3) CK_DW_ACTS(3);
    else CK_DW_ACTS(5);
}

int ck_depthwise_direct_supports(const ck_dw_shape *s) {
    if (!(s->kernel == 3 || s->kernel == 5) || !(s->stride == 1 || s->stride == 2)) return 0;
    if (s->ih < 1 || s->iw < 1 || s->oh < 1 || s->ow < 1 || s->channels < 1) return 0;
    if (s->pad_top < 0 || s->pad_left < 0 || s->pad_top >= s->kernel || s->pad_left >= s->kernel) return 0;
    if (ck_dwi_applies(s)) return 1;
    /* Rows of positions: stride 1 (stride 2 as rows deinterleaving sixteen loaded floats per
       tap pair ran slower than the phase-split padded planes), a zero row covering every
       load of a padding row, few border positions. */
    long lo, hi;
    return s->stride == 1 && s->iw + 24 <= CK_DW_ZERO_ROW && ck_dw_positions(s, &lo, &hi);
}

long ck_depthwise_direct_scratch(const ck_dw_shape *s) { return ck_dwi_applies(s) ? ck_dwi_scratch(s) : 0; }

void CK_AVX2 ck_depthwise_direct(const ck_dw_shape *s, const float *x, const float *k, const float *bias, float *y,
                                 long first, long count, int act, float p0, float p1, float *scratch) {
    const float *end = y + (first + count) * s->oh * s->ow;
    if (ck_dwi_applies(s)) {
        if (scratch) ck_dwi_planes(s, x, k, bias, y, first, count, end, act, p0, p1, scratch);
        return;
    }
    ck_dw_row_planes(s, x, k, bias, y, first, count, end, act, p0, p1);
}
#else
int ck_depthwise_direct_supports(const ck_dw_shape *s) { (void)s; return 0; }
long ck_depthwise_direct_scratch(const ck_dw_shape *s) { (void)s; return 0; }
void ck_depthwise_direct(const ck_dw_shape *s, const float *x, const float *k, const float *bias, float *y,
                         long first, long count, int act, float p0, float p1, float *scratch) {
    (void)s; (void)x; (void)k; (void)bias; (void)y; (void)first; (void)count; (void)act; (void)p0; (void)p1; (void)scratch;
}
#endif
