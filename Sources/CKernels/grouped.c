#include <stdint.h>
#include <string.h>
#include "CKernels.h"
#include "ck_vec.h"
#include "ck_grouped.h"

/* Grouped convolutions with few output channels per group (a multiple of 8: RegNetX's 16)
   over the phased, zero-padded copy of one group's input (Runtime's ConvPhased.swift):
   output channels in the vector lanes instead of rows of a GEMM tile. A tile is 16 (or 8)
   channels × CK_GP positions: per tap row of the weights two vectors of sixteen channels,
   one broadcast per position, 2·CK_GP FMAs into 2·CK_GP accumulators. The positions run over
   the output in NCHW order, across rows, each reading its own place of the padded copy
   (oy·sub_cols + ox), so no column is computed for the padding (the 6 × 16 GEMM tile over the
   phased columns computed OW + 2 of OW and 18 rows of 16 on 7×7 maps). The finished tile is
   transposed (8 × 8 in registers) into the output rows, bias, residual and activation on the
   way. One call runs a range of (group, image) items: the group's planes are copied into the
   padded buffer (exact-length vector copies: the borders stay zero) and every tile of the
   item is computed with the group's weights in L1. */

#define CK_GP 6

long ck_grouped_packed_size(const ck_grouped_shape *s) {
    long mg = s->M / s->groups;
    return s->groups * ((mg + 7) / 8 * 8) * s->k;
}

/* Per group, per block of 16 channels (8 for a last block of 8): k rows of the block's weights. */
void ck_grouped_pack(const ck_grouped_shape *s, const float *w, float *out) {
    long mg = s->M / s->groups, k = s->k;
    for (long g = 0; g < s->groups; g++)
        for (long b = 0; b < mg; b += 16) {
            long bw = mg - b >= 16 ? 16 : mg - b;
            for (long t = 0; t < k; t++)
                for (long r = 0; r < bw; r++) *out++ = w[(g * mg + b + r) * k + t];
        }
}

/* The padded copy of one group, then an aligned copy of the group's weights. */
static long ck_grouped_copy_size(const ck_grouped_shape *s) {
    return ((s->C / s->groups) * s->sh * s->sw * s->sub_rows * s->sub_cols + 64 + 15) & ~15L;
}

long ck_grouped_pad_size(const ck_grouped_shape *s) {
    long mg = s->M / s->groups;
    return ck_grouped_copy_size(s) + (mg + 7) / 8 * 8 * s->k + 16;
}

#if defined(__x86_64__)
/* dst[0..n) = src[0..n), exactly n floats written (no store past the run). */
CK_GI void ck_copy_exact(float *dst, const float *src, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
    if (i == n) return;
    if (n >= 8) { _mm256_storeu_ps(dst + n - 8, _mm256_loadu_ps(src + n - 8)); return; }
    if (n >= 4) {
        _mm_storeu_ps(dst, _mm_loadu_ps(src));
        _mm_storeu_ps(dst + n - 4, _mm_loadu_ps(src + n - 4));
        return;
    }
    for (; i < n; i++) dst[i] = src[i];
}

/* One input row of W floats at stride 2 into its two column phases of the padded copy (row:
   the row's place in phase 0, sub floats per phase): sixteen source floats per step (masked
   loads at the end of the row), the even and the odd ones stored exactly. */
CK_GI void ck_fill_pairs(float *row, long sub, long pl, const float *src, long W) {
    for (long ix = 0; ix < W; ix += 16) {
        long left = W - ix;
        __m256 a, b;
        _mm_prefetch((const char *)(src + ix + 256), _MM_HINT_T0);
        if (left >= 16) { a = _mm256_loadu_ps(src + ix); b = _mm256_loadu_ps(src + ix + 8); }
        else {
            a = _mm256_maskload_ps(src + ix, ck_mask8(left < 8 ? left : 8));
            b = left > 8 ? _mm256_maskload_ps(src + ix + 8, ck_mask8(left - 8)) : _mm256_setzero_ps();
        }
        __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        e = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
        o = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8));
        long ne = left >= 16 ? 8 : (left + 1) / 2, no = left >= 16 ? 8 : left / 2;
        long qe = ix + pl, qo = ix + 1 + pl;
        ck_store_n(row + (qe % 2) * sub + qe / 2, e, ne);
        if (no) ck_store_n(row + (qo % 2) * sub + qo / 2, o, no);
    }
}

/* Input rows [iy0, iy1) of the Cg planes at x into the interior of the padded, phase-split copy. */
CK_GI void ck_grouped_fill(const ck_grouped_shape *s, const float *x, float *pad, long iy0, long iy1) {
    long cg = s->C / s->groups, sh = s->sh, sw = s->sw, W = s->iw, pl = s->pad_left;
    long sub = s->sub_rows * s->sub_cols, chan = sh * sw * sub;
    for (long c = 0; c < cg; c++)
        for (long iy = iy0; iy < iy1; iy++) {
            const float *src = x + (c * s->ih + iy) * W;
            long R = iy + s->pad_top;
            float *row = pad + c * chan + (R % sh) * sw * sub + (R / sh) * s->sub_cols;
            if (sw == 1) { ck_copy_exact(row + pl, src, W); continue; }
            if (sw == 2) { ck_fill_pairs(row, sub, pl, src, W); continue; }
            for (long ph = 0; ph < sw; ph++) {
                long first = ((ph - pl) % sw + sw) % sw;
                float *dst = row + ph * sub + (first + pl) / sw;
                for (long ix = first, j = 0; ix < W; ix += sw, j++) dst[j] = src[ix];
            }
        }
}

/* One tile: `blk` (16 or 8) channels of weights w (k rows of blk), positions at p[0..n)
   (n ≤ CK_GP, the rest repeat the last), stored through ck_grouped_store8. */
CK_GI void ck_grouped_tile(const float *w, long k, const long *off, const float *const p[CK_GP], long n, int blk,
                           float *y, const ck_gfinish *f) {
    __m256 c0[8], c1[8];
    for (int i = 0; i < 8; i++) c0[i] = c1[i] = _mm256_setzero_ps();
    if (blk == 16) {
        for (long t = 0; t < k; t++, w += 16) {
            __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
            long o = off[t];
            for (int i = 0; i < CK_GP; i++) {
                __m256 a = _mm256_broadcast_ss(p[i] + o);
                c0[i] = _mm256_fmadd_ps(a, w0, c0[i]);
                c1[i] = _mm256_fmadd_ps(a, w1, c1[i]);
            }
        }
    } else {
        for (long t = 0; t < k; t++, w += 8) {
            __m256 w0 = _mm256_loadu_ps(w);
            long o = off[t];
            for (int i = 0; i < CK_GP; i++) c0[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(p[i] + o), w0, c0[i]);
        }
    }
    ck_gfinish g = *f;
    if (!g.res && (g.act == CK_IDENTITY || g.act == CK_RELU)) {   /* bias and ReLU on the lanes */
        __m256 b0 = g.bias ? _mm256_loadu_ps(g.bias) : _mm256_setzero_ps();
        __m256 b1 = g.bias && blk == 16 ? _mm256_loadu_ps(g.bias + 8) : _mm256_setzero_ps();
        for (int i = 0; i < CK_GP; i++) {
            c0[i] = _mm256_add_ps(c0[i], b0);
            c1[i] = _mm256_add_ps(c1[i], b1);
            if (g.act == CK_RELU) {
                c0[i] = _mm256_max_ps(c0[i], _mm256_setzero_ps());
                c1[i] = _mm256_max_ps(c1[i], _mm256_setzero_ps());
            }
        }
        g.bias = 0;
        g.act = CK_IDENTITY;
    }
    /* Copies: the transposes work on arrays in memory, the accumulators stay in registers. */
    __m256 t0[8] = { c0[0], c0[1], c0[2], c0[3], c0[4], c0[5], c0[6], c0[7] };
    ck_grouped_store8(t0, n, y, &g, 0);
    if (blk == 16) {
        __m256 t1[8] = { c1[0], c1[1], c1[2], c1[3], c1[4], c1[5], c1[6], c1[7] };
        ck_grouped_store8(t1, n, y, &g, 8);
    }
}

/* The tiles of output rows [oy0, oy1) of one item: the padded group at pad, its weights at w. */
CK_GI void ck_grouped_item(const ck_grouped_shape *s, const long *off, const float *w, const float *pad, long oy0,
                           long oy1, float *y, const float *bias, const float *res, int act, float p0, float p1) {
    long mg = s->M / s->groups, ohw = s->oh * s->ow, k = s->k;
    for (long b = 0; b < mg; b += 16) {
        int blk = mg - b >= 16 ? 16 : 8;
        ck_gfinish f = { bias ? bias + b : 0, 0, ohw, act, p0, p1 };
        long oy = oy0, ox = 0, end = oy1 * s->ow;
        for (long pos = oy0 * s->ow; pos < end; pos += CK_GP) {
            long n = end - pos < CK_GP ? end - pos : CK_GP;
            const float *p[CK_GP];
            for (int i = 0; i < CK_GP; i++) {
                p[i] = pad + oy * s->sub_cols + ox;
                if (i + 1 < n && ++ox == s->ow) { ox = 0; oy++; }
            }
            if (++ox == s->ow) { ox = 0; oy++; }
            f.res = res ? res + b * ohw + pos : 0;
            ck_grouped_tile(w + b * k, k, off, p, n, blk, y + b * ohw + pos, &f);
        }
    }
}

void CK_AVX2 ck_grouped_conv(const ck_grouped_shape *s, const long *offsets, const float *packed, const float *x,
                             const float *bias, const float *residual, float *y, long first, long count,
                             int act, float p0, float p1, int wide, float *pad) {
    long cg = s->C / s->groups, mg = s->M / s->groups, ohw = s->oh * s->ow;
    long wsize = ((mg + 7) / 8 * 8) * s->k;
    long copy = ck_grouped_copy_size(s);
    memset(pad, 0, (size_t)copy * sizeof(float));
    /* The weights of the current group copied to a 64-byte boundary (a Swift array is only
       16-byte aligned; loads split across cache lines cost 1.3× on 7×7 maps in the harness). */
    float *wa = (float *)(((uintptr_t)(pad + copy) + 63) & ~(uintptr_t)63);
    long wg = -1, band = 256 / s->ow > 1 ? 256 / s->ow : 1;
    for (long item = first; item < first + count; item++) {
        long g = item / s->images, img = item % s->images;
        if (g != wg) { memcpy(wa, packed + g * wsize, (size_t)wsize * sizeof(float)); wg = g; }
        const float *xg = x + (img * s->C + g * cg) * s->ih * s->iw;
        long yo = (img * s->M + g * mg) * ohw, filled = 0;
        /* Bands of ≈ 256 output positions: the input rows a band needs are copied just before
           it runs, so the copy is still in L1/L2 (112×112 stride-2 groups: 0.8 MB each). */
        for (long oy0 = 0; oy0 < s->oh; oy0 += band) {
            long oy1 = oy0 + band < s->oh ? oy0 + band : s->oh;
            long need = (oy1 - 1) * s->sh + s->span_h - s->pad_top;
            if (need > s->ih) need = s->ih;
            if (need > filled) { ck_grouped_fill(s, xg, pad, filled, need); filled = need; }
            if (wide)
                ck_grouped_item512(mg, oy0, oy1, s->oh, s->ow, s->sub_cols, s->k, offsets, wa, pad, y + yo,
                                   bias ? bias + g * mg : 0, residual ? residual + yo : 0, act, p0, p1);
            else
                ck_grouped_item(s, offsets, wa, pad, oy0, oy1, y + yo, bias ? bias + g * mg : 0,
                                residual ? residual + yo : 0, act, p0, p1);
        }
    }
}
#else
void ck_grouped_conv(const ck_grouped_shape *s, const long *offsets, const float *packed, const float *x,
                     const float *bias, const float *residual, float *y, long first, long count,
                     int act, float p0, float p1, int wide, float *pad) {
    (void)s; (void)offsets; (void)packed; (void)x; (void)bias; (void)residual; (void)y; (void)first;
    (void)count; (void)act; (void)p0; (void)p1; (void)wide; (void)pad;
}
#endif
