"""One run at a time: an exclusive fcntl lock, so overlapping cron runs never interleave."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import LockBusyError


@contextmanager
def locked(path: Path, timeout: float = 0.0) -> Iterator[None]:
    """Hold the lock on `path` for the duration; wait up to `timeout` seconds for it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, timeout)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                waited = f" after waiting {timeout:g} s" if timeout else ""
                raise LockBusyError(
                    f"another feedkit run holds {path}{waited}; try again later "
                    "(or pass --lock-timeout SECONDS to wait)"
                ) from None
            time.sleep(0.05)
