#ifndef HEDGING_LANDSCAPE_CPLPLOT_SHIM_H
#define HEDGING_LANDSCAPE_CPLPLOT_SHIM_H
// Private C shim over PLplot. Its API names are macros (plinit is c_plinit):
// Swift must call the c_ names.
#include <plplot/plplot.h>
#endif
