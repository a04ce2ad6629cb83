"""Run a function in a fresh process and report its wall time and peak resident memory.

Each measurement runs in its own spawned process so that peaks do not carry over from one
measurement to the next. Figures on a shared machine are noisy: take medians over ``repeat``.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_mb: float
    result: Any


def _peak_rss_mb() -> float:
    """Peak resident memory of this process, MB.

    Linux's ``VmHWM`` belongs to the process image: it starts afresh at ``exec``, whereas
    ``ru_maxrss`` carries over the parent's resident size at the time of the spawn.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(fn: Callable[..., Any], args: tuple[Any, ...], queue: Any) -> None:
    start = time.perf_counter()
    try:
        result = fn(*args)
    except BaseException as exc:  # the parent waits on the queue: tell it, then fail
        queue.put(exc)
        raise
    seconds = time.perf_counter() - start
    queue.put((seconds, _peak_rss_mb(), result))


def measure(fn: Callable[..., Any], *args: Any) -> Measurement:
    """Wall time and peak RSS (MB, whole process) of ``fn(*args)`` in a fresh process."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(fn, args, queue))
    process.start()
    message = queue.get()
    process.join()
    if isinstance(message, BaseException):
        raise RuntimeError(f"{fn.__name__} failed in its process: {message!r}") from message
    seconds, peak_mb, result = message
    return Measurement(seconds, peak_mb, result)


def median_of(fn: Callable[..., Any], *args: Any, repeat: int = 3) -> Measurement:
    """The run with the median wall time out of ``repeat`` fresh-process runs."""
    runs = sorted((measure(fn, *args) for _ in range(repeat)), key=lambda m: m.seconds)
    middle = runs[len(runs) // 2]
    return Measurement(
        statistics.median(r.seconds for r in runs),
        statistics.median(r.peak_rss_mb for r in runs),
        middle.result,
    )
