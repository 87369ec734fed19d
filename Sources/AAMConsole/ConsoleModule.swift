// Placeholder: the pure console (issue 7) lands here.
