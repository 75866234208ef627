#include <cblas.h>

/* LAPACK routines exported by Debian's libopenblas (Fortran ABI; column-major). */
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/* OpenBLAS (pthreads build): ends its worker threads; they are started again if needed. */
int blas_thread_shutdown_(void);
