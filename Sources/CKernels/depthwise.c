#include "CKernels.h"
#include "ck_vec.h"

/* y[oy·ow + ox] = Σ_t k[t] · base_oy[offsets[t] + ox] with base_oy = pad + oy·row_step: the
   taps of sixteen (then eight, then the last 1–7, masked) outputs accumulate in registers. */
#if defined(__x86_64__)
void CK_AVX2 ck_depthwise_plane(const float *pad, const float *k, const long *offsets, long taps,
                                long oh, long ow, long row_step, float *y) {
    for (long oy = 0; oy < oh; oy++) {
        const float *base = pad + oy * row_step;
        float *dst = y + oy * ow;
        long ox = 0;
        for (; ox + 16 <= ow; ox += 16) {
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            for (long t = 0; t < taps; t++) {
                const __m256 kv = _mm256_broadcast_ss(k + t);
                const float *src = base + offsets[t] + ox;
                a0 = _mm256_fmadd_ps(kv, _mm256_loadu_ps(src), a0);
                a1 = _mm256_fmadd_ps(kv, _mm256_loadu_ps(src + 8), a1);
            }
            _mm256_storeu_ps(dst + ox, a0);
            _mm256_storeu_ps(dst + ox + 8, a1);
        }
        for (; ox < ow; ox += 8) {
            const long w = ow - ox < 8 ? ow - ox : 8;
            const __m256i m = ck_mask8(w);
            __m256 a = _mm256_setzero_ps();
            for (long t = 0; t < taps; t++)
                a = _mm256_fmadd_ps(_mm256_broadcast_ss(k + t), _mm256_maskload_ps(base + offsets[t] + ox, m), a);
            _mm256_maskstore_ps(dst + ox, m, a);
        }
    }
}
#else
void ck_depthwise_plane(const float *pad, const float *k, const long *offsets, long taps,
                        long oh, long ow, long row_step, float *y) {
    (void)pad; (void)k; (void)offsets; (void)taps; (void)oh; (void)ow; (void)row_step; (void)y;
}
#endif
