"""What an arm's messages did: duplicates and last-touch attribution.

A duplicate is one shopper getting two abandonment messages (browse, cart or checkout: one session
can qualify for all three) or two post-purchase messages about the same episode from two different runs (two flows, two automations, or one flow entered twice) within the window;
the follow-ups of one run are the sequence working as designed. An episode starts with each of the
shopper's sessions; a run belongs to the latest session that began at or before its trigger.
Each pair of runs counts once, labelled by their workflows' names."""
from __future__ import annotations

import bisect
import datetime as _dt
from collections import Counter, defaultdict
from itertools import combinations

from simulator.core.timefmt import parse_instant


def duplicates(runs: list[dict], purposes: dict[str, str], sessions: dict[str, list[int]], shopper_of,
               start: _dt.datetime, window_hours: float) -> Counter:
    """Pairs of runs that duplicate each other, counted by "<workflow> + <workflow>"."""
    window = window_hours * 3600
    by_episode: dict[tuple, list[tuple[str, list[int]]]] = defaultdict(list)
    for run in runs:
        sent = [_seconds(s["at"], start) for s in run["steps"] if s["outcome"] == "sent"]
        shopper = shopper_of(run["recipient"])
        if not sent or shopper is None:
            continue
        starts = sessions.get(shopper, [])
        episode = bisect.bisect_right(starts, _seconds(run["created_at"], start)) - 1
        family = "post-purchase" if purposes.get(run["workflow_name"]) == "post-purchase" else "abandonment"
        by_episode[(shopper, episode, family)].append((run["workflow_name"], sent))
    pairs: Counter = Counter()
    for runs_of_episode in by_episode.values():
        for (name_a, sent_a), (name_b, sent_b) in combinations(runs_of_episode, 2):
            if any(abs(a - b) <= window for a in sent_a for b in sent_b):
                pairs[" + ".join(sorted((name_a, name_b)))] += 1
    return pairs


def _seconds(instant: str, start: _dt.datetime) -> int:
    return int((parse_instant(instant) - start).total_seconds())


class Attribution:
    """Last touch: an order is credited to the latest open or click of the shopper's within the window
    before it (Klaviyo's default: 5 days from an email open or click, help 28413442705435)."""

    def __init__(self, window_days: float, touches: tuple[str, ...]):
        self.window = window_days * 86400
        self.kinds = set(touches)
        self._touches: dict[str, list[tuple[int, str]]] = defaultdict(list)

    def touch(self, shopper_id: str, at: int, kind: str, workflow: str) -> None:
        if kind in self.kinds:
            self._touches[shopper_id].append((at, workflow))

    def credit(self, shopper_id: str, at: int) -> str | None:
        """The workflow an order at `at` is credited to, or None."""
        for touched_at, workflow in reversed(self._touches.get(shopper_id, ())):
            if touched_at <= at:
                return workflow if at - touched_at <= self.window else None
        return None
