// Placeholder: workload identity (issue 8) lands here.
