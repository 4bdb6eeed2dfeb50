"""Where replications run never changes a report or a sweep: one local job, two, or a real Dask cluster
(`dask scheduler` and two `dask worker` processes on loopback), even one that loses a worker to
SIGKILL mid-run. Each cluster process runs in its own session, is bounded in time (the scheduler's
idle timeout, the workers' death timeout) and is torn down with its whole process group."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.cli import main
from tests.small_scenario import write_small_scenario

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed: pip install -e '.[test]'")

BIN = Path(sys.executable).parent
REPLICATIONS = "3"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(folder: Path, name: str, *args: str) -> subprocess.Popen:
    log = (folder / f"{name}.log").open("wb")
    return subprocess.Popen([str(BIN / "dask"), *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    """The process and everything it started (a worker's nanny and its worker process)."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 15)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)
            return


@contextlib.contextmanager
def cluster(folder: Path):
    """A scheduler and two single-threaded workers on 127.0.0.1; yields (address, client, {name: process})."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    processes = {}
    try:
        processes["scheduler"] = _start(folder, "scheduler", "scheduler", "--host", "127.0.0.1", "--port",
                                        address.rsplit(":", 1)[1], "--no-dashboard", "--idle-timeout", "300")
        for name in ("w1", "w2"):
            processes[name] = _start(folder, name, "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                     "--nworkers", "1", "--name", name, "--no-dashboard", "--death-timeout", "60",
                                     "--local-directory", str(folder / name))
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
            yield address, client, processes
    finally:
        for process in processes.values():
            _stop(process)


def _run(scenario: Path, out: Path, *spread: str) -> bytes:
    assert main(["run", str(scenario), "--replications", REPLICATIONS, "--out", str(out), *spread]) == 0
    return (out / "report.json").read_bytes()


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The small scenario and its report on two local jobs: the reference every other spread must match."""
    folder = tmp_path_factory.mktemp("local")
    scenario = write_small_scenario(folder)
    return scenario, _run(scenario, folder / "jobs2", "--jobs", "2")


def test_one_job_and_two_give_the_same_bytes(local, tmp_path):
    scenario, two_jobs = local
    assert _run(scenario, tmp_path / "jobs1", "--jobs", "1") == two_jobs
    assert '"replications": 3' in two_jobs.decode() and '"intervals"' in two_jobs.decode()


def test_a_dask_cluster_gives_the_local_report_byte_for_byte(local, tmp_path):
    scenario, two_jobs = local
    with cluster(tmp_path) as (address, client, _):
        report = _run(scenario, tmp_path / "dask", "--dask", address)
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert report == two_jobs
    assert sum(executed.values()) == int(REPLICATIONS), "every replication ran on the cluster's workers"


def test_a_sweep_on_a_dask_cluster_gives_the_local_files(local, tmp_path):
    scenario, _ = local
    sweep = ["sweep", str(scenario), "--vary", "identity.match_rate=0.7", "--replications", "2"]
    assert main([*sweep, "--jobs", "2", "--out", str(tmp_path / "local")]) == 0
    with cluster(tmp_path) as (address, client, _):
        assert main([*sweep, "--dask", address, "--out", str(tmp_path / "dask")]) == 0
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert sum(executed.values()) == 4, "the base and the point, two replications each, on the cluster"
    for name in ("sweep.json", "sweep.csv", "sweep.html"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name


def test_a_worker_killed_mid_run_loses_no_replication(local, tmp_path):
    scenario, two_jobs = local
    out = tmp_path / "dask"
    with cluster(tmp_path) as (address, client, processes):
        run = subprocess.Popen([str(BIN / "simulator"), "run", str(scenario), "--replications", REPLICATIONS,
                                "--dask", address, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            busy = []
            while not busy:  # the first moment a worker holds a replication it has not finished
                assert run.poll() is None, "the run ended before a worker was seen busy"
                assert time.monotonic() < deadline, "no worker took a replication within a minute"
                busy = [worker for worker, keys in client.processing().items() if keys]
                time.sleep(0.02)
            victim = client.scheduler_info()["workers"][busy[0]]["name"]
            os.killpg(processes[victim].pid, signal.SIGKILL)
            processes[victim].wait(timeout=15)
            assert run.poll() is None, "killed mid-run: the run still waits for the victim's replication"
            output, _ = run.communicate(timeout=180)
        finally:
            if run.poll() is None:
                run.kill()
        survivors = [info["name"] for info in client.scheduler_info()["workers"].values()]
    assert run.returncode == 0, output.decode(errors="replace")
    assert survivors == [{"w1": "w2", "w2": "w1"}[victim]]
    assert (out / "report.json").read_bytes() == two_jobs


def test_no_scheduler_at_the_address_exits_2_and_says_so(local, tmp_path, capsys):
    import dask
    scenario, _ = local
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code = main(["run", str(scenario), "--replications", "2", "--dask", f"tcp://127.0.0.1:{_free_port()}",
                     "--out", str(tmp_path / "out")])
    assert code == 2 and "no Dask scheduler there" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
