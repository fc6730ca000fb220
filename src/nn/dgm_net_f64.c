/* DGM network in double (for checks: finite differences, the autograd comparison). See
 * dgm_net_impl.h. */
#include <math.h>

#define REAL double
#define SFX f64
#define GEMM cblas_dgemm
#define GEMV cblas_dgemv
#define TANH(x) tanh(x)
#define SQRT(x) sqrt(x)
#include "dgm_net_impl.h"
