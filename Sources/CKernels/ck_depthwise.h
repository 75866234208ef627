/* Between the two depthwise kernels of this module (depthwise_direct.c dispatches to
   depthwise_interleaved.c). */
#ifndef CK_DEPTHWISE_H
#define CK_DEPTHWISE_H
#include "CKernels.h"

enum { CK_DW_MAX_KERNEL = 5 };

/* 1 when the channel-interleaved kernel takes the shape (small maps, channels a multiple of 8). */
int ck_dwi_applies(const ck_dw_shape *s);
/* Floats of scratch it needs. */
long ck_dwi_scratch(const ck_dw_shape *s);
/* Planes [first, first + count) through it (groups of up to eight channels of one image);
   nothing is written at or past `end`. */
void ck_dwi_planes(const ck_dw_shape *s, const float *x, const float *k, const float *bias, float *y,
                   long first, long count, const float *end, int act, float p0, float p1, float *scratch);

#endif
