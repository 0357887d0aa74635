print("fastagi-reference-server: under construction")
