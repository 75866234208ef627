#include <stdint.h>
#include "CKernels.h"
#include "ck_tile.h"

/* Y = epilogue(W · B) for 1×1 convolutions on small maps (7×7, 14×14): the columns of several
   images side by side, column j of image i at rows[i·k + p][j] for row p of B (optionally
   through the per-row affine and ReLU of a pre-activation), output (i, r, j) at
   y[i·m·hw + r·hw + j]. A block of columns is packed over all of k into 16-column strips (a
   strip may span two or three images: each image's run is one masked load), every 6-row
   panel of W passes over the block's strips with the full k in registers, and each finished
   6 × 16 tile is stored run by run. hw ≥ 8 (at most three runs per strip). */

#define CK_IM_COLS_MAX 128

long ck_images_work_size(long k) {
    long cb = ((1L << 16) / (k > 0 ? k : 1)) & ~15L;
    if (cb < 16) cb = 16;
    if (cb > CK_IM_COLS_MAX) cb = CK_IM_COLS_MAX;
    return cb * k + 8;
}

#if defined(__x86_64__)
/* The runs of one 16-column strip: image, first pixel, first lane, length. */
typedef struct {
    int count;
    long img[3], pix[3];
    int lane[3], len[3];
} ck_runs;

static inline void ck_strip_runs(long j, long w, long hw, ck_runs *r) {
    r->count = 0;
    int lane = 0;
    while (lane < w && r->count < 3) {
        long img = (j + lane) / hw, pix = (j + lane) % hw;
        long len = hw - pix < w - lane ? hw - pix : w - lane;
        r->img[r->count] = img; r->pix[r->count] = pix; r->lane[r->count] = lane; r->len[r->count] = (int)len;
        r->count++;
        lane += (int)len;
    }
}

/* Lanes [lo, lo + len) of a sixteen-lane pair, as the masks of its two halves. */
static inline CK_AVX2 void ck_run_masks(int lo, int len, __m256i *m0, __m256i *m1) {
    const __m256i i0 = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), i1 = _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15);
    __m256i a = _mm256_set1_epi32(lo - 1), b = _mm256_set1_epi32(lo + len);
    *m0 = _mm256_and_si256(_mm256_cmpgt_epi32(i0, a), _mm256_cmpgt_epi32(b, i0));
    *m1 = _mm256_and_si256(_mm256_cmpgt_epi32(i1, a), _mm256_cmpgt_epi32(b, i1));
}

static inline __attribute__((always_inline)) CK_AVX2 void
ck_im_pack(const float *const *rows, const float *scale, const float *shift, int relu, long k, long j0, long jn,
           long hw, float *out) {
    const __m256 zero = _mm256_setzero_ps();
    for (long s = 0; s * 16 < jn; s++) {
        ck_runs r;
        long w = jn - s * 16 < 16 ? jn - s * 16 : 16;
        ck_strip_runs(j0 + s * 16, w, hw, &r);
        __m256i m0[3], m1[3];
        for (int q = 0; q < r.count; q++) ck_run_masks(r.lane[q], r.len[q], &m0[q], &m1[q]);
        float *dst = out + s * k * 16;
        for (long p = 0; p < k; p++, dst += 16) {
            __m256 v0 = zero, v1 = zero;
            for (int q = 0; q < r.count; q++) {
                const float *src = rows[r.img[q] * k + p] + r.pix[q] - r.lane[q];
                if (r.len[q] == 16) {
                    v0 = _mm256_loadu_ps(src);
                    v1 = _mm256_loadu_ps(src + 8);
                } else {
                    v0 = _mm256_blendv_ps(v0, _mm256_maskload_ps(src, m0[q]), _mm256_castsi256_ps(m0[q]));
                    v1 = _mm256_blendv_ps(v1, _mm256_maskload_ps(src + 8, m1[q]), _mm256_castsi256_ps(m1[q]));
                }
            }
            if (scale || relu)
                ck_pre16(&v0, &v1, scale != 0, _mm256_set1_ps(scale ? scale[p] : 1.0f),
                         _mm256_set1_ps(scale ? shift[p] : 0.0f), relu);
            _mm256_store_ps(dst, v0);
            _mm256_store_ps(dst + 8, v1);
        }
    }
}

void CK_AVX2 ck_gemm_images(const float *packed, long m, long k, const float *const *rows, const float *scale,
                            const float *shift, int prerelu, long hw, long images, float *y, const float *bias,
                            const float *residual, int act, float p0, float p1, float *work) {
    work = (float *)(((uintptr_t)work + 31) & ~(uintptr_t)31);
    long cb = (ck_images_work_size(k) - 8) / (k > 0 ? k : 1), n = hw * images;
    for (long j0 = 0; j0 < n; j0 += cb) {
        long jn = n - j0 < cb ? n - j0 : cb;
        ck_im_pack(rows, scale, shift, prerelu, k, j0, jn, hw, work);
        for (long p = 0; p < m; p += 6) {
            int rows6 = m - p < 6 ? (int)(m - p) : 6;
            const float *a0 = packed + p * k;
            for (long s = 0; s * 16 < jn; s++) {
                __m256 c[6][2];
                for (int r = 0; r < 6; r++) c[r][0] = c[r][1] = _mm256_setzero_ps();
                const float *a = a0, *b = work + s * k * 16;
                for (long q = 0; q < k; q++, a += 6, b += 16)
                    ck_tile_step(c, a, _mm256_load_ps(b), _mm256_load_ps(b + 8));
                ck_runs ru;
                long w = jn - s * 16 < 16 ? jn - s * 16 : 16;
                ck_strip_runs(j0 + s * 16, w, hw, &ru);
                __m256i m0[3], m1[3];
                for (int q = 0; q < ru.count; q++) ck_run_masks(ru.lane[q], ru.len[q], &m0[q], &m1[q]);
                for (int r = 0; r < rows6; r++) {
                    __m256 bv = _mm256_set1_ps(bias ? bias[p + r] : 0.0f);
                    __m256 v0 = _mm256_add_ps(c[r][0], bv), v1 = _mm256_add_ps(c[r][1], bv);
                    for (int q = 0; q < ru.count; q++) {
                        long off = ru.img[q] * m * hw + (p + r) * hw + ru.pix[q] - ru.lane[q];
                        __m256 u0 = v0, u1 = v1;
                        if (residual) {
                            u0 = _mm256_add_ps(u0, _mm256_maskload_ps(residual + off, m0[q]));
                            u1 = _mm256_add_ps(u1, _mm256_maskload_ps(residual + off + 8, m1[q]));
                        }
                        u0 = ck_activate8(u0, act, p0, p1);
                        u1 = ck_activate8(u1, act, p0, p1);
                        if (ru.len[q] == 16) {
                            _mm256_storeu_ps(y + off, u0);
                            _mm256_storeu_ps(y + off + 8, u1);
                        } else {
                            _mm256_maskstore_ps(y + off, m0[q], u0);
                            _mm256_maskstore_ps(y + off + 8, m1[q], u1);
                        }
                    }
                }
            }
        }
    }
}
#else
void ck_gemm_images(const float *packed, long m, long k, const float *const *rows, const float *scale,
                    const float *shift, int prerelu, long hw, long images, float *y, const float *bias,
                    const float *residual, int act, float p0, float p1, float *work) {
    (void)packed; (void)m; (void)k; (void)rows; (void)scale; (void)shift; (void)prerelu; (void)hw; (void)images;
    (void)y; (void)bias; (void)residual; (void)act; (void)p0; (void)p1; (void)work;
}
#endif
