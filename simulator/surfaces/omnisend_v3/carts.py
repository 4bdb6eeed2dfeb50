"""v3 carts (being written)."""
