#ifndef HEDGING_LANDSCAPE_CPLPLOT_SHIM_H
#define HEDGING_LANDSCAPE_CPLPLOT_SHIM_H
// Private C shim over PLplot. Its API names are macros (plinit is c_plinit):
// Swift must call the c_ names.
#include <plplot/plplot.h>
#include <setjmp.h>
#include <string.h>

// PLplot reports fatal errors through plexit(), which calls exit() once the handler
// installed with plsexit() returns. The guards below run one PLplot call with a handler
// that jumps back to the guard instead, so the process survives; only C frames lie
// between setjmp and longjmp. Not thread-safe: the caller (Plotting's Plotter) holds
// its lock around every PLplot call.
// (Function-local statics: Swift's importer emits inline functions, not header globals.)
#define HL_PLPLOT_EXIT_MESSAGE_SIZE 512

static inline jmp_buf *hl_plplot_jump(void) {
  static jmp_buf jump;
  return &jump;
}

static inline char *hl_plplot_exit_message(void) {
  static char message[HL_PLPLOT_EXIT_MESSAGE_SIZE];
  return message;
}

static inline int hl_plplot_exit_handler(PLCHAR_VECTOR message) {
  strncpy(hl_plplot_exit_message(), message ? message : "", HL_PLPLOT_EXIT_MESSAGE_SIZE - 1);
  hl_plplot_exit_message()[HL_PLPLOT_EXIT_MESSAGE_SIZE - 1] = '\0';
  longjmp(*hl_plplot_jump(), 1);
  return 1;
}

/// plinit(); returns 0, or 1 if PLplot called plexit (see hl_plplot_exit_text).
static inline int hl_plinit_guarded(void) {
  hl_plplot_exit_message()[0] = '\0';
  plsexit(hl_plplot_exit_handler);
  if (setjmp(*hl_plplot_jump()) != 0) {
    plsexit(NULL);
    return 1;
  }
  c_plinit();
  plsexit(NULL);  // a later plexit must not jump to this finished frame
  return 0;
}

/// plend1(); returns 0, or 1 if PLplot called plexit (see hl_plplot_exit_text).
static inline int hl_plend1_guarded(void) {
  hl_plplot_exit_message()[0] = '\0';
  plsexit(hl_plplot_exit_handler);
  if (setjmp(*hl_plplot_jump()) != 0) {
    plsexit(NULL);
    return 1;
  }
  c_plend1();
  plsexit(NULL);  // a later plexit must not jump to this finished frame
  return 0;
}

/// The message of the last plexit caught by a guard.
static inline const char *hl_plplot_exit_text(void) { return hl_plplot_exit_message(); }

#endif
