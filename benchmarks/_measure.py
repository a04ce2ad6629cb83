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


def _child(fn: Callable[..., Any], args: tuple[Any, ...], queue: Any) -> None:
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((seconds, max(peak, baseline) / 1024, result))


def measure(fn: Callable[..., Any], *args: Any) -> Measurement:
    """Wall time and peak RSS (MB, whole process) of ``fn(*args)`` in a fresh process."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(fn, args, queue))
    process.start()
    seconds, peak_mb, result = queue.get()
    process.join()
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
