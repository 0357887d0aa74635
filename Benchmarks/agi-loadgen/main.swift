print("agi-loadgen: under construction")
