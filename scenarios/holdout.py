"""A merchant's holdout, as Klaviyo users run one without a built-in flow holdout: a persistent,
shopper-level random share is marked on the profile (`upstack_holdout: true`, set by the forwarder
with the events it sends, so held-out shoppers' events still flow), and the forwarder's cloned flows
filter out profiles that carry the mark (a persistent user-level holdout of 5-10% of abandoners, as
https://attribuly.com/blogs/measure-abandoned-cart-email-incrementality-step-by-step recommends).

Whether a person is held out is a hash of the seed and their email, so it is the same in every arm,
every replication with that seed, and every send, and the runner can score it from the ground truth."""
from __future__ import annotations

import hashlib

PROPERTY = "upstack_holdout"


def held_out(email: str, share: float, seed: int) -> bool:
    if share <= 0:
        return False
    digest = hashlib.blake2b(f"{seed}|holdout|{email.strip().lower()}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2 ** 64 < share


def flow_filter_group() -> dict:
    """The profile-filter group a cloned flow gets: only profiles without the holdout mark enter."""
    return {"conditions": [{"type": "profile-property", "property": f"properties['{PROPERTY}']",
                            "filter": {"type": "existence", "operator": "not-set"}}]}
