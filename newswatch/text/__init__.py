"""Korean text analysis shared by the topic engine and story matching (above the ground layer, below the rest)."""
