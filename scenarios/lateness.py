"""How late the vendor heard of what shoppers did, read from the sandbox's runs: each run starts
when an event meets a workflow's trigger, and the event carries the time the shopper acted (the
forwarder and the native integration send it), so the run's start minus that time is the event's
delivery delay plus the vendor's processing. An outage or a retry storm shows here: events that
arrive hours late, and flows that fire late (a run that starts more than `LATE_SECONDS` after its
event: a cart email an hour later than the flow says)."""
from __future__ import annotations

from simulator.core.timefmt import parse_instant

LATE_SECONDS = 600  # ten minutes: past every forwarder's normal latency (60 s) and the vendor's processing


def lateness(runs: list[dict]) -> dict:
    """`{late_seconds, delay_seconds: {p50, p95, max}, late_runs, late_by_workflow}` over the runs
    whose trigger was an event with a time."""
    delays, late = [], {}
    for run in runs:
        acted = (run.get("trigger_event") or {}).get("at")
        if not acted:
            continue
        delay = (parse_instant(run["created_at"]) - parse_instant(acted)).total_seconds()
        delays.append(delay)
        if delay > LATE_SECONDS and run["status"] != "not_entered":
            late[run["workflow_name"]] = late.get(run["workflow_name"], 0) + 1
    delays.sort()

    def at(share: float) -> float:
        return round(delays[min(len(delays) - 1, int(share * len(delays)))], 1) if delays else 0.0
    return {"late_seconds": LATE_SECONDS, "delay_seconds": {"p50": at(0.5), "p95": at(0.95), "max": at(1.0)},
            "late_runs": sum(late.values()), "late_by_workflow": dict(sorted(late.items()))}
