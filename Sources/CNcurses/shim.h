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

// Styled wide-string output at a position: one call per run of cells that share a style.
static inline int aam_put_run(WINDOW *w, int y, int x, const wchar_t *text, int count, attr_t attrs, int pair) {
    wattr_set(w, attrs, (short)pair, NULL);
    if (wmove(w, y, x) == ERR) return ERR;
    return waddnwstr(w, text, count);
}
// One key: returns OK (a character in *ch), KEY_CODE_YES (a key code in *ch) or ERR (timeout).
static inline int aam_read_key(WINDOW *w, unsigned int *ch) {
    wint_t value = 0;
    int kind = wget_wch(w, &value);
    *ch = (unsigned int)value;
    return kind;
}
// The mouse: presses of the first button and the wheel, reported at once (no click timer).
// Returns whether the terminal reports mouse events at all.
static inline int aam_enable_mouse(void) {
    mmask_t wanted = BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
        | BUTTON5_PRESSED
#endif
        ;
    mouseinterval(0);
    return mousemask(wanted, NULL) != 0;
}
// After KEY_MOUSE: 1 press, 4 wheel up, 5 wheel down, 0 anything else (release, motion).
static inline int aam_read_mouse(int *y, int *x) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *y = event.y; *x = event.x;
    if (event.bstate & BUTTON1_PRESSED) return 1;
    if (event.bstate & BUTTON4_PRESSED) return 4;
#ifdef BUTTON5_PRESSED
    if (event.bstate & BUTTON5_PRESSED) return 5;
#endif
    return 0;
}
static inline int aam_key_mouse(void) { return KEY_MOUSE; }
// 24-bit color: whether the terminal description says it takes RGB values as colors
// (the `RGB` capability of the *-direct entries), and extended pairs for them.
static inline int aam_has_rgb(void) { return tigetflag("RGB") > 0 || COLORS >= 0x1000000; }
static inline int aam_init_extended_pair(int pair, int fg, int bg) { return init_extended_pair(pair, fg, bg); }
static inline void aam_background(WINDOW *w, attr_t attrs, int pair) {
    wbkgdset(w, (chtype)(attrs | COLOR_PAIR(pair) | ' '));
}
#endif
