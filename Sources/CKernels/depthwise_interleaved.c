#include "ck_depthwise.h"
#include "ck_vec.h"

/* Depthwise convolution of small planes eight channels at a time, each AVX register holding
   one pixel of eight channels (onnxruntime's NCHWc idea, inside one kernel call): the eight
   input planes are transposed into a zero-padded pixel grid T (8 × 8 transposes), every output
   pixel is then KW² FMAs of whole registers (no lanes wasted on 7- or 14-wide rows, no border
   masks: the grid's borders are zero, stride 2 is just another pixel offset), finished by bias
   and activation into O, and O is transposed back into the eight output planes. The sum per
   output runs over all taps in (ki, kj) order, padding included (zeros), as the padded-plane
   kernel's did. Used for maps up to 16 columns wide (5×5 kernels: 32), where rows of eight-wide
   positions left lanes idle and kept few independent sums; per plane (one thread, data in
   cache) 14×14 3×3: 97 vs 196 ns, 7×7: 27 vs 41 ns, 14×14 5×5: 166 vs 450 ns, 28→14 3×3
   stride 2: 169 vs 375 ns (rows with deinterleaving loads); on 28×28 3×3 rows were faster
   (371 vs 436 ns). */
#if defined(__x86_64__)

typedef struct {
    long tr, tc;        /* grid rows and columns (pixels) */
    long ohw, nout;     /* output pixels, rounded up to 8 */
} ck_dwi_dims;

static ck_dwi_dims ck_dwi_dims_of(const ck_dw_shape *s) {
    ck_dwi_dims d;
    const long ext_r = (s->oh - 1) * s->stride + s->kernel, ext_c = (s->ow - 1) * s->stride + s->kernel;
    d.tr = s->pad_top + s->ih > ext_r ? s->pad_top + s->ih : ext_r;
    d.tc = s->pad_left + s->iw > ext_c ? s->pad_left + s->iw : ext_c;
    d.ohw = s->oh * s->ow;
    d.nout = (d.ohw + 7) / 8 * 8;
    return d;
}

int ck_dwi_applies(const ck_dw_shape *s) {
    return s->channels % 8 == 0 && s->ow <= (s->kernel == 5 ? 32 : 16);
}

long ck_dwi_scratch(const ck_dw_shape *s) {
    const ck_dwi_dims d = ck_dwi_dims_of(s);
    /* T (+ 8 pixels the last row's transposed block may write past it), O, pixel offsets;
       + 8 floats to align T. */
    return (d.tr * d.tc + 8) * 8 + d.nout * 8 + d.nout * 2 + 8;
}

/* Planes x[c·ihw …] (c < n; the other lanes zero) into the grid's interior (rows of eight
   columns; the last block of a row loads masked, its zero lanes land on padding or on cells
   written later). */
static CK_AVX2 void ck_dwi_fill(const ck_dw_shape *s, const ck_dwi_dims *d, const float *x, int n, float *T) {
    const long iw = s->iw, ihw = s->ih * s->iw;
    for (long iy = 0; iy < s->ih; iy++) {
        float *row = T + ((iy + s->pad_top) * d->tc + s->pad_left) * 8;
        for (long ix = 0; ix < iw; ix += 8) {
            __m256 r[8];
            const float *src = x + iy * iw + ix;
            for (int c = n; c < 8; c++) r[c] = _mm256_setzero_ps();
            if (ix + 8 <= iw) {
                for (int c = 0; c < n; c++) r[c] = _mm256_loadu_ps(src + c * ihw);
            } else {
                const __m256i m = ck_mask8(iw - ix);
                for (int c = 0; c < n; c++) r[c] = _mm256_maskload_ps(src + c * ihw, m);
            }
            ck_transpose8(r);
            for (int i = 0; i < 8; i++) _mm256_store_ps(row + (ix + i) * 8, r[i]);
        }
    }
}

/* O[o] = act(Σ_t W[t] · T[off[o] + toff[t]] + bias), eight output pixels at a time. */
static inline __attribute__((always_inline)) CK_AVX2 void
ck_dwi_compute(const float *T, const long *off, const long *toff, long taps, const float *W, __m256 bias,
               float *O, long nout, const int ACT, int act, float p0, float p1) {
    for (long o = 0; o < nout; o += 8) {
        __m256 acc[8];
        const float *base[8];
        for (int i = 0; i < 8; i++) { acc[i] = _mm256_setzero_ps(); base[i] = T + off[o + i] * 8; }
        for (long t = 0; t < taps; t++) {
            const __m256 w = _mm256_load_ps(W + t * 8);
            const long to = toff[t] * 8;
            for (int i = 0; i < 8; i++) acc[i] = _mm256_fmadd_ps(_mm256_load_ps(base[i] + to), w, acc[i]);
        }
        for (int i = 0; i < 8; i++) {
            const __m256 v = _mm256_add_ps(acc[i], bias);
            _mm256_store_ps(O + (o + i) * 8, ACT >= 0 ? ck_activate8(v, ACT, p0, p1) : ck_activate8(v, act, p0, p1));
        }
    }
}

/* O (pixels × 8 channels) back into planes y[c·ohw …], c < n: blocks of eight pixels, the
   last block first (its extra lanes spill into the next plane's first outputs, which block 0
   writes afterwards); nothing is written at or past `end`. */
static CK_AVX2 void ck_dwi_store(const float *O, const ck_dwi_dims *d, float *y, int n, const float *end) {
    for (long f = d->nout - 8; f >= 0; f -= 8) {
        __m256 r[8];
        for (int i = 0; i < 8; i++) r[i] = _mm256_load_ps(O + (f + i) * 8);
        ck_transpose8(r);
        for (int c = 0; c < n; c++) {
            float *dst = y + c * d->ohw + f;
            if (dst + 8 <= end) _mm256_storeu_ps(dst, r[c]);
            else if (dst < end) _mm256_maskstore_ps(dst, ck_mask8(end - dst), r[c]);
        }
    }
}

void CK_AVX2 ck_dwi_planes(const ck_dw_shape *s, const float *x, const float *k, const float *bias, float *y,
                           long first, long count, const float *end, int act, float p0, float p1, float *scratch) {
    const ck_dwi_dims d = ck_dwi_dims_of(s);
    float *T = (float *)(((unsigned long)scratch + 31) & ~31UL);
    float *O = T + (d.tr * d.tc + 8) * 8;
    long *off = (long *)(O + d.nout * 8);
    const long KW = s->kernel, taps = KW * KW, ihw = s->ih * s->iw;
    long toff[CK_DW_MAX_KERNEL * CK_DW_MAX_KERNEL];
    float W[CK_DW_MAX_KERNEL * CK_DW_MAX_KERNEL * 8] __attribute__((aligned(32)));
    for (long ki = 0; ki < KW; ki++)
        for (long kj = 0; kj < KW; kj++) toff[ki * KW + kj] = ki * d.tc + kj;
    /* Output pixel o reads the grid from off[o]; the pixels past the last repeat it. */
    for (long o = 0; o < d.nout; o++) {
        const long q = o < d.ohw ? o : d.ohw - 1;
        off[o] = (q / s->ow) * s->stride * d.tc + (q % s->ow) * s->stride;
    }
    for (long i = 0; i < (d.tr * d.tc + 8) * 8; i++) T[i] = 0.0f;
    /* Groups of channels c0 … c0 + n − 1 of one image, aligned to multiples of 8. */
    for (long p = first; p < first + count;) {
        const long c0 = p % s->channels;
        long n = 8 - c0 % 8;
        if (n > first + count - p) n = first + count - p;
        for (long t = 0; t < taps; t++)
            for (int c = 0; c < 8; c++) W[t * 8 + c] = c < n ? k[(c0 + c) * taps + t] : 0.0f;
        float b[8];
        for (int c = 0; c < 8; c++) b[c] = bias && c < n ? bias[c0 + c] : 0.0f;
        const __m256 bv = _mm256_loadu_ps(b);
        /* The next group's planes (one contiguous block) into the cache while this one runs:
           the fill reads eight planes a row at a time, a pattern the hardware prefetcher
           does not follow (its masked loads missed memory in 40% of the samples). */
        const long next = p + n, nend = next + 8 < first + count ? next + 8 : first + count;
        for (long q = next * ihw; q < nend * ihw; q += 16) _mm_prefetch((const char *)(x + q), _MM_HINT_T0);
        ck_dwi_fill(s, &d, x + p * ihw, (int)n, T);
        switch (act) {
        case CK_IDENTITY: ck_dwi_compute(T, off, toff, taps, W, bv, O, d.nout, CK_IDENTITY, act, p0, p1); break;
        case CK_RELU: ck_dwi_compute(T, off, toff, taps, W, bv, O, d.nout, CK_RELU, act, p0, p1); break;
        case CK_CLIP: ck_dwi_compute(T, off, toff, taps, W, bv, O, d.nout, CK_CLIP, act, p0, p1); break;
        default: ck_dwi_compute(T, off, toff, taps, W, bv, O, d.nout, -1, act, p0, p1); break;
        }
        ck_dwi_store(O, &d, y + p * d.ohw, (int)n, end);
        p += n;
    }
}
#else
int ck_dwi_applies(const ck_dw_shape *s) { (void)s; return 0; }
long ck_dwi_scratch(const ck_dw_shape *s) { (void)s; return 0; }
void ck_dwi_planes(const ck_dw_shape *s, const float *x, const float *k, const float *bias, float *y,
                   long first, long count, const float *end, int act, float p0, float p1, float *scratch) {
    (void)s; (void)x; (void)k; (void)bias; (void)y; (void)first; (void)count; (void)end; (void)act; (void)p0; (void)p1;
    (void)scratch;
}
#endif
