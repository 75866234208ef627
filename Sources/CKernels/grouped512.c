#include "CKernels.h"
#include "ck_grouped.h"

/* The tiles of grouped.c with AVX-512 (CPUs that have it; grouped.c's AVX2 tiles otherwise):
   the sixteen output channels of a block in one zmm register, up to 14 positions of one
   output row per tile, each position's input value broadcast by the FMA's own memory operand
   (no separate broadcast instruction, no shuffle unit), so a k step is one load of the
   weights and 14 FMAs. Rows go in pieces of 14 (7 on 7-wide rows: every map of RegNetX is
   7 · 2^i wide). Blocks of 8 channels (8 or 24 per group) take the AVX2 tile. */

#if defined(__x86_64__)
#define CK_AVX512 __attribute__((target("avx512f,avx2,fma")))
#define CK_GI512 static inline __attribute__((always_inline)) CK_AVX512

/* P (≤ 14) positions at p .. p + P − 1 of the padded copy, sixteen channels: the sums. */
CK_GI512 void ck_tile512(const float *w, long k, const long *off, const float *p, __m512 c[14], int P) {
    for (int i = 0; i < 14; i++) c[i] = _mm512_setzero_ps();
    for (long t = 0; t < k; t++, w += 16) {
        __m512 wv = _mm512_load_ps(w);
        const float *q = p + off[t];
        for (int i = 0; i < P; i++) c[i] = _mm512_fmadd_ps(_mm512_set1_ps(q[i]), wv, c[i]);
    }
}

/* Stores n positions of a finished tile (channels in the lanes) at y, through the 8 × 8
   transposes of ck_grouped_store8. */
CK_GI512 void ck_store512(__m512 c[14], long n, float *y, const ck_gfinish *f0) {
    ck_gfinish g = *f0;
    if (!g.res && (g.act == CK_IDENTITY || g.act == CK_RELU)) {
        /* Bias and ReLU on the sixteen channels of each position before the transposes (one
           add and one max per position instead of per channel row: the store was 15–25% of
           the tile's time in the harness). */
        __m512 bv = g.bias ? _mm512_loadu_ps(g.bias) : _mm512_setzero_ps();
        for (int i = 0; i < 14; i++) {
            c[i] = _mm512_add_ps(c[i], bv);
            if (g.act == CK_RELU) c[i] = _mm512_max_ps(c[i], _mm512_setzero_ps());
        }
        g.bias = 0;
        g.act = CK_IDENTITY;
    }
    for (long i0 = 0; i0 < n; i0 += 8) {
        ck_gfinish f = g;
        if (f.res) f.res += i0;
        long m = n - i0 < 8 ? n - i0 : 8;
        __m256 lo[8], hi[8];
        for (int i = 0; i < 8; i++) {
            __m512 v = i0 + i < 14 ? c[i0 + i] : _mm512_setzero_ps();
            lo[i] = _mm512_castps512_ps256(v);
            hi[i] = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
        }
        ck_grouped_store8(lo, m, y + i0, &f, 0);
        ck_grouped_store8(hi, m, y + i0, &f, 8);
    }
}

/* The AVX2 tile of 8 channels × up to 6 positions of one row (the blocks of 8). */
CK_GI void ck_tile8(const float *w, long k, const long *off, const float *p, long n, float *y, const ck_gfinish *f) {
    __m256 c[8];
    for (int i = 0; i < 8; i++) c[i] = _mm256_setzero_ps();
    for (long t = 0; t < k; t++, w += 8) {
        __m256 wv = _mm256_loadu_ps(w);
        const float *q = p + off[t];
        for (int i = 0; i < 6; i++) c[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(q + (i < n ? i : 0)), wv, c[i]);
    }
    __m256 t[8] = { c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7] };
    ck_grouped_store8(t, n, y, f, 0);
}

void CK_AVX512 ck_grouped_item512(long mg, long oy0, long oy1, long oh, long ow, long sub_cols, long k, const long *off, const float *w,
                                  const float *pad, float *y, const float *bias, const float *res, int act, float p0,
                                  float p1) {
    long ohw = oh * ow;
    for (long b = 0; b < mg; b += 16) {
        int blk = mg - b >= 16 ? 16 : 8;
        ck_gfinish f = { bias ? bias + b : 0, 0, ohw, act, p0, p1 };
        const float *wb = w + b * k;
        for (long oy = oy0; oy < oy1; oy++) {
            long step = blk == 8 ? 6 : ow <= 7 ? 7 : 14;
            for (long ox = 0; ox < ow; ox += step) {
                long n = ow - ox < step ? ow - ox : step, pos = oy * ow + ox;
                const float *p = pad + oy * sub_cols + ox;
                f.res = res ? res + b * ohw + pos : 0;
                float *yt = y + b * ohw + pos;
                if (blk == 8) { ck_tile8(wb, k, off, p, n, yt, &f); continue; }
                __m512 c[14];
                if (n > 7) ck_tile512(wb, k, off, p, c, 14);
                else ck_tile512(wb, k, off, p, c, 7);
                ck_store512(c, n, yt, &f);
            }
        }
    }
}
#else
void ck_grouped_item512(long mg, long oy0, long oy1, long oh, long ow, long sub_cols, long k, const long *off,
                        const float *w, const float *pad, float *y, const float *bias, const float *res, int act, float p0,
                        float p1) {
    (void)mg; (void)oy0; (void)oy1; (void)oh; (void)ow; (void)sub_cols; (void)k; (void)off; (void)w; (void)pad; (void)y; (void)bias;
    (void)res; (void)act; (void)p0; (void)p1;
}
#endif
