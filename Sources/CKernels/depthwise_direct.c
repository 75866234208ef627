#include "ck_depthwise.h"
#include "ck_vec.h"

/* Depthwise k×k (k = 3, 5) convolution read straight from the input planes, no zero-padded
   copy. This file: the dispatch, stride 1 on maps wider than the interleaved kernel takes,
   and stride 2 on those maps through a padded plane split into even and odd columns (filled
   in C; reading the input in place with deinterleaving loads per tap pair was slower).
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

enum { CK_DW_MAX_BORDER = 8, CK_DW_ZERO_ROW = 4096, CK_DW_PHASE_SLACK = 16 };

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
    long plen;              /* stride 2: floats per phase of a padded row */
} ck_dw_plane_args;

static inline CK_AVX2 __m256 ck_dw_load(const float *p, int masked, const __m256i *m, int kj) {
    return masked ? _mm256_maskload_ps(p, m[kj]) : _mm256_loadu_ps(p);
}

/* R output rows from oy (input rows rp[r·SW + ki]; stride 2: padded rows split into even and
   odd column phases) × V positions from pos: accumulate, finish, store. */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_dw_tile(const ck_dw_plane_args *a, const float *const *rp, long oy, long pos, long npos,
           const int R, const int V, const int KW, const int SW, const int ACT, const int masked, const __m256i *m) {
    __m256 acc[8][2];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_ps();
    const long cbase = 8 * pos - a->pad_left;
    for (int ki = 0; ki < KW; ki++) {
        const float *kr = a->k + ki * KW;
        for (int r = 0; r < R; r++) {
            for (int v = 0; v < V; v++) {
                const float *p = rp[r * SW + ki] + cbase + 8 * v;
                const __m256i *mv = masked ? m + v * CK_DW_MAX_KERNEL : m;
                for (int kj = 0; kj < KW; kj++) {
                    const long at = SW == 1 ? kj : (kj & 1) * a->plen + (kj >> 1);
                    acc[r][v] = _mm256_fmadd_ps(_mm256_broadcast_ss(kr + kj), ck_dw_load(p + at, masked, mv, kj), acc[r][v]);
                }
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
                    long lo, long hi, const int R, const int KW, const int SW, const int ACT) {
    long pos = from;
    while (pos < to) {
        const int border = pos < lo || pos >= hi;
        const __m256i *m = a->masks + (pos < lo ? pos : lo + pos - hi) * CK_DW_MAX_KERNEL;
        if (pos + 1 < to && (pos + 1 < lo || pos + 1 >= hi) == border) {
            if (border) ck_dw_tile(a, rp, oy, pos, npos, R, 2, KW, SW, ACT, 1, m);
            else ck_dw_tile(a, rp, oy, pos, npos, R, 2, KW, SW, ACT, 0, 0);
            pos += 2;
        } else {
            if (border) ck_dw_tile(a, rp, oy, pos, npos, R, 1, KW, SW, ACT, 1, m);
            else ck_dw_tile(a, rp, oy, pos, npos, R, 1, KW, SW, ACT, 0, 0);
            pos += 1;
        }
    }
}

/* Output rows [oy, oy + R): the last position first (its stores spill into the next row's
   first outputs, stored afterwards), then the others left to right (ascending reads for the
   hardware prefetcher: right to left made 112×112 maps 1.35× slower). */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_dw_row_block(const ck_dw_plane_args *a, const ck_dw_shape *s, long oy, long npos, long lo, long hi,
                const int R, const int KW, const int SW, const int ACT) {
    const float *rp[7 * 2 + CK_DW_MAX_KERNEL];
    for (int i = 0; i < (R - 1) * SW + KW; i++) {
        const long iy = oy * SW - s->pad_top + i;
        /* Stride 1: the input rows (or the zero row); stride 2: the padded plane's rows. */
        rp[i] = SW == 2 ? a->x + (oy * SW + i) * a->iw : iy >= 0 && iy < s->ih ? a->x + iy * a->iw : a->zero;
    }
    ck_dw_positions_run(a, rp, oy, npos - 1, npos, npos, lo, hi, R, KW, SW, ACT);
    ck_dw_positions_run(a, rp, oy, 0, npos - 1, npos, lo, hi, R, KW, SW, ACT);
}

/* One output plane in blocks of four rows (eight when a row is one position); the last block
   moves up to end at the last row (a few rows computed twice rather than a slower block of one
   to three rows). */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_dw_plane_rows(const ck_dw_plane_args *a, const ck_dw_shape *s, long npos, long lo, long hi,
                 const int KW, const int SW, const int ACT) {
    const long oh = s->oh;
    if (npos == 1 && oh >= 8) {
        for (long oy = 0;; oy += 8) {
            if (oy + 8 > oh) oy = oh - 8;
            ck_dw_row_block(a, s, oy, npos, lo, hi, 8, KW, SW, ACT);
            if (oy + 8 == oh) return;
        }
    }
    if (oh < 4) {
        for (long oy = 0; oy < oh; oy++) ck_dw_row_block(a, s, oy, npos, lo, hi, 1, KW, SW, ACT);
        return;
    }
    for (long oy = 0;; oy += 4) {
        if (oy + 4 > oh) oy = oh - 4;
        ck_dw_row_block(a, s, oy, npos, lo, hi, 4, KW, SW, ACT);
        if (oy + 4 == oh) return;
    }
}

/* Geometry of the stride-2 padded plane: rows, floats per phase. */
static void ck_dw_phase_dims(const ck_dw_shape *s, long *rows, long *plen) {
    const long r = (s->oh - 1) * 2 + s->kernel, c = (s->ow - 1) * 2 + s->kernel;
    *rows = s->pad_top + s->ih > r ? s->pad_top + s->ih : r;
    *plen = ((s->pad_left + s->iw > c ? s->pad_left + s->iw : c) + 1) / 2;
}

/* Stride 2: input plane x into the interior of the padded plane (rows of 2·plen floats, even
   padded columns then odd ones), sixteen columns at a time deinterleaved. */
static CK_AVX2 void ck_dw_phase_fill(const ck_dw_shape *s, const float *x, float *pad, long plen) {
    const long pl = s->pad_left, iw = s->iw;
    const __m256i idx = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    for (long iy = 0; iy < s->ih; iy++) {
        float *row = pad + (iy + s->pad_top) * 2 * plen;
        /* Input column ix goes to phase (ix + pl) & 1 at (ix + pl) >> 1. */
        float *even = row + (pl & 1) * plen + (pl >> 1), *odd = row + ((pl + 1) & 1) * plen + ((pl + 1) >> 1);
        const float *src = x + iy * iw;
        long ix = 0;
        for (; ix + 16 <= iw; ix += 16) {
            const __m256 a = _mm256_permutevar8x32_ps(_mm256_loadu_ps(src + ix), idx);
            const __m256 b = _mm256_permutevar8x32_ps(_mm256_loadu_ps(src + ix + 8), idx);
            _mm256_storeu_ps(even + ix / 2, _mm256_permute2f128_ps(a, b, 0x20));
            _mm256_storeu_ps(odd + ix / 2, _mm256_permute2f128_ps(a, b, 0x31));
        }
        for (; ix < iw; ix++) (ix & 1 ? odd : even)[ix / 2] = src[ix];
    }
}

static inline __attribute__((always_inline)) CK_AVX2 void
ck_dw_planes(const ck_dw_shape *s, ck_dw_plane_args *a, const float *x, const float *k, const float *bias, float *y,
             long first, long count, long npos, long lo, long hi, const int KW, const int SW, const int ACT, int post,
             float *pad) {
    const long ihw = s->ih * s->iw, ohw = s->oh * s->ow;
    for (long p = first; p < first + count; p++) {
        const long c = p % s->channels;
        if (SW == 2) ck_dw_phase_fill(s, x + p * ihw, pad, a->plen);
        a->x = SW == 2 ? pad : x + p * ihw;
        a->k = k + c * KW * KW;
        a->y = y + p * ohw;
        a->bias = _mm256_set1_ps(bias ? bias[c] : 0.0f);
        ck_dw_plane_rows(a, s, npos, lo, hi, KW, SW, ACT);
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

#define CK_DW_CASE(KW, SW, ACT) ck_dw_planes(s, &a, x, k, bias, y, first, count, npos, lo, hi, KW, SW, ACT, post, pad)
#define CK_DW_ACTS(KW, SW) \
    do { switch (inreg) { case CK_RELU: CK_DW_CASE(KW, SW, CK_RELU); break; \
                          case CK_CLIP: CK_DW_CASE(KW, SW, CK_CLIP); break; \
                          default: CK_DW_CASE(KW, SW, CK_IDENTITY); break; } } while (0)

/* Planes [first, first + count) in rows of positions: stride 1 straight from the input,
   stride 2 from the padded, phase-split plane in `pad` (no border positions). */
static CK_AVX2 void ck_dw_row_planes(const ck_dw_shape *s, const float *x, const float *k, const float *bias, float *y,
                                     long first, long count, const float *end, int act, float p0, float p1, float *pad) {
    __m256i masks[CK_DW_MAX_BORDER * CK_DW_MAX_KERNEL];
    const long npos = (s->ow + 7) / 8;
    long lo = 0, hi = npos, rows = 0, plen = 0;
    if (count <= 0) return;
    if (s->stride == 1) {
        if (!ck_dw_positions(s, &lo, &hi)) return;
        ck_dw_masks(s, lo, hi, masks);
    } else {
        ck_dw_phase_dims(s, &rows, &plen);
        for (long i = 0; i < rows * 2 * plen + CK_DW_PHASE_SLACK; i++) pad[i] = 0.0f;
    }
    ck_dw_plane_args a = { 0 };
    a.iw = s->stride == 1 ? s->iw : 2 * plen; a.ow = s->ow; a.pad_left = s->stride == 1 ? s->pad_left : 0;
    a.p0 = p0; a.p1 = p1; a.plen = plen;
    a.masks = masks; a.zero = ck_dw_zeros + 8; a.end = end;
    /* ReLU and Clip in registers; the rest after each plane. */
    const int inreg = act == CK_RELU || act == CK_CLIP ? act : CK_IDENTITY;
    const int post = inreg == act ? 0 : act;
    if (s->kernel == 3 && s->stride == 1) CK_DW_ACTS(3, 1);
    else if (s->kernel == 3) CK_DW_ACTS(3, 2);
    else if (s->stride == 1) CK_DW_ACTS(5, 1);
    else CK_DW_ACTS(5, 2);
}

int ck_depthwise_direct_supports(const ck_dw_shape *s) {
    if (!(s->kernel == 3 || s->kernel == 5) || !(s->stride == 1 || s->stride == 2)) return 0;
    if (s->ih < 1 || s->iw < 1 || s->oh < 1 || s->ow < 1 || s->channels < 1) return 0;
    if (s->pad_top < 0 || s->pad_left < 0 || s->pad_top >= s->kernel || s->pad_left >= s->kernel) return 0;
    if (ck_dwi_applies(s) || s->stride == 2) return 1;
    /* Stride 1 in rows: the zero row covers every load of a padding row; few border positions. */
    long lo, hi;
    return s->iw + 24 <= CK_DW_ZERO_ROW && ck_dw_positions(s, &lo, &hi);
}

long ck_depthwise_direct_scratch(const ck_dw_shape *s) {
    if (ck_dwi_applies(s)) return ck_dwi_scratch(s);
    if (s->stride == 1) return 0;
    long rows, plen;
    ck_dw_phase_dims(s, &rows, &plen);
    return rows * 2 * plen + CK_DW_PHASE_SLACK;
}

void CK_AVX2 ck_depthwise_direct(const ck_dw_shape *s, const float *x, const float *k, const float *bias, float *y,
                                 long first, long count, int act, float p0, float p1, float *scratch) {
    const float *end = y + (first + count) * s->oh * s->ow;
    if (ck_dwi_applies(s)) {
        if (scratch) ck_dwi_planes(s, x, k, bias, y, first, count, end, act, p0, p1, scratch);
    } else if (s->stride == 1 || scratch) {
        ck_dw_row_planes(s, x, k, bias, y, first, count, end, act, p0, p1, scratch);
    }
}
#else
int ck_depthwise_direct_supports(const ck_dw_shape *s) { (void)s; return 0; }
long ck_depthwise_direct_scratch(const ck_dw_shape *s) { (void)s; return 0; }
void ck_depthwise_direct(const ck_dw_shape *s, const float *x, const float *k, const float *bias, float *y,
                         long first, long count, int act, float p0, float p1, float *scratch) {
    (void)s; (void)x; (void)k; (void)bias; (void)y; (void)first; (void)count; (void)act; (void)p0; (void)p1; (void)scratch;
}
#endif
