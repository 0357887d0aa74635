print("ciba-agi: under construction")
