#include "CKernels.h"
#include "ck_vec.h"

/* Winograd F(2×2, 3×3) input transform (Runtime's ConvWinogradBlocked.swift): for each of C
   zero-padded planes (plane floats apart, rows of pw floats) and each tile (ty, tx) of tile
   rows [ty0, ty1), V = Bᵀ d B of its 4×4 patch d at row 2·ty, column 2·tx goes to
   out[ξ·step + c·ldc + (ty − ty0)·tw + tx], ξ = 0…15. Eight tiles per step: each patch row is
   two pairs of eight-lane loads deinterleaved into its four columns. Reads up to 18 floats
   past the last patch of a row (the caller's slack). Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]. */

#if defined(__x86_64__)
/* Columns 0…3 of eight consecutive patches (patch l starts at column 2l) of one row. */
static inline __attribute__((always_inline)) CK_AVX2 void ck_wg_columns(const float *p, __m256 col[4]) {
    __m256 a0 = _mm256_loadu_ps(p), a1 = _mm256_loadu_ps(p + 8);
    __m256 b0 = _mm256_loadu_ps(p + 2), b1 = _mm256_loadu_ps(p + 10);
    col[0] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a0, a1, 0x88)), 0xD8));
    col[1] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a0, a1, 0xDD)), 0xD8));
    col[2] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(b0, b1, 0x88)), 0xD8));
    col[3] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(b0, b1, 0xDD)), 0xD8));
}

static inline __attribute__((always_inline)) CK_AVX2 void ck_wg_put(float *p, __m256 v, int full, __m256i mask) {
    if (full) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, mask, v);
}

void CK_AVX2 ck_winograd_input(const float *pad, long plane, long C, long pw, long tw, long ty0, long ty1,
                               float *out, long ldc, long step) {
    for (long c = 0; c < C; c++) {
        const float *pc = pad + c * plane;
        float *oc = out + c * ldc;
        for (long ty = ty0; ty < ty1; ty++) {
            for (long tx = 0; tx < tw; tx += 8) {
                long n = tw - tx < 8 ? tw - tx : 8;
                int full = n == 8;
                __m256i mask = full ? _mm256_set1_epi32(-1) : ck_mask8(n);
                const float *d = pc + 2 * ty * pw + 2 * tx;
                __m256 r0[4], r1[4], r2[4], r3[4];
                ck_wg_columns(d, r0);
                ck_wg_columns(d + pw, r1);
                ck_wg_columns(d + 2 * pw, r2);
                ck_wg_columns(d + 3 * pw, r3);
                float *o = oc + (ty - ty0) * tw + tx;
                for (int i = 0; i < 4; i++) {
                    /* Row i of Bᵀ d (four columns), then times B. */
                    __m256 q[4];
                    for (int j = 0; j < 4; j++) {
                        switch (i) {
                        case 0: q[j] = _mm256_sub_ps(r0[j], r2[j]); break;
                        case 1: q[j] = _mm256_add_ps(r1[j], r2[j]); break;
                        case 2: q[j] = _mm256_sub_ps(r2[j], r1[j]); break;
                        default: q[j] = _mm256_sub_ps(r1[j], r3[j]); break;
                        }
                    }
                    float *oi = o + 4 * i * step;
                    ck_wg_put(oi, _mm256_sub_ps(q[0], q[2]), full, mask);
                    ck_wg_put(oi + step, _mm256_add_ps(q[1], q[2]), full, mask);
                    ck_wg_put(oi + 2 * step, _mm256_sub_ps(q[2], q[1]), full, mask);
                    ck_wg_put(oi + 3 * step, _mm256_sub_ps(q[1], q[3]), full, mask);
                }
            }
        }
    }
}
#else
void ck_winograd_input(const float *pad, long plane, long C, long pw, long tw, long ty0, long ty1,
                       float *out, long ldc, long step) {
    (void)pad; (void)plane; (void)C; (void)pw; (void)tw; (void)ty0; (void)ty1; (void)out; (void)ldc; (void)step;
}
#endif
