#ifndef HEDGING_LANDSCAPE_COPENBLAS_SHIM_H
#define HEDGING_LANDSCAPE_COPENBLAS_SHIM_H
// Private C shim over OpenBLAS (Debian: libopenblas-dev). Swift reaches it only through this
// header: the Fortran-interface dgemm (GSL's gslcblas, also linked, defines the cblas_ names,
// not this one) and the thread count.
void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc);
void openblas_set_num_threads(int threads);

// C = alpha op(A) op(B) + beta C for row-major matrices: op(A) m x k, op(B) k x n, C m x n,
// lda, ldb, ldc the row strides; transa/transb nonzero to use the transposes. Column-major
// dgemm computes C^T = op(B)^T op(A)^T.
static inline void hl_dgemm_rows(int transa, int transb, int m, int n, int k, double alpha,
                                 const double *a, int lda, const double *b, int ldb, double beta,
                                 double *c, int ldc) {
  const char ta = transa ? 'T' : 'N';
  const char tb = transb ? 'T' : 'N';
  dgemm_(&tb, &ta, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
}
#endif
