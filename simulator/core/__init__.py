"""Vendor-neutral machinery every surface shares: time, scheduling, rate limits, ids, journal, outbox, keys."""
