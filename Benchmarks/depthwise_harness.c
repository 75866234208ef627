/* Depthwise kernels in isolation (issue 17, fourth round): CKernels' in-place kernels
   (ck_depthwise_direct) against the padded-plane path they replace (a C copy into the
   zero-padded, phase-split plane + ck_depthwise_plane), one thread, on the depthwise layers
   of MobileNetV2/MNASNet/EfficientNet-B0 at batch 16, after a correctness sweep against a
   scalar loop (kernels 3/5, strides 1/2, widths 4–43, asymmetric pads, plane ranges that start
   inside groups of eight, no write outside the range). Best of 5 runs, the input rewritten
   before each timed run (as the layer before would).

     clang -O2 -I Sources/CKernels/include -I Sources/CKernels Benchmarks/depthwise_harness.c -lm \
       -o /tmp/dw-harness && nice -n -15 /tmp/dw-harness */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include "CKernels.h"
#include "depthwise.c"
#include "depthwise_direct.c"
#include "epilogue.c"
#include "depthwise_interleaved.c"
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
typedef struct {long n,c,h,k,s;} L;
static void ref(const ck_dw_shape*s,const float*x,const float*k,const float*b,float*y,long P){
  for(long p=0;p<P;p++){long c=p%s->channels; for(long oy=0;oy<s->oh;oy++)for(long ox=0;ox<s->ow;ox++){float a=0;
    for(long ki=0;ki<s->kernel;ki++)for(long kj=0;kj<s->kernel;kj++){long iy=oy*s->stride+ki-s->pad_top,ix=ox*s->stride+kj-s->pad_left;
      if(iy>=0&&iy<s->ih&&ix>=0&&ix<s->iw)a+=k[c*s->kernel*s->kernel+ki*s->kernel+kj]*x[p*s->ih*s->iw+iy*s->iw+ix];}
    a+=b[c]; a=a<0?0:a>6?6:a; y[p*s->oh*s->ow+oy*s->ow+ox]=a;}}}
int main(int argc,char**argv){
  // correctness sweep
  int bad=0;
  for(int k=3;k<=5;k+=2)for(int st=1;st<=2;st++)for(int H=1;H<=40;H+=(H<20?1:7))for(int pd=0;pd<k;pd++){
    ck_dw_shape s={H,H+3,0,0,k,st,pd,pd>0?pd-1:0,16};
    s.oh=(H+2*pd-k)/st+1; s.ow=(H+3+pd+s.pad_left-k)/st+1; if(s.oh<1||s.ow<1)continue;
    if(!ck_depthwise_direct_supports(&s)){printf("unsupported k%d s%d H%d pd%d\n",k,st,H,pd);continue;}
    long P=40; float*sc=malloc((ck_depthwise_direct_scratch(&s)+1)*4); float*x=malloc(P*s.ih*s.iw*4),*y=malloc((P*s.oh*s.ow+1)*4),*r=malloc(P*s.oh*s.ow*4),w[16*25],b[16];for(int i=0;i<16;i++)b[i]=0.1f*i-0.7f;
    for(long i=0;i<P*s.ih*s.iw;i++)x[i]=sinf(i*0.37f)*3; for(int i=0;i<400;i++)w[i]=cosf(i*1.1f);
    y[P*s.oh*s.ow]=12345;
    for(long i=0;i<P*s.oh*s.ow;i++)y[i]=777;
    ck_depthwise_direct(&s,x,w,b,y,3,21,CK_CLIP,0,6,sc); 
    for(long i=0;i<P*s.oh*s.ow;i++) if((i<3*s.oh*s.ow||i>=24*s.oh*s.ow)&&y[i]!=777){bad++;printf("overrun k%d s%d H%d pd%d at %ld\n",k,st,H,pd,i);break;}
    ck_depthwise_direct(&s,x,w,b,y,0,13,CK_CLIP,0,6,sc); ck_depthwise_direct(&s,x,w,b,y,13,P-13,CK_CLIP,0,6,sc); ref(&s,x,w,b,r,P);
    float md=0; for(long i=0;i<P*s.oh*s.ow;i++){float d=fabsf(y[i]-r[i]); if(!(d<=md))md=d;}
    if(md>1e-5||y[P*s.oh*s.ow]!=12345){bad++;printf("BAD k%d s%d H%d pd%d: %g\n",k,st,H,pd,md);}
    free(x);free(y);free(r);free(sc);}
  printf("correctness: %d bad\n",bad);
  L ls[]={{16,32,112,3,1},{16,144,56,3,1},{16,192,28,3,1},{16,384,14,3,1},{16,576,14,3,1},{16,960,7,3,1},{16,96,112,3,2},{16,144,56,3,2},{16,480,14,5,1},{16,1152,7,5,1},{16,240,28,5,2}};
  for(int li=0;li<11;li++){L l=ls[li]; long H=l.h,W=l.h,p=l.k/2,OH=(H+2*p-l.k)/l.s+1,OW=OH; long P=l.n*l.c;
    float*X=aligned_alloc(64,P*H*W*4+64),*Y=aligned_alloc(64,P*OH*OW*4+64),*K=malloc(l.c*l.k*l.k*4),*B=calloc(l.c,4);
    for(long i=0;i<P*H*W;i++)X[i]=(i%17)*0.1f; for(long i=0;i<l.c*l.k*l.k;i++)K[i]=(i%5)*0.2f-0.3f;
    long rows=H+2*p, cols=W+2*p, phl=(cols+l.s-1)/l.s, rowlen=phl*l.s; float*pad=aligned_alloc(64,(rows*rowlen+8)*4+64); memset(pad,0,(rows*rowlen+8)*4);
    long off[25]; for(int ki=0;ki<l.k;ki++)for(int kj=0;kj<l.k;kj++) off[ki*l.k+kj]=ki*rowlen+(kj%l.s)*phl+kj/l.s;
    ck_dw_shape s={H,W,OH,OW,l.k,l.s,p,p,l.c}; float*sc=malloc(ck_depthwise_direct_scratch(&s)*4+64);
    double best[3]={1e9,1e9,1e9};
    for(int rep=0;rep<5;rep++){
      for(long i=0;i<P*H*W;i++)X[i]+=1e-7f; // producer writes X
      double t0=now();
      for(long pl=0;pl<P;pl++){ const float*x=X+pl*H*W;
        for(long iy=0;iy<H;iy++){ float*row=pad+(iy+p)*rowlen; if(l.s==1) memcpy(row+p,x+iy*W,W*4); else for(long ix=0;ix<W;ix++){long c=ix+p; row[(c&1)*phl+(c>>1)]=x[iy*W+ix];}}
        ck_depthwise_plane(pad,K+(pl%l.c)*l.k*l.k,off,l.k*l.k,OH,OW,l.s*rowlen,Y+pl*OH*OW,0.1f,CK_CLIP,0,6);
      }
      double t1=now(); if(t1-t0<best[0])best[0]=t1-t0;
      for(long i=0;i<P*H*W;i++)X[i]+=1e-7f;
      t0=now(); ck_depthwise_direct(&s,X,K,B,Y,0,P,CK_CLIP,0,6,sc); t1=now(); if(t1-t0<best[1])best[1]=t1-t0;
      t0=now(); ck_depthwise_direct(&s,X,K,B,Y,0,P,CK_CLIP,0,6,sc); t1=now(); if(t1-t0<best[2])best[2]=t1-t0;
    }
    printf("%4ld x%3ld s%ld k%ld: old %.2f ms  direct %.2f ms  direct-again %.2f ms\n",l.c,H,l.s,l.k,best[0]*1e3,best[1]*1e3,best[2]*1e3);
    free(X);free(Y);free(K);free(pad);free(B);}
}
