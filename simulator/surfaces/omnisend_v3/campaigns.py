"""v3 campaigns (being written)."""
