print("aam-bench-store: not written yet")
