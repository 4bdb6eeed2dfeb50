"""v3 batches (being written)."""
