"""Rate limits of the dated API: per brand, sliding windows, a budget per group of endpoints.

Source: Omnisend's 2026-03-15 "Rate limit, timeouts & errors" page. Each request spends from
exactly one bucket: the first rule that matches its path and method, else the default bucket."""
from __future__ import annotations

from simulator.core.ratelimit import Window

MINUTE, DAY = 60, 24 * 60 * 60

RULES: tuple[tuple[str, frozenset[str], str, tuple[Window, ...]], ...] = (
    ("/segments", frozenset({"GET", "DELETE"}), "segments-read", (Window(100, MINUTE, "sliding"),)),
    ("/segments", frozenset({"POST", "PUT"}), "segments-write", (Window(15, MINUTE, "sliding"),)),
    ("/contacts/tags", frozenset({"POST", "DELETE"}), "contact-tags", (Window(60, MINUTE, "sliding"),)),
    ("/analytics", frozenset({"POST"}), "analytics",
     (Window(10, MINUTE, "sliding"), Window(55, DAY, "sliding"))),
)


def bucket(path: str, method: str, default_limit: int) -> tuple[str, tuple[Window, ...]]:
    """(bucket name, windows) for a request path relative to the surface."""
    for prefix, methods, name, windows in RULES:
        if (path == prefix or path.startswith(prefix + "/")) and method in methods:
            return name, windows
    return "default", (Window(default_limit, MINUTE, "sliding"),)
