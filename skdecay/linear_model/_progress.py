"""``verbose``: print a compiled solver's progress while it runs.

The kernels run without the GIL and record each iteration's objective into a
:class:`~skdecay._core._solvers.Trace`. With ``verbose`` the solve runs on a
worker thread; the calling thread waits on it and, between waits, reads how
far the trace is filled and prints a line: the first after
``FIRST_REPORT_AFTER`` seconds, then every ``REPORT_EVERY`` seconds, then the
outcome. Without ``verbose`` none of this runs: no thread, no NaN fill.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from .._core._problem import DecayResult

#: Seconds before the first progress line (a fit shorter than this prints
#: only its outcome).
FIRST_REPORT_AFTER = 0.5
#: Seconds between progress lines after the first.
REPORT_EVERY = 2.0


class TraceWatcher:
    """Reads, from any thread, how far a solver has filled its traces.

    :meth:`watch` is ``solve_prepared``'s ``on_trace`` hook: it runs on the
    solving thread before each solver starts, and fills the objective with
    NaN so that the recorded iterations are the non-NaN prefix (a kernel
    writes them in order).
    """

    def __init__(self, solvers: tuple[str, ...]) -> None:
        self.solvers = solvers  # the expected ones, until a solver starts
        self._traces: list = []  # (objective array, first iteration, solver)
        self._n_seen = 0  # traces seen by the last call to latest()
        self._filled = 0  # recorded entries of the last trace, as last seen

    @property
    def started(self) -> bool:
        """Whether a solver has been handed its trace (the problem is ready)."""
        return bool(self._traces)

    @property
    def current(self) -> str:
        """The solver running (the one expected first, before any starts:
        'auto' may pick another once it has seen the problem)."""
        traces = list(self._traces)
        return traces[-1][2] if traces else self.solvers[0]

    def watch(self, trace, first_iteration: int, solver: str) -> None:
        trace.objective[:] = np.nan
        self._traces.append((trace.objective, first_iteration, solver))

    def latest(self) -> tuple[str, int, float] | None:
        """``(solver, iterations done, last objective)``; None before the
        first iteration."""
        traces = list(self._traces)  # one view, whatever the solver appends
        if not traces:
            return None
        if len(traces) != self._n_seen:
            self._n_seen, self._filled = len(traces), 0
        objective, first, _ = traces[-1]
        # The first NaN from the entries already seen on, by bisection: the
        # recorded entries are a prefix.
        low, high = self._filled, objective.shape[0]
        while low < high:
            middle = (low + high) // 2
            if np.isnan(objective[middle]):
                high = middle
            else:
                low = middle + 1
        self._filled = low
        solver = " then ".join(name for _, _, name in traces)
        if low > 0:
            return solver, first + low, float(objective[low - 1])
        if first == 0:
            return None
        # The fallback has not finished an iteration: where the first stopped.
        previous = traces[-2][0]
        return solver, first, float(previous[first - 1])


def progress_line(watcher: TraceWatcher, elapsed: float) -> str:
    """One line: the iterations done and the objective, or why there are none."""
    latest = watcher.latest()
    if latest is None:
        what = "no iteration done" if watcher.started else "preparing the problem"
        return (
            f"[{watcher.current}] {what}, {elapsed:.1f} s elapsed (a solver's "
            "first fit in a process compiles it)"
        )
    solver, n_iter, objective = latest
    return (
        f"[{solver}] iteration {n_iter:6d}  objective {objective:.10g}  "
        f"{elapsed:.1f} s elapsed"
    )


def outcome_line(result: DecayResult, max_iter: int, tol: float, seconds: float) -> str:
    """The last line: converged, stalled or out of iterations, and how far."""
    solver = " then ".join(result.solvers)
    done = f"after {result.n_iter} iterations in {seconds:.2f} s"
    objective = f"objective {result.objective:.10g}"
    violation = f"optimality violation {result.violation:.2g} (tol={tol:g})"
    if result.converged:
        return f"[{solver}] converged {done}: {objective}"
    if result.stalled:
        return f"[{solver}] stopped making progress {done}: {objective}, {violation}"
    return f"[{solver}] reached max_iter={max_iter} {done}: {objective}, {violation}"


def solve_reporting_progress(
    solve: Callable[[Callable], DecayResult],
    *,
    solvers: tuple[str, ...],
    max_iter: int,
    tol: float,
) -> DecayResult:
    """``solve(on_trace)`` on a worker thread, printing progress from this one.

    ``solvers`` names the solver and, if any, its fallback. An exception in
    the worker (e.g. :class:`~skdecay.NonFiniteIterateError`) is raised here
    as it is. An interrupt (Ctrl-C) stops the wait at once, but the compiled
    loop cannot be stopped: it finishes on its own, in the background.
    """
    watcher = TraceWatcher(solvers)
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["result"] = solve(watcher.watch)
        except BaseException as error:  # handed to the calling thread
            outcome["error"] = error

    start = time.perf_counter()
    worker = threading.Thread(target=work, name="skdecay-solve", daemon=True)
    worker.start()
    report_at = start + FIRST_REPORT_AFTER
    while True:
        worker.join(timeout=max(report_at - time.perf_counter(), 0.0))
        if not worker.is_alive():
            break
        print(progress_line(watcher, time.perf_counter() - start), flush=True)
        report_at += REPORT_EVERY
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["result"]
    print(outcome_line(result, max_iter, tol, time.perf_counter() - start), flush=True)
    return result
