"""A scenario's expectations, each checked against the finished report: a figure within [min, max].

    entries               workflow_entries[workflow] of the arm
    messages_per_shopper  messages_per_shopper[stat] (stat: max, the default, or mean)
    duplicates            duplicates, or duplicates_by_pair[pair] when `pair` is given
    uplift                uplift[arm][metric]: the arm against the first, as a ratio minus 1 (over every
                          replication, `intervals.uplift[arm][metric].mean`, when there are several)
    metric                any number in the arm's report by dotted path, e.g. delivery.lost"""
from __future__ import annotations


def check(expectations: list[dict], report: dict) -> list[dict]:
    return [_check(e, report) for e in expectations]


def _check(expectation: dict, report: dict) -> dict:
    arm_name = expectation["arm"]
    arm = report["arms"][arm_name]
    kind = expectation["type"]
    if kind == "entries":
        subject = f"entries into {expectation['workflow']!r}"
        actual = arm["workflow_entries"].get(expectation["workflow"], 0)
    elif kind == "messages_per_shopper":
        stat = expectation.get("stat", "max")
        subject, actual = f"messages per shopper ({stat})", arm["messages_per_shopper"][stat]
    elif kind == "duplicates":
        pair = expectation.get("pair")
        subject = f"duplicates {pair!r}" if pair else "duplicates"
        actual = arm["duplicates_by_pair"].get(pair, 0) if pair else arm["duplicates"]
    elif kind == "uplift":
        subject, actual = f"uplift of {expectation['metric']}", report["uplift"][arm_name].get(expectation["metric"])
        replicated = ((report.get("intervals") or {}).get("uplift") or {}).get(arm_name, {}).get(expectation["metric"])
        if replicated is not None:
            actual = replicated["mean"]
    else:
        subject, actual = expectation["path"], _at_path(arm, expectation["path"])
    low, high = expectation.get("min"), expectation.get("max")
    bounds = f"[{'' if low is None else low}, {'' if high is None else high}]"
    passed = isinstance(actual, (int, float)) and (low is None or actual >= low) and (high is None or actual <= high)
    return {"name": f"{arm_name}: {subject} in {bounds}", "passed": passed, "actual": actual}


def _at_path(document, path: str):
    for part in path.split("."):
        if not isinstance(document, dict) or part not in document:
            return None
        document = document[part]
    return document
