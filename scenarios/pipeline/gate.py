"""The first stage every sender shares, the store's native integration and the reference forwarder
alike: a pixel double-fire (the same event id again) is sent once, and a page view is sent nowhere
(no destination maps page views, and no standard flow starts on one)."""
from __future__ import annotations

from collections import deque

from simulator.scenarios.model import PAGE_VIEW, PixelEvent

DOUBLE_FIRE = "pixel double-fire: this pixel event id was already handled, not sent again"
PAGE_VIEWS = "PageView is not forwarded: no destination maps page views"


class Gate:
    """Remembers event ids for `window_seconds` (a double-fire comes seconds apart; a day, like
    Segment's look-back, keeps memory flat over a long run)."""

    def __init__(self, window_seconds: int = 86400):
        self.window_seconds = window_seconds
        self._seen: set[str] = set()
        self._order: deque[tuple[int, str]] = deque()

    def repeated(self, event: PixelEvent) -> bool:
        seen, order = self._seen, self._order
        while order and order[0][0] < event.at - self.window_seconds:
            seen.discard(order.popleft()[1])
        if event.id in seen:
            return True
        seen.add(event.id)
        order.append((event.at, event.id))
        return False

    @staticmethod
    def refusal(event: PixelEvent) -> str | None:
        """Why no destination gets this event, whoever the shopper is (None: it may go on)."""
        return PAGE_VIEWS if event.name == PAGE_VIEW else None
