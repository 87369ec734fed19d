import CNcurses
// Placeholder: the curses terminal (issue 7) lands here.
