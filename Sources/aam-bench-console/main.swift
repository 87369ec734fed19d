print("aam-bench-console: not written yet")
