"""Execution: the one place executors are made; windows, callbacks, stops, Ctrl-C, bad addresses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sim import execution, sweep
from sim.cli import main
from sim.execution import check_dask, check_workers, open_workers
from sim.scenarios import InputError

ROOT = Path(__file__).resolve().parent.parent
PY = [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))"]
TINY = ["--years", "0.06", "--residents", "30", "--town", "generated:linear:12:1"]


# ------------------------------------------------------------------------------ checks


@pytest.mark.parametrize("address", ["local", "tcp://127.0.0.1:8786", "tls://sched.example:1"])
def test_good_dask_addresses_pass(address):
    assert check_dask(address) == address


@pytest.mark.parametrize(
    ("address", "needle"),
    [
        ("notaurl", "Invalid url scheme"),
        ("tcp://127.0.0.1", "missing port"),
        ("tcp://127.0.0.1:0", "port 1-65535"),
        ("tcp://h:99999", "port 1-65535"),
        ("ftp://h:1", "tcp://HOST:PORT"),
        (5, "tcp://HOST:PORT"),
    ],
)
def test_bad_dask_addresses_are_one_line_errors(address, needle):
    with pytest.raises(InputError, match="--dask") as err:
        check_dask(address)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_check_workers():
    assert check_workers(None) == execution.default_workers() >= 1
    assert check_workers(3) == 3
    for bad in (0, -1, True, 1.5, "2"):
        with pytest.raises(InputError, match=r"--workers .* >= 1"):
            check_workers(bad)


# ------------------------------------------------------------------------------ running


def _square(x: int) -> int:
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _worker_state() -> tuple[object, str | None, int]:
    return signal.getsignal(signal.SIGINT), os.environ.get("NUMBA_NUM_THREADS"), os.getpid()


def test_serial_runs_in_order_and_hands_errors_over():
    with open_workers(1) as pool:
        assert pool.kind == "serial" and pool.executor is None
        got, errors = [], []
        calls = [(x,) for x in range(5)]
        pool.run(
            _fail_on_three, calls, lambda i, r: got.append((i, r)), lambda i, e: errors.append(i)
        )
    assert got == [(0, 0), (1, 1), (2, 2), (4, 4)]
    assert errors == [3]
    with open_workers(1) as pool, pytest.raises(ValueError, match="three"):
        pool.run(_fail_on_three, [(x,) for x in range(5)], lambda i, r: None)


class _Counting(ThreadPoolExecutor):
    """A thread pool that records how many submitted calls were unfinished at once."""

    def __init__(self, workers: int) -> None:
        super().__init__(max_workers=workers)
        self.open = 0
        self.peak = 0
        self.started: list[int] = []
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        with self._lock:
            self.open += 1
            self.peak = max(self.peak, self.open)
            self.started.append(args[0])

        def done(_f):
            with self._lock:
                self.open -= 1

        f = super().submit(fn, *args, **kwargs)
        f.add_done_callback(done)
        return f


def test_given_executor_keeps_a_bounded_window_and_stays_open():
    with _Counting(2) as ex:
        with open_workers(executor=ex) as pool:
            assert pool.kind == "executor" and pool.workers == 2
            got: dict[int, int] = {}
            pool.run(_square, [(x,) for x in range(40)], got.__setitem__)
        assert got == {x: x * x for x in range(40)}
        assert ex.peak <= 4  # twice the workers
        assert ex.submit(_square, 3).result() == 9  # not shut down: the caller owns it


def test_an_error_stops_the_calls_not_started():
    with _Counting(1) as ex:
        pool = open_workers(executor=ex)
        calls = [(0.01,), ("boom",)] + [(0.01,)] * 20
        with pytest.raises(TypeError):
            pool.run(_sleep, calls, lambda i, r: None)
        ex.shutdown(wait=True)
        assert len(ex.started) <= 4  # only the window was ever submitted


def test_process_pool_workers_ignore_ctrl_c_and_use_one_numba_thread():
    with open_workers(2) as pool:
        assert pool.kind == "processes"
        got: dict[int, tuple] = {}
        pool.run(_worker_state, [()] * 4, got.__setitem__)
    states = list(got.values())
    assert all(s[0] == signal.SIG_IGN and s[1] == "1" for s in states)
    assert os.getpid() not in {s[2] for s in states}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # ours untouched


def test_interrupt_kills_the_pool_at_once_without_thread_errors(monkeypatch):
    thread_errors = []
    monkeypatch.setattr(threading, "excepthook", lambda a: thread_errors.append(a.exc_value))
    pool = open_workers(2)
    procs = []
    t0 = []

    def first(i, r):
        procs.extend(pool.executor._processes.values())
        t0.append(time.monotonic())
        raise KeyboardInterrupt  # as Ctrl-C in the callback would

    with pytest.raises(KeyboardInterrupt):
        pool.run(_sleep, [(0.0,)] + [(60.0,)] * 6, first)
    assert time.monotonic() - t0[0] < 10
    assert procs and not any(p.is_alive() for p in procs)
    time.sleep(0.5)
    assert thread_errors == []  # no InvalidStateError from the pool's manager thread
    pool.close()  # a second close is harmless


# ------------------------------------------------------------------------------ bad addresses


def _sweep_file(tmp_path: Path, values: int = 20) -> Path:
    vals = ", ".join(f"{0.5 + 0.05 * i:.2f}" for i in range(values))
    f = tmp_path / "ctrlc.toml"
    f.write_text(
        f"""
name = "ctrlc"
scenarios = ["consumer_led"]
replicates = 2
residents = 30
years = 0.06
town = "generated:linear:12:1"
outcomes = ["vacancy_rate", "footfall"]
[parameters]
"drivers.online_scale" = [{vals}]
[fixed]
"run.burn_in_weeks" = 0
""",
        encoding="utf-8",
    )
    return f


def _commands(tmp_path: Path, out: Path) -> dict[str, list[str]]:
    return {
        "sweep": ["sweep", str(_sweep_file(tmp_path)), "--out", str(out), "--quiet"],
        "compare": ["compare", "consumer_led", "co_produced", "--seeds", "3", *TINY]
        + ["--out", str(out)],
    }


@pytest.mark.parametrize("command", ["sweep", "compare"])
@pytest.mark.parametrize("address", ["notaurl", "tcp://127.0.0.1", "tcp://127.0.0.1:1"])
def test_bad_or_unreachable_dask_address_writes_nothing(
    tmp_path, monkeypatch, capsys, command, address
):
    monkeypatch.setattr(execution, "CONNECT_TIMEOUT_S", 1.0)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    argv = _commands(tmp_path, out)[command]
    before = sorted(p.name for p in tmp_path.iterdir())
    rc = main([*argv, "--quiet", "--dask", address])
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"towncentre: error: --dask {address}")
    assert "Traceback" not in err
    if address.endswith(":1"):
        assert "cannot connect" in lines[0]
    # no design.csv, sweep.json, lock file, output folder, results/ or temporary folder
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# ------------------------------------------------------------------------------ Ctrl-C


class _Reader(threading.Thread):
    """Collects a pipe's text as it arrives."""

    def __init__(self, pipe) -> None:
        super().__init__(daemon=True)
        self.pipe, self.chunks = pipe, []
        self.start()

    def run(self) -> None:
        for chunk in iter(lambda: self.pipe.read1(4096), b""):
            self.chunks.append(chunk)

    @property
    def text(self) -> str:
        return b"".join(self.chunks).decode(errors="replace")


def _wait(cond, proc: subprocess.Popen, what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert proc.poll() is None, f"ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.05)


def _group_gone(pgid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


EXECUTORS = {
    "serial": ["--workers", "1"],
    "processes": ["--workers", "2"],
    "dask-local": ["--workers", "2", "--dask", "local"],
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXECUTORS))
@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_ctrl_c_exits_130_quickly_without_traceback(tmp_path, command, kind):
    """Ctrl-C at the terminal (SIGINT to the whole process group) while runs are in flight."""
    out = tmp_path / "out"
    argv = _commands(tmp_path, out)[command] + EXECUTORS[kind]
    # sweep runs are slowed so that some finish and others are in flight at the Ctrl-C;
    # compare runs so that none finishes
    slow = "1" if command == "sweep" else "60"
    env = {**os.environ, sweep.SLEEP_ENV: slow, "NUMBA_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [*PY, *argv],
        cwd=tmp_path,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    err = _Reader(proc.stderr)
    log = out / "runs.jsonl"
    try:
        if command == "sweep":
            _wait(lambda: log.is_file() and log.read_bytes().count(b"\n") >= 2, proc, "runs")
        else:
            _wait(lambda: "compare:" in err.text, proc, "progress bar")
            time.sleep(3)  # the runs are submitted and the workers start or sleep
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        rc = proc.wait(timeout=30)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert _group_gone(proc.pid), "worker processes left running"
    err.join(timeout=5)
    text = err.text
    assert rc == 130, text
    assert elapsed < 10, elapsed
    assert "Traceback" not in text and "Error" not in text, text
    lines = [x for x in text.replace("\r", "\n").splitlines() if x.strip()]
    lines = [x for x in lines if not x.startswith("compare:")]  # the progress bar
    assert len(lines) == 1 and lines[0].startswith("towncentre: interrupted"), text
    if command == "compare":
        assert not out.exists()
        assert [p.name for p in tmp_path.iterdir()] == ["ctrlc.toml"]  # nothing staged left
        return
    # the log of finished runs is kept, and a rerun resumes from it
    assert "runs.jsonl" in lines[0]
    done = log.read_bytes().count(b"\n")
    assert 2 <= done < 40 and not (out / "runs.csv").exists()
    res = sweep.run_sweep(
        sweep.load_sweep(tmp_path / "ctrlc.toml"), out, workers=1, progress=False, figures=False
    )
    assert res.ran == 40 - done and res.failed == 0 and len(res.runs) == 40
