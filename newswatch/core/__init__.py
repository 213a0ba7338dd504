"""The ground layer: the types every other layer speaks (Article, the clock, the config). It imports nothing above."""
