// Placeholder: the Postgres store (issue 6) lands here.
