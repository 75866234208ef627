/* The 6 × 16 register tile shared by the 1×1 GEMM kernels (gemm.c, gemm_packb.c,
   gemm_images.c): masks for a narrow tile, the start (zero or the partial sums in y), the
   rank-1 update of one k step, the finish (bias, residual, activation) and the store, and the
   per-row affine + ReLU of a pre-activation applied while packing B. x86-64 only. */
#ifndef CK_TILE_H
#define CK_TILE_H
#if defined(__x86_64__)
#include "ck_vec.h"

#define CK_INLINE static inline __attribute__((always_inline)) CK_AVX2

/* What finishes a tile: bias per output row, leading dimension of y (and res), activation. */
typedef struct {
    const float *bias;
    long ldy;
    int act;
    float p0, p1;
} ck_finish;

/* Masks of the two eight-lane halves for a tile of w (< 16) columns. */
CK_INLINE void ck_tile_masks(long w, __m256i *m0, __m256i *m1) {
    *m0 = ck_mask8(w < 8 ? w : 8);
    *m1 = w > 8 ? ck_mask8(w - 8) : _mm256_setzero_si256();
}

/* The accumulators: zero (first block of k, or rows past `rows`), else y's partial sums. */
CK_INLINE void ck_tile_start(__m256 c[6][2], const float *y, long ldy, int rows, int first, int masked,
                             __m256i m0, __m256i m1) {
    for (int r = 0; r < 6; r++) {
        if (first || r >= rows) {
            c[r][0] = c[r][1] = _mm256_setzero_ps();
        } else {
            const float *yr = y + r * ldy;
            c[r][0] = masked ? _mm256_maskload_ps(yr, m0) : _mm256_loadu_ps(yr);
            c[r][1] = masked ? _mm256_maskload_ps(yr + 8, m1) : _mm256_loadu_ps(yr + 8);
        }
    }
}

/* c += a[0..6) ⊗ (b0, b1): one k step of the tile. */
CK_INLINE void ck_tile_step(__m256 c[6][2], const float *a, __m256 b0, __m256 b1) {
    for (int r = 0; r < 6; r++) {
        __m256 av = _mm256_broadcast_ss(a + r);
        c[r][0] = _mm256_fmadd_ps(av, b0, c[r][0]);
        c[r][1] = _mm256_fmadd_ps(av, b1, c[r][1]);
    }
}

/* Stores `rows` rows of the tile into y (row r at y + r·ldy); with `last`, bias of row
   row0 + r, the residual (res may be NULL) and the activation first. */
CK_INLINE void ck_tile_store(__m256 c[6][2], float *y, const float *res, int rows, const ck_finish *f, long row0,
                             int last, int masked, __m256i m0, __m256i m1) {
    for (int r = 0; r < 6; r++) {   /* a constant trip count: unrolled, c stays in registers */
        if (r >= rows) break;
        __m256 v0 = c[r][0], v1 = c[r][1];
        float *yr = y + r * f->ldy;
        if (last) {
            __m256 bias = _mm256_set1_ps(f->bias ? f->bias[row0 + r] : 0.0f);
            v0 = _mm256_add_ps(v0, bias);
            v1 = _mm256_add_ps(v1, bias);
            if (res) {
                const float *rr = res + r * f->ldy;
                v0 = _mm256_add_ps(v0, masked ? _mm256_maskload_ps(rr, m0) : _mm256_loadu_ps(rr));
                v1 = _mm256_add_ps(v1, masked ? _mm256_maskload_ps(rr + 8, m1) : _mm256_loadu_ps(rr + 8));
            }
            v0 = ck_activate8(v0, f->act, f->p0, f->p1);
            v1 = ck_activate8(v1, f->act, f->p0, f->p1);
        }
        if (masked) {
            _mm256_maskstore_ps(yr, m0, v0);
            _mm256_maskstore_ps(yr + 8, m1, v1);
        } else {
            _mm256_storeu_ps(yr, v0);
            _mm256_storeu_ps(yr + 8, v1);
        }
    }
}

/* A pre-activation on sixteen values of one row of B: v·a + b when `affine`, then ReLU. */
CK_INLINE void ck_pre16(__m256 *v0, __m256 *v1, int affine, __m256 a, __m256 b, int relu) {
    if (affine) {
        *v0 = _mm256_fmadd_ps(*v0, a, b);
        *v1 = _mm256_fmadd_ps(*v1, a, b);
    }
    if (relu) {
        const __m256 zero = _mm256_setzero_ps();
        *v0 = _mm256_max_ps(*v0, zero);
        *v1 = _mm256_max_ps(*v1, zero);
    }
}

#endif
#endif
