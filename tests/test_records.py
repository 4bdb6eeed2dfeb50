"""`Records.after`: a page of a store in creation order from a cursor, skipping removed records."""
from __future__ import annotations

from simulator.core.records import Records


def test_pages_follow_creation_order_and_skip_removed_records():
    store: Records[str] = Records("thing")
    for n in range(6):
        store.add(f"id{n}", f"record {n}")
    assert store.after(None, 2) == (["record 0", "record 1"], True)
    store.remove("id2")
    assert store.after("id1", 2) == (["record 3", "record 4"], True)
    assert store.after("id4", 2) == (["record 5"], False)
    assert store.after("id5", 2) == ([], False)
    assert store.after("id2", 2) == ([], False)  # a removed cursor, like an unknown one, ends the list
    store.add("id1", "record 1 again")  # replacing keeps the place
    assert store.after(None, 2) == (["record 0", "record 1 again"], True)
