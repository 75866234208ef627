#include "CKernels.h"
#include "ck_tile.h"

/* Y = epilogue(W · X) for a 1×1 convolution of one image: W (m × k) packed once into panels
   of 6 rows stored k-major, X (k × n) read in place (no packing), 6 × 16 output tiles
   accumulated in twelve registers and finished (bias, residual, activation) before the store.
   Columns go in blocks whose input rows (≤ 192 of k × the block) fill about 64 KB: every panel
   of W passes over the block, which stays in L2, and each output row is written in runs of
   the block's width. The first panel of a block prefetches its input rows 128 columns ahead
   (without blocks and prefetching, maps of 56×56 and 112×112 — rows of 12–50 KB apart, one
   16-column strip of every row per step — ran at 0.6× OpenBLAS). */

long ck_packed_panels_size(long m, long k) { return (m + 5) / 6 * 6 * k; }

void ck_pack_panels(const float *w, long m, long k, float *out) {
    for (long p = 0; p < m; p += 6)
        for (long j = 0; j < k; j++)
            for (long r = 0; r < 6; r++)
                *out++ = p + r < m ? w[(p + r) * k + j] : 0.0f;
}

#if defined(__x86_64__)
/* One tile: `rows` (≤ 6) rows of a panel `a` (k-major, 6 per step; bias from row0 on),
   columns [0, w) of b (row p at b + p·ldb, or at b + brows[p] when brows is not NULL), y and res (w ≤ 16; masked loads and stores when w < 16; res may be
   NULL). `first`: start from zero, else from y (an earlier block of k); `last`: finish with
   the epilogue, else store the partial sums; `prefetch`: fetch each row of b 128 columns ahead. */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_tile(const float *a, long k, const float *b, long ldb, const long *brows, float *y, const float *res, int rows,
        long w, const ck_finish *f, long row0, int masked, int first, int last, int prefetch) {
    __m256 c[6][2];
    __m256i m0 = _mm256_set1_epi32(-1), m1 = m0;
    if (masked) ck_tile_masks(w, &m0, &m1);
    ck_tile_start(c, y, f->ldy, rows, first, masked, m0, m1);
    for (long p = 0; p < k; p++) {
        const float *bp = brows ? b + brows[p] : b + p * ldb;
        if (prefetch) _mm_prefetch((const char *)(bp + 128), _MM_HINT_T0);
        __m256 b0 = masked ? _mm256_maskload_ps(bp, m0) : _mm256_loadu_ps(bp);
        __m256 b1 = masked ? _mm256_maskload_ps(bp + 8, m1) : _mm256_loadu_ps(bp + 8);
        ck_tile_step(c, a + p * 6, b0, b1);
    }
    ck_tile_store(c, y, res, rows, f, row0, last, masked, m0, m1);
}

/* The blocked loops shared by both entry points (brows: NULL or the offset of each row of x). */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_gemm_blocks(const float *packed, long m, long k, const float *x, const long *brows, long n, float *y,
               const float *bias, const float *residual, int act, float p0, float p1) {
    const ck_finish f = { bias, n, act, p0, p1 };
    /* Blocks of at most 192 rows of k (a 16-column strip of one, 12 KB, stays in L1 while a
       panel passes over it) and of columns such that the block of x is ≈ 64 KB. */
    long blocks = (k + 191) / 192, kc = (k + blocks - 1) / blocks;
    long nb = (16384 / kc) & ~15L;
    if (nb < 16) nb = 16;
    for (long j0 = 0; j0 < n; j0 += nb) {
        long jn = n - j0 < nb ? n - j0 : nb;
        for (long k0 = 0; k0 < k; k0 += kc) {
            long kn = k - k0 < kc ? k - k0 : kc;
            int first = k0 == 0, last = k0 + kn == k;
            const long *br = brows ? brows + k0 : 0;
            for (long p = 0; p < m; p += 6) {
                int rows = m - p < 6 ? (int)(m - p) : 6;
                const float *a = packed + p * k + k0 * 6;
                for (long j = j0; j < j0 + jn; j += 16) {
                    long w = n - j < 16 ? n - j : 16;
                    const float *b = brows ? x + j : x + k0 * n + j;
                    float *yt = y + p * n + j;
                    const float *res = residual ? residual + p * n + j : 0;
                    if (w == 16) ck_tile(a, kn, b, n, br, yt, res, rows, 16, &f, p, 0, first, last, p == 0);
                    else ck_tile(a, kn, b, n, br, yt, res, rows, w, &f, p, 1, first, last, 0);
                }
            }
        }
    }
}

void CK_AVX2 ck_gemm_packed(const float *packed, long m, long k, const float *x, long n, float *y,
                            const float *bias, const float *residual, int act, float p0, float p1) {
    ck_gemm_blocks(packed, m, k, x, 0, n, y, bias, residual, act, p0, p1);
}

void CK_AVX2 ck_gemm_packed_rows(const float *packed, long m, long k, const float *x, const long *rows, long n,
                                 float *y, const float *bias, const float *residual, int act, float p0, float p1) {
    ck_gemm_blocks(packed, m, k, x, rows, n, y, bias, residual, act, p0, p1);
}
#else
void ck_gemm_packed(const float *packed, long m, long k, const float *x, long n, float *y,
                    const float *bias, const float *residual, int act, float p0, float p1) {
    (void)packed; (void)m; (void)k; (void)x; (void)n; (void)y; (void)bias; (void)residual;
    (void)act; (void)p0; (void)p1;
}
void ck_gemm_packed_rows(const float *packed, long m, long k, const float *x, const long *rows, long n,
                         float *y, const float *bias, const float *residual, int act, float p0, float p1) {
    (void)packed; (void)m; (void)k; (void)x; (void)rows; (void)n; (void)y; (void)bias; (void)residual;
    (void)act; (void)p0; (void)p1;
}
#endif
