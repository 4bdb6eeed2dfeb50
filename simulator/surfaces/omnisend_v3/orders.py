"""v3 orders (being written)."""
