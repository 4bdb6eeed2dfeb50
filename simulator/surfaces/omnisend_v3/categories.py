"""v3 categories (being written)."""
