"""Stopping a long run cleanly on Ctrl-C (SIGINT) and on SIGTERM (what ``kill``, systemd,
Docker and Kubernetes send).

Both signals stop the run the same way: the input in flight is finished or dropped whole,
never half-written. Inside :meth:`StopSignals.deferred` (writing an input's record and its
annotated picture) a signal waits until the block ends; anywhere else it stops the run at once
by raising :class:`Stopped`, which the run loops let through like ``KeyboardInterrupt``.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

__all__ = ["StopSignals", "Stopped"]


class Stopped(BaseException):
    """The run was asked to stop by ``signum``. A ``BaseException`` like
    ``KeyboardInterrupt`` (it is not an error), so no ``except Exception`` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        """128 + the signal number, as a shell reports a process stopped by that signal:
        130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


class StopSignals:
    """Turns SIGINT and SIGTERM into :class:`Stopped` while :meth:`installed` is active."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self._depth = 0
        self._pending: int | None = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._depth:
            self._pending = signum  # raised when the deferred block ends
        else:
            raise Stopped(signum)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Handle the signals during the block (only possible in the main thread; elsewhere
        the process keeps its handlers and this does nothing)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous: dict[signal.Signals, Any] = {}
        for signum in self.SIGNALS:
            previous[signum] = signal.signal(signum, self._handle)
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """A block a signal must not cut in two; a signal that came during it stops the run
        right after it."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth and self._pending is not None:
                signum, self._pending = self._pending, None
                raise Stopped(signum)
