"""Where replications run: in local processes (`--jobs`, default every core) or on an existing Dask
distributed cluster (`--dask tcp://HOST:PORT`, the optional `flow-sandbox[dask]` extra). Results
come back in the order of the tasks, so where the work ran never changes the report."""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from typing import Callable


class SpreadError(Exception):
    """Where the work was sent cannot take it (no dask extra, no scheduler at the address)."""


def spread(fn: Callable, tasks: list, jobs: int | None = None, dask: str | None = None) -> list:
    if dask:
        try:
            from dask.distributed import Client
        except ImportError:
            raise SpreadError("--dask needs the dask extra: pip install 'flow-sandbox[dask]'") from None
        try:
            client = Client(dask)
        except (OSError, ValueError) as exc:  # ValueError: an address Dask cannot parse
            raise SpreadError(f"--dask {dask}: no Dask scheduler there ({exc})") from None
        with client:
            # pure=False: two equal tasks are still two replications; a task whose worker dies
            # is run again on another, so a lost worker loses no replication.
            return client.gather(client.map(fn, tasks, pure=False))
    jobs = min(jobs or os.cpu_count() or 1, len(tasks))
    if jobs <= 1:
        return [fn(task) for task in tasks]
    # spawn: a fresh interpreter per worker, never a fork of a process that may hold threads
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(fn, tasks))
