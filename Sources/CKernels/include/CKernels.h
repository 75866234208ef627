#ifndef CKERNELS_H
#define CKERNELS_H

/* nncodec's own AVX2/FMA kernels for the Runtime. Every function is compiled for AVX2 and
   FMA by a per-function target attribute; callers check ck_cpu_has_avx2_fma() first and keep
   their portable path otherwise (the library never executes an AVX2 instruction on a CPU
   without it). On other architectures the check returns 0 and the kernels do nothing. */

/* Activation codes of ck_epilogue (parameters p0, p1 as noted). */
enum {
    CK_IDENTITY = 0,
    CK_RELU = 1,
    CK_CLIP = 2,          /* min(max(x, p0), p1) */
    CK_SIGMOID = 3,
    CK_SILU = 4,          /* x * sigmoid(x) */
    CK_HARD_SIGMOID = 5,  /* max(0, min(1, p0 * x + p1)) */
    CK_HARD_SWISH = 6,    /* x * max(0, min(1, x / 6 + 1/2)) */
    CK_LEAKY_RELU = 7     /* x >= 0 ? x : p0 * x */
};

/* 1 when the CPU executes AVX2 and FMA instructions. */
int ck_cpu_has_avx2_fma(void);
/* 1 when it also executes AVX-512F (grouped512.c). */
int ck_cpu_has_avx512f(void);

/* dst[i] = act(src[i] + bias + residual[i]) for i < n (residual may be NULL; src may be dst). */
void ck_epilogue(const float *src, float *dst, long n, float bias, const float *residual,
                 int act, float p0, float p1);

/* 1×1 convolution of one image with a fused epilogue (gemm.c). W (m × k, row-major) is
   packed by ck_pack_panels into ck_packed_panels_size(m, k) floats; then
   y[r·n + j] = act(Σ_p W[r, p]·x[p·n + j] + bias[r] + residual[r·n + j]) for r < m, j < n
   (bias and residual may be NULL). */
long ck_packed_panels_size(long m, long k);
void ck_pack_panels(const float *w, long m, long k, float *out);
void ck_gemm_packed(const float *packed, long m, long k, const float *x, long n, float *y,
                    const float *bias, const float *residual, int act, float p0, float p1);
/* The same with row p of x at x + rows[p] (k offsets) instead of x + p·n: a convolution
   reading its taps straight from a zero-padded input (Runtime's ConvPhased.swift). */
void ck_gemm_packed_rows(const float *packed, long m, long k, const float *x, const long *rows, long n,
                         float *y, const float *bias, const float *residual, int act, float p0, float p1);

/* The same product with B packed per block (gemm_packb.c): row p of B (n floats) at rows[p];
   when scale is not NULL each value is first mapped to v·scale[p] + shift[p], then (prerelu)
   to max(·, 0) — a BatchNormalization → Relu in front of the convolution. work:
   ck_packb_work_size(k) floats (any alignment). */
long ck_packb_work_size(long k);
void ck_gemm_packb(const float *packed, long m, long k, const float *const *rows, const float *scale,
                   const float *shift, int prerelu, long n, float *y, const float *bias,
                   const float *residual, int act, float p0, float p1, float *work);

/* The same for several images of a small map side by side (gemm_images.c): row p of image i
   at rows[i·k + p] (hw ≥ 8 floats), output (i, r, j) at y[i·m·hw + r·hw + j] (residual alike).
   work: ck_images_work_size(k) floats (any alignment). */
long ck_images_work_size(long k);
void ck_gemm_images(const float *packed, long m, long k, const float *const *rows, const float *scale,
                    const float *shift, int prerelu, long hw, long images, float *y, const float *bias,
                    const float *residual, int act, float p0, float p1, float *work);

/* Winograd F(2×2, 3×3) input transform of tile rows [ty0, ty1) of C zero-padded planes
   (winograd.c): value ξ of tile (ty, tx) of plane c to out[ξ·step + c·ldc + (ty − ty0)·tw + tx]. */
void ck_winograd_input(const float *pad, long plane, long C, long pw, long tw, long ty0, long ty1,
                       float *out, long ldc, long step);

/* One output plane of a depthwise convolution over a zero-padded, phase-split input plane
   (depthwise.c): y[oy·ow + ox] = act(Σ_{t < taps} k[t] · pad[oy·row_step + offsets[t] + ox] + bias)
   (activation codes and parameters as ck_epilogue's). */
void ck_depthwise_plane(const float *pad, const float *k, const long *offsets, long taps,
                        long oh, long ow, long row_step, float *y, float bias, int act, float p0, float p1);

/* The shape of a depthwise convolution for ck_depthwise_direct: square kernel 3 or 5, the same
   stride (1 or 2) on both axes, no dilation, one output channel per input channel. */
typedef struct {
    long ih, iw, oh, ow;
    long kernel, stride;
    long pad_top, pad_left;  /* below the kernel size; bottom/right padding follows from oh, ow */
    long channels;           /* plane p (image · channels + c) uses kernel c and bias[c] */
} ck_dw_shape;

/* 1 when ck_depthwise_direct handles the shape (kernel, stride and pads as above, few border
   column positions). */
int ck_depthwise_direct_supports(const ck_dw_shape *s);
/* Floats of scratch ck_depthwise_direct uses for a shape (0: none). */
long ck_depthwise_direct_scratch(const ck_dw_shape *s);
/* Planes [first, first + count) of a depthwise convolution read in place from x (ih × iw each):
   y[p][oy][ox] = act(Σ_{ki,kj} k[c][ki][kj] · x[p][oy·s + ki − pad_top][ox·s + kj − pad_left] + bias[c])
   with zero padding (depthwise_direct.c; bias may be NULL; scratch of
   ck_depthwise_direct_scratch(s) floats, or NULL). Writes only planes [first, first + count). */
void ck_depthwise_direct(const ck_dw_shape *s, const float *x, const float *k, const float *bias, float *y,
                         long first, long count, int act, float p0, float p1, float *scratch);

/* A grouped convolution for ck_grouped_conv (grouped.c): M / groups output channels per group,
   a multiple of 8; the phased geometry of Runtime's ConvPhased.swift (strides sh × sw, each
   input plane zero-padded and split into sh · sw sub-planes of sub_rows × sub_cols); k =
   Cg · kh · kw weight rows per output channel, tap row t of position (oy, ox) read at
   pad[offsets[t] + oy · sub_cols + ox]. */
typedef struct {
    long images, C, ih, iw;
    long M, oh, ow;
    long groups, k;
    long sh, sw, pad_top, pad_left;
    long sub_rows, sub_cols;
    long span_h;             /* (kh − 1) · dilation + 1: padded rows one output row reads */
} ck_grouped_shape;

/* Floats of the packed weights (all groups) and of the padded buffer one call needs. */
long ck_grouped_packed_size(const ck_grouped_shape *s);
long ck_grouped_pad_size(const ck_grouped_shape *s);
/* W (M × k, row-major) packed per group in blocks of 16 (or 8) output channels, k-major. */
void ck_grouped_pack(const ck_grouped_shape *s, const float *w, float *out);
/* Items [first, first + count) of (group, image) pairs, item = group · images + image:
   y = act(conv(x, W) + bias + residual) for the group's output channels of the image
   (bias and residual may be NULL; pad: ck_grouped_pad_size floats of scratch). wide: the
   AVX-512 tiles (only when ck_cpu_has_avx512f()), else AVX2. */
void ck_grouped_conv(const ck_grouped_shape *s, const long *offsets, const float *packed, const float *x,
                     const float *bias, const float *residual, float *y, long first, long count,
                     int act, float p0, float p1, int wide, float *pad);

#endif
