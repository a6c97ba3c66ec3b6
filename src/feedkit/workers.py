"""Spread CPU-bound work (parsing, rendering, writing feeds) over the machine's cores.

Posts and feeds are independent, so large runs split them across processes. Small jobs stay
in this process: starting workers costs more than it saves below a few hundred items. Workers
are forked at each call, so they inherit the job's context (site, compiled validators, rendered
posts) without pickling it; only items and results cross process boundaries.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import os
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any, TypeVar, cast

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS_PER_WORKER = 400
BATCH_SIZE = 32
MESSAGES_PER_WORKER = 16

IN_FLIGHT = 2  # ranges sent to a worker ahead: the next one is there when it finishes one
PIPE_BYTES = 1 << 20  # a result this large is written without waiting for the parent to read

_job: tuple[Callable[[Any, Any], Any], Any, Sequence[Any]] | None = None  # while mapping


class WorkerError(RuntimeError):
    """A worker process died, or raised something that could not be sent back."""


def worker_count() -> int:
    """Cores this process may use (respects CPU affinity and FEEDKIT_WORKERS)."""
    configured = os.environ.get("FEEDKIT_WORKERS")
    if configured:
        return max(1, int(configured))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def parallel_map(
    function: Callable[[C, T], R],
    context: C,
    items: Sequence[T],
    min_per_worker: int = MIN_ITEMS_PER_WORKER,
    chunk: int = 0,
) -> Iterator[R]:
    """`function(context, item) for item in items`, in order, in several processes if it pays.

    Items go to the workers `chunk` at a time (by default about a quarter of a worker's share).
    """
    global _job
    workers = min(worker_count(), len(items) // min_per_worker)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for item in items:
            yield function(context, item)
        return
    chunk = chunk or max(1, min(200, len(items) // (workers * 4)))
    _job = (function, context, items)
    try:
        ranges = [(at, min(at + chunk, len(items))) for at in range(0, len(items), chunk)]
        with _Pool(workers) as pool:
            for results in pool.map(ranges):
                yield from results
    finally:
        _job = None


def parallel_batches(
    function: Callable[[C, Sequence[T]], list[R]],
    context: C,
    items: Sequence[T],
    size: int = BATCH_SIZE,
    min_per_worker: int = MIN_ITEMS_PER_WORKER,
    per_message: int = 0,
) -> Iterator[R]:
    """`function(context, batch)` for batches of `items`, results flattened, in order.

    For work done in stages: taking a batch through one stage at a time keeps that stage's
    code in the CPU's caches, ~30% faster than taking each item through every stage in turn
    (rendering: Markdown, then nh3, then the summary, then the feed items). Workers inherit
    `items` and receive only index ranges. Their results come back `per_message` batches at
    a time (0: a few, see below).
    """
    spans = [range(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    per_worker = max(1, min_per_worker // size)
    # Each message costs the parent a wake-up, a receive and an unpickle: ~16 a worker, a
    # few batches each, keep that small while the last one, which nothing overlaps, is short.
    per_message = per_message or max(1, len(spans) // (worker_count() * MESSAGES_PER_WORKER))
    job = (function, context, items)
    for results in parallel_map(_batch, job, spans, per_worker, per_message):
        yield from results


def _batch(job: tuple[Callable[[Any, Any], list[Any]], Any, Any], span: range) -> list[Any]:
    function, context, items = job
    return function(context, items[span.start : span.stop])


class _Pool:
    """Forked worker processes, each with a pipe for ranges of items and one for results.

    concurrent.futures' pool sends every result through one shared pipe, behind a lock, read
    by a thread of the parent that contends for the GIL with the thread using the results:
    in a 10,000-post run each worker spent 11-17% of a phase between batches, sending
    results and waiting for work. Here each worker writes to its own pipe, enlarged so that
    it rarely waits for the parent to read, and always has its next range waiting; the
    parent reads whichever result is ready, on its one thread.
    """

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("fork")
        self._workers: list[tuple[multiprocessing.process.BaseProcess, Connection, Connection]] = []
        try:
            for _ in range(count):
                task_reader, task_writer = context.Pipe(duplex=False)
                result_reader, result_writer = context.Pipe(duplex=False)
                _enlarge(result_writer)
                process = context.Process(
                    target=_serve, args=(task_reader, result_writer), daemon=True
                )
                process.start()
                task_reader.close()
                result_writer.close()
                self._workers.append((process, task_writer, result_reader))
        except BaseException:
            self._stop(kill=True)
            raise

    def map(self, ranges: list[tuple[int, int]]) -> Iterator[list[Any]]:
        """The results of each range, in order, as soon as they and those before are in.

        A range that failed raises when its turn comes, so the error a run reports is the
        first in item order, whichever worker happened to fail first: as in one process.
        """
        todo = deque(enumerate(ranges))
        sent: dict[Connection, deque[int]] = {}
        for _, task_writer, result_reader in self._workers:
            sent[result_reader] = deque()
            for _ in range(IN_FLIGHT):
                _send(task_writer, sent[result_reader], todo)
        writers = {reader: writer for _, writer, reader in self._workers}
        done: dict[int, tuple[str, Any]] = {}
        for index in range(len(ranges)):
            while index not in done:
                for ready in wait([r for r, indices in sent.items() if indices]):
                    reader = cast(Connection, ready)
                    outcome = _receive(reader)
                    done[sent[reader].popleft()] = outcome
                    if outcome[0] == "error":
                        todo.clear()  # every range not yet sent comes after this one
                    _send(writers[reader], sent[reader], todo)
            kind, value = done.pop(index)
            if kind == "error":
                raise value
            yield value

    def __enter__(self) -> _Pool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: object, trace: TracebackType | None
    ) -> None:
        self._stop(kill=kind is not None)  # after a failure, no worker goes on with its range

    def _stop(self, *, kill: bool) -> None:
        for process, task_writer, _ in self._workers:
            if kill:
                process.kill()
            else:
                try:
                    task_writer.send(None)
                except OSError:
                    process.kill()
        for process, task_writer, result_reader in self._workers:
            process.join()
            task_writer.close()
            result_reader.close()


def _enlarge(connection: Connection) -> None:
    setting = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    with contextlib.suppress(OSError):  # over /proc/sys/fs/pipe-max-size: keep the default
        if setting is not None:
            fcntl.fcntl(connection.fileno(), setting, PIPE_BYTES)


def _send(writer: Connection, sent: deque[int], todo: deque[tuple[int, tuple[int, int]]]) -> None:
    if todo:
        index, span = todo.popleft()
        try:
            writer.send(span)
        except OSError:  # BrokenPipeError: it is gone
            raise WorkerError("a worker process ended unexpectedly") from None
        sent.append(index)


def _receive(reader: Connection) -> tuple[str, Any]:
    """("ok", results) or ("error", the exception to raise)."""
    try:
        return cast(tuple[str, Any], reader.recv())
    except EOFError:
        raise WorkerError("a worker process ended unexpectedly") from None


def _serve(tasks: Connection, results: Connection) -> None:
    """A worker: compute each range it is sent until it is sent None."""
    assert _job is not None
    function, context, items = _job  # inherited: neither it nor the items are pickled
    while True:
        try:
            span = tasks.recv()
        except EOFError:  # the parent is gone
            return
        if span is None:
            return
        start, stop = span
        try:
            results.send(("ok", [function(context, item) for item in items[start:stop]]))
        except BaseException as exc:  # the parent raises it
            try:
                results.send(("error", exc))
            except Exception:  # an exception that cannot be pickled: send its text
                results.send(("error", WorkerError("".join(traceback.format_exception(exc)))))
