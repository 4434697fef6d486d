#ifndef HEDGING_LANDSCAPE_CGSL_SHIM_H
#define HEDGING_LANDSCAPE_CGSL_SHIM_H
// Private C shim over GSL. Swift reaches GSL only through this header.
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_poly.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>

// GSL's type descriptors are mutable globals; Swift 6 rejects them as
// not concurrency-safe, so hand them out through functions.
static inline const gsl_root_fsolver_type *hl_root_fsolver_brent(void) { return gsl_root_fsolver_brent; }
static inline const gsl_rng_type *hl_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_multimin_fminimizer_type *hl_multimin_nmsimplex2(void) { return gsl_multimin_fminimizer_nmsimplex2; }
#endif
