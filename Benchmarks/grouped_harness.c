/* Grouped convolutions in isolation (issue 17, fifth round): ck_grouped_conv (channels in the
   lanes, grouped.c) against the phased path it replaces for few channels per group (the
   group's planes copied row by row into the padded copy, ck_gemm_packed_rows into a
   buffer of OH · subColumns columns with bias and activation, the kept OW columns copied
   out row by row — what ConvPhased.swift does), one thread. First a correctness sweep
   against a scalar loop (8/16/24/32 channels per group, strides 1/2, pads 0–2, dilation 2,
   residual), then the grouped 3×3 layers of RegNetX-400MF at batch 16: best of 7 runs.

     clang -O2 -I Sources/CKernels/include -I Sources/CKernels Benchmarks/grouped_harness.c -lm \
       -o /tmp/grouped-harness && nice -n -15 /tmp/grouped-harness */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#ifndef WIDE
#define WIDE 1
#endif
#include "CKernels.h"
#include "epilogue.c"
#include "gemm.c"
#include "grouped.c"
#include "grouped512.c"
#include "cpu.c"
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

typedef struct { long n, c, m, g, h, w, k, s, pad, d; } L;
typedef struct { ck_grouped_shape s; long kh, dil, channel; long *off; } G;

static G geometry(L l) {
    G g; long ph, pw;
    g.kh = l.k; g.dil = l.d;
    long oh = (l.h + 2 * l.pad - (l.k - 1) * l.d - 1) / l.s + 1, ow = (l.w + 2 * l.pad - (l.k - 1) * l.d - 1) / l.s + 1;
    ph = l.h + 2 * l.pad; if ((oh - 1) * l.s + (l.k - 1) * l.d + 1 > ph) ph = (oh - 1) * l.s + (l.k - 1) * l.d + 1;
    pw = l.w + 2 * l.pad; if ((ow - 1) * l.s + (l.k - 1) * l.d + 1 > pw) pw = (ow - 1) * l.s + (l.k - 1) * l.d + 1;
    ck_grouped_shape s = { l.n, l.c, l.h, l.w, l.m, oh, ow, l.g, (l.c / l.g) * l.k * l.k, l.s, l.s, l.pad, l.pad,
                           (ph + l.s - 1) / l.s, (pw + l.s - 1) / l.s, (l.k - 1) * l.d + 1 };
    g.s = s;
    long sub = s.sub_rows * s.sub_cols; g.channel = l.s * l.s * sub;
    g.off = malloc(s.k * sizeof(long));
    long t = 0;
    for (long c = 0; c < l.c / l.g; c++)
        for (long ki = 0; ki < l.k; ki++)
            for (long kj = 0; kj < l.k; kj++) {
                long r = ki * l.d, q = kj * l.d;
                g.off[t++] = c * g.channel + ((r % l.s) * l.s + q % l.s) * sub + (r / l.s) * s.sub_cols + q / l.s;
            }
    return g;
}

static void reference(L l, const float *x, const float *w, const float *b, const float *res, float *y, long oh, long ow) {
    long cg = l.c / l.g, mg = l.m / l.g;
    for (long n = 0; n < l.n; n++) for (long m = 0; m < l.m; m++) for (long oy = 0; oy < oh; oy++) for (long ox = 0; ox < ow; ox++) {
        double a = b[m]; long g = m / mg;
        for (long c = 0; c < cg; c++) for (long ki = 0; ki < l.k; ki++) for (long kj = 0; kj < l.k; kj++) {
            long iy = oy * l.s + ki * l.d - l.pad, ix = ox * l.s + kj * l.d - l.pad;
            if (iy >= 0 && iy < l.h && ix >= 0 && ix < l.w)
                a += w[((m * cg + c) * l.k + ki) * l.k + kj] * x[((n * l.c + g * cg + c) * l.h + iy) * l.w + ix];
        }
        long o = ((n * l.m + m) * oh + oy) * ow + ox;
        if (res) a += res[o];
        y[o] = a > 0 ? a : 0;
    }
}

/* The phased path of ConvPhased.swift, in C (one thread). */
static void old_path(G *g, L l, const float *x, const float *panels, const float *b, float *y, float *pad, float *tmp) {
    ck_grouped_shape *s = &g->s;
    long cg = l.c / l.g, mg = l.m / l.g, n = s->oh * s->sub_cols, ohw = s->oh * s->ow, sub = s->sub_rows * s->sub_cols;
    long psize = ck_packed_panels_size(mg, s->k);
    memset(pad, 0, ck_grouped_pad_size(s) * 4);
    for (long img = 0; img < l.n; img++) for (long gr = 0; gr < l.g; gr++) {
        const float *xg = x + (img * l.c + gr * cg) * l.h * l.w;
        for (long c = 0; c < cg; c++) for (long iy = 0; iy < l.h; iy++) {
            const float *src = xg + (c * l.h + iy) * l.w; long R = iy + l.pad;
            float *row = pad + c * g->channel + (R % l.s) * l.s * sub + (R / l.s) * s->sub_cols;
            if (l.s == 1) { memcpy(row + l.pad, src, l.w * 4); continue; }
            for (long ph = 0; ph < l.s; ph++) { long first = ((ph - l.pad) % l.s + l.s) % l.s;
                float *dst = row + ph * sub + (first + l.pad) / l.s;
                for (long ix = first, j = 0; ix < l.w; ix += l.s, j++) dst[j] = src[ix]; }
        }
        ck_gemm_packed_rows(panels + gr * psize, mg, s->k, pad, g->off, n, tmp, b + gr * mg, 0, CK_RELU, 0, 0);
        for (long m = 0; m < mg; m++) for (long oy = 0; oy < s->oh; oy++)
            memcpy(y + (img * l.m + gr * mg + m) * ohw + oy * s->ow, tmp + m * n + oy * s->sub_cols, s->ow * 4);
    }
}

int main(void) {
    int bad = 0;
    L cases[] = { {3, 32, 32, 2, 9, 11, 3, 1, 1, 1}, {2, 64, 64, 4, 7, 7, 3, 1, 1, 1}, {2, 48, 48, 2, 8, 13, 3, 2, 1, 1},
                  {2, 64, 64, 2, 10, 9, 3, 2, 1, 1}, {2, 16, 16, 2, 12, 12, 3, 1, 2, 2}, {1, 24, 48, 3, 14, 14, 3, 1, 0, 1},
                  {2, 96, 96, 4, 15, 5, 3, 2, 2, 1}, {1, 40, 40, 5, 3, 3, 3, 1, 1, 1}, {2, 16, 16, 1, 6, 20, 5, 2, 2, 1} };
    for (unsigned ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
        L l = cases[ci]; G g = geometry(l); ck_grouped_shape *s = &g.s;
        long cg = l.c / l.g, xs = l.n * l.c * l.h * l.w, ys = l.n * l.m * s->oh * s->ow, ws = l.m * cg * l.k * l.k;
        float *x = malloc(xs * 4), *w = malloc(ws * 4), *b = malloc(l.m * 4), *r = malloc(ys * 4), *y = malloc((ys + 8) * 4), *e = malloc(ys * 4);
        float *pk = malloc(ck_grouped_packed_size(s) * 4), *pad = malloc(ck_grouped_pad_size(s) * 4);
        for (long i = 0; i < xs; i++) x[i] = sinf(i * 0.37f);
        for (long i = 0; i < ws; i++) w[i] = cosf(i * 1.3f) * 0.2f;
        for (long i = 0; i < l.m; i++) b[i] = 0.05f * (i % 7) - 0.1f;
        for (long i = 0; i < ys; i++) r[i] = sinf(i * 0.11f);
        ck_grouped_pack(s, w, pk);
        for (int withres = 0; withres < 2; withres++) {
            reference(l, x, w, b, withres ? r : 0, e, s->oh, s->ow);
            for (long i = 0; i < ys + 8; i++) y[i] = 777;
            long items = l.g * l.n;   /* two calls, split inside */
            ck_grouped_conv(s, g.off, pk, x, b, withres ? r : 0, y, 0, items / 2, CK_RELU, 0, 0, WIDE, pad);
            ck_grouped_conv(s, g.off, pk, x, b, withres ? r : 0, y, items / 2, items - items / 2, CK_RELU, 0, 0, WIDE, pad);
            double md = 0; for (long i = 0; i < ys; i++) { double d = fabs(y[i] - e[i]); if (d > md) md = d; }
            for (long i = ys; i < ys + 8; i++) if (y[i] != 777) { bad++; printf("overrun case %u\n", ci); }
            if (md > 1e-4) { bad++; printf("case %u res %d: max |d| %g\n", ci, withres, md); }
        }
        free(x); free(w); free(b); free(r); free(y); free(e); free(pk); free(pad);
    }
    printf("correctness: %s\n", bad ? "FAILED" : "ok");
    L layers[] = { {16, 400, 400, 25, 7, 7, 3, 1, 1, 1}, {16, 160, 160, 10, 14, 14, 3, 1, 1, 1}, {16, 64, 64, 4, 28, 28, 3, 1, 1, 1},
                   {16, 400, 400, 25, 14, 14, 3, 2, 1, 1}, {16, 160, 160, 10, 28, 28, 3, 2, 1, 1}, {16, 64, 64, 4, 56, 56, 3, 2, 1, 1},
                   {16, 32, 32, 2, 112, 112, 3, 2, 1, 1} };
    for (unsigned li = 0; li < sizeof layers / sizeof *layers; li++) {
        L l = layers[li]; G g = geometry(l); ck_grouped_shape *s = &g.s;
        long cg = l.c / l.g, mg = l.m / l.g, xs = l.n * l.c * l.h * l.w, ys = l.n * l.m * s->oh * s->ow, ws = l.m * cg * 9;
        float *x = malloc(xs * 4), *w = malloc(ws * 4), *b = calloc(l.m, 4), *y = malloc(ys * 4), *y2 = malloc(ys * 4);
        float *pk = malloc(ck_grouped_packed_size(s) * 4), *pad = malloc(ck_grouped_pad_size(s) * 4);
        long psize = ck_packed_panels_size(mg, s->k);
        float *panels = malloc(l.g * psize * 4), *tmp = malloc(mg * s->oh * s->sub_cols * 4 + 64);
        for (long i = 0; i < xs; i++) x[i] = sinf(i * 0.37f);
        for (long i = 0; i < ws; i++) w[i] = cosf(i * 1.3f) * 0.2f;
        ck_grouped_pack(s, w, pk);
        for (long gr = 0; gr < l.g; gr++) ck_pack_panels(w + gr * mg * s->k, mg, s->k, panels + gr * psize);
        double to = 1e9, tn = 1e9;
        for (int rep = 0; rep < 7; rep++) {
            double t0 = now(); old_path(&g, l, x, panels, b, y, pad, tmp); double t1 = now();
            ck_grouped_conv(s, g.off, pk, x, b, 0, y2, 0, l.g * l.n, CK_RELU, 0, 0, WIDE, pad); double t2 = now();
            if (t1 - t0 < to) to = t1 - t0; if (t2 - t1 < tn) tn = t2 - t1;
        }
        double md = 0; for (long i = 0; i < ys; i++) { double d = fabs(y[i] - y2[i]); if (d > md) md = d; }
        double gf = 2.0 * l.n * l.m * s->oh * s->ow * s->k * 1e-9;
        printf("%3ld ch %3ldx%-3ld s%ld: phased %6.2f ms (%5.1f GFLOP/s)  grouped %6.2f ms (%5.1f GFLOP/s)  %.2fx  |d| %.1e\n",
               l.c, l.h, l.w, l.s, to * 1e3, gf / to, tn * 1e3, gf / tn, to / tn, md);
    }
    return bad != 0;
}
