"""v3 products (being written)."""
