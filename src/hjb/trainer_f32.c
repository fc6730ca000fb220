/* DGM policy-iteration trainer, float backend (see src/nn/dgm_trainer_impl.h). */
#define REAL float
#define SFX f32
#include "nn/dgm_trainer_impl.h"
