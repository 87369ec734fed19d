// The console's only window into ncursesw. Wide-character API on; macros and globals that do not
// import into Swift 6 (stdscr, LINES, COLS, A_*, ACS_*, getmaxyx) are wrapped in functions.
#ifndef AAM_CNCURSES_SHIM_H
#define AAM_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline WINDOW *aam_stdscr(void) { return stdscr; }
static inline int aam_lines(void) { return LINES; }
static inline int aam_cols(void) { return COLS; }
static inline int aam_colors(void) { return COLORS; }
static inline int aam_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t aam_a_bold(void) { return A_BOLD; }
static inline attr_t aam_a_reverse(void) { return A_REVERSE; }
static inline attr_t aam_a_underline(void) { return A_UNDERLINE; }
static inline attr_t aam_a_dim(void) { return A_DIM; }
static inline attr_t aam_a_normal(void) { return A_NORMAL; }
static inline attr_t aam_color_pair(int n) { return COLOR_PAIR(n); }
static inline void aam_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }
static inline int aam_setlocale_all(void) { return setlocale(LC_ALL, "") != 0; }
#endif
