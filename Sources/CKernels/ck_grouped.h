/* The store of grouped.c's and grouped512.c's tiles: output channels in the lanes, transposed
   into the output planes (x86-64 only; AVX2). */
#ifndef CK_GROUPED_H
#define CK_GROUPED_H
#if defined(__x86_64__)
#include "ck_vec.h"

#define CK_GI static inline __attribute__((always_inline)) CK_AVX2

/* Stores lanes [0, n) of v at y (n ≤ 8), nothing past them. */
CK_GI void ck_store_n(float *y, __m256 v, long n) {
    if (n == 8) { _mm256_storeu_ps(y, v); return; }
    __m128 lo = _mm256_castps256_ps128(v);
    if (n >= 4) { _mm_storeu_ps(y, lo); y += 4; n -= 4; lo = _mm256_extractf128_ps(v, 1); }
    if (n >= 2) { _mm_storel_pi((__m64 *)y, lo); y += 2; n -= 2; lo = _mm_movehl_ps(lo, lo); }
    if (n) _mm_store_ss(y, lo);
}

typedef struct {
    const float *bias;      /* per output channel of the block, or NULL */
    const float *res;       /* residual at the block's first channel and the tile's position, or NULL */
    long ohw;               /* floats between output channels */
    int act;
    float p0, p1;
} ck_gfinish;

/* Channels h·8 .. h·8+7 of a finished tile (c[i] = position i): transposed, then bias,
   residual and activation per channel row, n positions stored at y (channel r at y + r·ohw). */
CK_GI void ck_grouped_store8(__m256 c[8], long n, float *y, const ck_gfinish *f, long ch0) {
    ck_transpose8(c);
    if (!f->bias && !f->res && f->act == CK_IDENTITY) {   /* finished before the transpose */
        for (int r = 0; r < 8; r++) ck_store_n(y + (ch0 + r) * f->ohw, c[r], n);
        return;
    }
    for (int r = 0; r < 8; r++) {
        __m256 v = _mm256_add_ps(c[r], _mm256_set1_ps(f->bias ? f->bias[ch0 + r] : 0.0f));
        if (f->res) v = _mm256_add_ps(v, _mm256_maskload_ps(f->res + (ch0 + r) * f->ohw, ck_mask8(n)));
        ck_store_n(y + (ch0 + r) * f->ohw, ck_activate8(v, f->act, f->p0, f->p1), n);
    }
}

/* The tiles of output rows [oy0, oy1) of one item with AVX-512 (grouped512.c). */
void ck_grouped_item512(long mg, long oy0, long oy1, long oh, long ow, long sub_cols, long k, const long *off,
                        const float *w, const float *pad, float *y, const float *bias, const float *res, int act, float p0,
                        float p1);
#endif
#endif
