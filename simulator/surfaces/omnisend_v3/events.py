"""v3 events (being written)."""
