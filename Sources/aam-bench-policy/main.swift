print("aam-bench-policy: not written yet")
