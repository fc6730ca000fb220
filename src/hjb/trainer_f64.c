/* DGM policy-iteration trainer, double backend (see src/nn/dgm_trainer_impl.h). */
#define REAL double
#define SFX f64
#include "nn/dgm_trainer_impl.h"
