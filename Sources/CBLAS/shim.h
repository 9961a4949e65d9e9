// CBLAS from OpenBLAS, plus the few Fortran LAPACK routines sparsim calls.
// Debian's OpenBLAS exports LAPACK's Fortran symbols but ships no lapacke.h,
// so they are declared here by hand (Fortran calling convention: every
// argument by pointer, hidden string lengths omitted for single-char flags).
#ifndef SPARSIM_CBLAS_SHIM_H
#define SPARSIM_CBLAS_SHIM_H

#include <cblas.h>

/// Cholesky factorization of a symmetric positive-definite matrix (column-major).
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
/// Inverse of a symmetric positive-definite matrix from its Cholesky factor.
void spotri_(const char *uplo, const int *n, float *a, const int *lda, int *info);
/// Inverse of a triangular matrix.
void strtri_(const char *uplo, const char *diag, const int *n, float *a, const int *lda, int *info);

/// Number of threads OpenBLAS uses (declared in cblas.h of some builds only).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#endif
