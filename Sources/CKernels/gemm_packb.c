#include <stdint.h>
#include "CKernels.h"
#include "ck_tile.h"

/* Y = epilogue(W · B) with B packed per column block: W (m × k) in 6-row panels as
   ck_pack_panels makes them; row p of B read from its own pointer (an input plane, a plane of
   one of a Concat's inputs, a tap of a padded input), optionally mapped through a per-row
   affine and ReLU on the way (a pre-activation BatchNormalization → Relu before the
   convolution). A block of ≤ 256 rows × 128 columns is copied into 16-column strips, each
   strip k-contiguous (≤ 16 KB: it stays in L1 while every panel of W, read in order from L2,
   passes over it); 6 × 16 output tiles are accumulated in twelve registers and finished
   (bias, residual, activation) before the store. Reading B in place instead (ck_gemm_packed)
   makes every k step load one line from a different row: as many streams as k, more than the
   hardware prefetcher follows. */

#define CK_PB_COLS 128
#define CK_PB_KMAX 256

long ck_packb_work_size(long k) {
    long blocks = (k + CK_PB_KMAX - 1) / CK_PB_KMAX;
    long kc = blocks > 0 ? (k + blocks - 1) / blocks : 0;
    return kc * CK_PB_COLS + 8;   /* + 8: room to align to 32 bytes */
}

#if defined(__x86_64__)
/* Rows [k0, k0 + kc) × columns [j0, j0 + jn) of B into strips of 16 columns (k-contiguous);
   columns past jn are zero (or the affine of zero: they are never stored). */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_pb_pack(const float *const *rows, const float *scale, const float *shift, int relu, long k0, long kc,
           long j0, long jn, float *out) {
    long strips = (jn + 15) / 16;
    const __m256 zero = _mm256_setzero_ps();
    for (long p = 0; p < kc; p++) {
        const float *src = rows[k0 + p] + j0;
        __m256 a = _mm256_set1_ps(scale ? scale[k0 + p] : 1.0f), b = _mm256_set1_ps(shift ? shift[k0 + p] : 0.0f);
        float *dst = out + p * 16;
        for (long s = 0; s < strips; s++, src += 16, dst += kc * 16) {
            long w = jn - s * 16;
            __m256 v0, v1;
            if (w >= 16) {
                v0 = _mm256_loadu_ps(src);
                v1 = _mm256_loadu_ps(src + 8);
            } else {
                v0 = _mm256_maskload_ps(src, ck_mask8(w < 8 ? w : 8));
                v1 = w > 8 ? _mm256_maskload_ps(src + 8, ck_mask8(w - 8)) : zero;
            }
            ck_pre16(&v0, &v1, scale != 0, a, b, relu);
            _mm256_store_ps(dst, v0);
            _mm256_store_ps(dst + 8, v1);
        }
    }
}

/* One tile: `rows` (≤ 6) rows of panel `a` (k-major, 6 per step), a packed strip `b`
   (16 per step), output columns [0, w) of y and res (masked when w < 16). `first`: start
   from zero, else from y; `last`: finish with the epilogue, else store the partial sums. */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_pb_tile(const float *a, const float *b, long kc, float *y, const float *res, int rows, long w,
           const ck_finish *f, long row0, int first, int last) {
    __m256 c[6][2];
    const int masked = w < 16;
    __m256i m0 = _mm256_set1_epi32(-1), m1 = m0;
    if (masked) ck_tile_masks(w, &m0, &m1);
    ck_tile_start(c, y, f->ldy, rows, first, masked, m0, m1);
    for (long p = 0; p < kc; p++, a += 6, b += 16) {
        ck_tile_step(c, a, _mm256_load_ps(b), _mm256_load_ps(b + 8));
    }
    ck_tile_store(c, y, res, rows, f, row0, last, masked, m0, m1);
}

void CK_AVX2 ck_gemm_packb(const float *packed, long m, long k, const float *const *rows, const float *scale,
                           const float *shift, int prerelu, long n, float *y, const float *bias,
                           const float *residual, int act, float p0, float p1, float *work) {
    const ck_finish f = { bias, n, act, p0, p1 };
    work = (float *)(((uintptr_t)work + 31) & ~(uintptr_t)31);
    long blocks = (k + CK_PB_KMAX - 1) / CK_PB_KMAX, kc = (k + blocks - 1) / blocks;
    for (long j0 = 0; j0 < n; j0 += CK_PB_COLS) {
        long jn = n - j0 < CK_PB_COLS ? n - j0 : CK_PB_COLS;
        for (long k0 = 0; k0 < k; k0 += kc) {
            long kn = k - k0 < kc ? k - k0 : kc;
            int first = k0 == 0, last = k0 + kn == k;
            ck_pb_pack(rows, scale, shift, prerelu, k0, kn, j0, jn, work);
            for (long s = 0; s * 16 < jn; s++) {
                long j = j0 + s * 16, w = n - j < 16 ? n - j : 16;
                const float *b = work + s * kn * 16;
                for (long p = 0; p < m; p += 6) {
                    int r = m - p < 6 ? (int)(m - p) : 6;
                    ck_pb_tile(packed + p * k + k0 * 6, b, kn, y + p * n + j, residual ? residual + p * n + j : 0,
                               r, w, &f, p, first, last);
                }
            }
        }
    }
}
#else
void ck_gemm_packb(const float *packed, long m, long k, const float *const *rows, const float *scale,
                   const float *shift, int prerelu, long n, float *y, const float *bias,
                   const float *residual, int act, float p0, float p1, float *work) {
    (void)packed; (void)m; (void)k; (void)rows; (void)scale; (void)shift; (void)prerelu; (void)n; (void)y;
    (void)bias; (void)residual; (void)act; (void)p0; (void)p1; (void)work;
}
#endif
