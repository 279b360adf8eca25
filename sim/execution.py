"""Where runs execute: the one place that makes executors and runs tasks on them.

Both :func:`sim.runner.compare` and :func:`sim.sweep.run_sweep` open their workers with
:func:`open_workers` and hand them a list of calls with :meth:`Workers.run`:

* ``workers=1`` (and nothing else given): serially, in this process;
* ``workers=N``: a pool of ``N`` ``spawn`` processes (:func:`default_executor`), each with
  one numba thread (the processes already use the cores);
* ``dask="local"``: a Dask ``LocalCluster`` of ``N`` one-thread worker processes on the
  loopback interface;
* ``dask="tcp://host:port"``: an existing Dask cluster (checked and connected to before
  anything is written);
* ``executor=``: any :class:`concurrent.futures.Executor` the caller made and owns.

:meth:`Workers.run` keeps at most a window of calls submitted (twice the workers), hands
each result to a callback as it finishes, and on Ctrl-C (or any error) stops at once: calls
not started are cancelled, running ones are stopped (the workers of an own pool or
``LocalCluster`` are terminated; a cluster's tasks are cancelled), further Ctrl-C is
ignored while that happens, and the interrupt is raised again. Results never depend on
which executor ran them.

Worker processes start with Ctrl-C ignored: a Ctrl-C at the terminal reaches every process
of the foreground group, and stopping the workers is the parent's job. They inherit that from
the parent, which therefore ignores Ctrl-C while it starts them: for milliseconds per pool
process, and for the whole start of a ``LocalCluster`` (a second or more).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing.context
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from typing import Any

from sim.scenarios import InputError

#: Seconds to wait for a Dask scheduler before ``--dask ADDRESS`` is refused.
CONNECT_TIMEOUT_S: float = 10.0
#: Seconds a stop waits for terminated processes or a closing cluster.
STOP_TIMEOUT_S: float = 5.0


# ------------------------------------------------------------------------------ checks


def default_workers() -> int:
    """Default number of worker processes: ``min(2, cpu_count)``."""
    return max(1, min(2, os.cpu_count() or 1))


def check_workers(workers: Any, where: str = "--workers") -> int:
    """Validate a number of workers (None: :func:`default_workers`).

    Raises:
        InputError: not a whole number >= 1.
    """
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"{where} = {workers!r} must be a whole number >= 1")
    return workers


def check_dask(address: Any, where: str = "--dask") -> str:
    """Validate a Dask address without connecting: ``"local"`` or ``scheme://host:port``.

    Args:
        address: ``"local"`` or a scheduler address such as ``tcp://10.0.0.5:8786``.
        where: Name of the option in error messages.

    Returns:
        The address.

    Raises:
        InputError: not ``local`` and not an address Dask can parse (scheme, host, port in
            [1, 65535]).
    """
    if address == "local":
        return address
    from distributed.comm.addressing import parse_address, parse_host_port

    allowed = "'local' or a scheduler address tcp://HOST:PORT (port 1-65535)"
    if not isinstance(address, str):
        raise InputError(f"{where} {address!r} must be {allowed}")
    try:
        scheme, loc = parse_address(address, strict=True)
        host, port = parse_host_port(loc)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{where} {address}: {_one_line(exc)}; must be {allowed}") from None
    if scheme not in ("tcp", "tls", "ws", "wss") or not host or not 1 <= port <= 65535:
        raise InputError(f"{where} {address} must be {allowed}")
    return address


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# ------------------------------------------------------------------------------ signals


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C in this block (main thread only; elsewhere Python cannot change it).

    Processes started in the block inherit the ignored Ctrl-C.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


class _SpawnProcess(multiprocessing.context.SpawnProcess):
    """A ``spawn`` process that starts, and so lives, with Ctrl-C ignored.

    (Only the moment of ``start`` has Ctrl-C ignored in the parent too: a Ctrl-C in those
    milliseconds is lost.)
    """

    def start(self) -> None:
        """Start the process with SIGINT ignored (the child inherits the disposition)."""
        with _sigint_ignored():
            super().start()


class _SpawnContext(multiprocessing.context.SpawnContext):
    Process = _SpawnProcess


def _init_worker() -> None:
    """Process-pool initializer: one numba thread per process; Ctrl-C is the parent's job."""
    os.environ["NUMBA_NUM_THREADS"] = "1"
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_executor(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` ``spawn`` processes, each limited to one numba thread.

    The processes ignore Ctrl-C (the parent stops them). Use it as a context manager, or
    through :func:`open_workers`, which also stops it at once on Ctrl-C.
    """
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_SpawnContext(), initializer=_init_worker
    )


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a process pool now: terminate its workers; their futures fail.

    The futures are not cancelled first: on Python 3.11 the pool's manager thread then
    dies with ``InvalidStateError`` when it finds the dead workers. The call queue's feeder
    thread is told not to flush: with no worker left to read, a task bigger than the pipe
    would block it, and the exit with it, for ever.
    """
    procs = list((getattr(pool, "_processes", None) or {}).values())
    queue = getattr(pool, "_call_queue", None)
    if queue is not None:
        queue.cancel_join_thread()
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in procs:
        p.join(STOP_TIMEOUT_S)
    pool.shutdown(wait=True)


# ------------------------------------------------------------------------------ workers


class Workers:
    """Open workers of one kind, running calls with :meth:`run` (see the module docstring).

    Attributes:
        kind: ``"serial"``, ``"processes"``, ``"dask-local"``, ``"dask"`` or ``"executor"``.
        executor: The executor calls are submitted to (None: serial).
        workers: How many calls run at once (sizes the submission window).
    """

    def __init__(
        self,
        kind: str,
        executor: Executor | None,
        workers: int,
        close: Callable[[], None] = lambda: None,
        kill: Callable[[], None] | None = None,
    ) -> None:
        self.kind = kind
        self.executor = executor
        self.workers = workers
        self._close = close
        self._kill = kill
        self._closed = False

    def run(
        self,
        fn: Callable[..., Any],
        calls: Sequence[tuple[Any, ...]],
        on_result: Callable[[int, Any], None],
        on_error: Callable[[int, Exception], None] | None = None,
    ) -> None:
        """Call ``fn(*args)`` for every ``args`` in ``calls``; hand results over as they finish.

        Args:
            fn: A module-level function (pickled by name for processes and clusters).
            calls: Positional arguments of each call.
            on_result: ``on_result(i, result)`` for call ``i``, in the order calls finish,
                in this thread.
            on_error: ``on_error(i, exc)`` for a call that raised (default: stop every call
                and raise it).

        Raises:
            KeyboardInterrupt: interrupted; calls not started were cancelled and running
                ones stopped before this is raised.
        """
        if self.executor is None:
            for i, args in enumerate(calls):
                try:
                    res = fn(*args)
                except Exception as exc:
                    if on_error is None:
                        raise
                    on_error(i, exc)
                else:
                    on_result(i, res)
            return
        ex = self.executor
        pending: dict[Future, int] = {}
        todo = iter(enumerate(calls))

        def submit_next() -> None:
            nxt = next(todo, None)
            if nxt is not None:
                pending[ex.submit(fn, *nxt[1])] = nxt[0]

        try:
            for _ in range(2 * self.workers):
                submit_next()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    i = pending.pop(f)
                    try:
                        res = f.result()
                    except Exception as exc:  # the call raised, or its worker was lost
                        if on_error is None:
                            raise
                        on_error(i, exc)
                    else:
                        on_result(i, res)
                    submit_next()
        except BaseException:
            self.stop(list(pending))
            raise

    def stop(self, futures: Sequence[Future] = ()) -> None:
        """Stop now (Ctrl-C ignored meanwhile): cancel ``futures``, stop own workers."""
        if self._closed:
            return
        self._closed = True
        with _sigint_ignored():
            if self._kill is not None:
                self._kill()
                return
            for f in futures:
                f.cancel()
            self._close()

    def close(self) -> None:
        """Release the workers after the calls are done (own pools and clusters shut down)."""
        if not self._closed:
            self._closed = True
            self._close()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc is None:
            self.close()
        else:
            self.stop()


def open_workers(
    workers: int | None = None, dask: str | None = None, executor: Executor | None = None
) -> Workers:
    """Open the workers runs execute on (before anything is written: bad addresses fail here).

    Args:
        workers: Worker processes, or the ``LocalCluster``'s workers (None:
            :func:`default_workers`); 1 without ``dask`` runs serially in this process.
        dask: ``"local"`` for a ``LocalCluster``, or a scheduler address ``tcp://host:port``.
        executor: Any executor the caller owns (overrides ``workers`` and ``dask``; it is
            neither shut down nor killed here).

    Returns:
        The workers; use them as a context manager.

    Raises:
        InputError: a bad ``workers`` or ``dask`` value, or a scheduler that cannot be
            reached within :data:`CONNECT_TIMEOUT_S`.
    """
    n = check_workers(workers)
    if executor is not None:
        return Workers("executor", executor, getattr(executor, "_max_workers", None) or n)
    if dask is not None:
        return _open_dask(check_dask(dask), n)
    if n == 1:
        return Workers("serial", None, 1)
    pool = default_executor(n)
    return Workers("processes", pool, n, lambda: pool.shutdown(wait=True), lambda: _kill_pool(pool))


def _open_dask(address: str, n: int) -> Workers:
    from distributed import Client, LocalCluster

    if address == "local":
        # the cluster's processes start with Ctrl-C ignored, like the pool's (they are
        # started from the cluster's own thread, so the whole start is covered)
        with _sigint_ignored():
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=":0",  # any free port: 8787 may be taken
                # a stop cancels runs and drops workers mid-heartbeat: not errors to show
                silence_logs=logging.CRITICAL,
                env={"NUMBA_NUM_THREADS": "1"},
            )
            client = Client(cluster)

        def close() -> None:
            with contextlib.suppress(Exception):
                client.close(timeout=STOP_TIMEOUT_S)
            with contextlib.suppress(Exception):
                cluster.close(timeout=STOP_TIMEOUT_S)

        return Workers("dask-local", client.get_executor(pure=False), n, close)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"--dask {address}: cannot connect: {_one_line(exc)}") from None
    threads = sum(client.nthreads().values()) or n
    return Workers(
        "dask", client.get_executor(pure=False), threads, lambda: client.close(STOP_TIMEOUT_S)
    )
