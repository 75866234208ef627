#include "CKernels.h"
#include "ck_vec.h"

#if defined(__x86_64__)
void CK_AVX2 ck_epilogue(const float *src, float *dst, long n, float bias, const float *residual,
                         int act, float p0, float p1) {
    const __m256 b = _mm256_set1_ps(bias);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_add_ps(_mm256_loadu_ps(src + i), b);
        if (residual) v = _mm256_add_ps(v, _mm256_loadu_ps(residual + i));
        _mm256_storeu_ps(dst + i, ck_activate8(v, act, p0, p1));
    }
    if (i < n) {
        __m256i m = ck_mask8(n - i);
        __m256 v = _mm256_add_ps(_mm256_maskload_ps(src + i, m), b);
        if (residual) v = _mm256_add_ps(v, _mm256_maskload_ps(residual + i, m));
        _mm256_maskstore_ps(dst + i, m, ck_activate8(v, act, p0, p1));
    }
}
#else
void ck_epilogue(const float *src, float *dst, long n, float bias, const float *residual,
                 int act, float p0, float p1) {
    (void)src; (void)dst; (void)n; (void)bias; (void)residual; (void)act; (void)p0; (void)p1;
}
#endif
