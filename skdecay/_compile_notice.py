"""One line, once per process, when a compiled kernel is being built.

The first fit of a Numba solver in a fresh environment compiles it (then it
is cached on disk: later processes load it in milliseconds). Rather than a
silent wait, skdecay says so once, through the ``skdecay`` logger at level
WARNING, which Python prints to stderr even without logging configured.
Silence it with ``logging.getLogger("skdecay").setLevel(logging.ERROR)``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from numba.core import event

logger = logging.getLogger("skdecay")

#: Cold compile of each kernel family, seconds: what the notice tells the
#: user to expect. The first figure is measured on a 2-core machine
#: (benchmarks/bench_first_fit.py, 2026-12-02 03:48 UTC, cold fit: cd 1.7,
#: prox_newton 1.7, the stochastic passes 1.8-1.9, fista's multinomial path
#: 3.6, the networks 3.5-3.6, gd 3.2 in the all-solvers run), the second
#: about twice that, a loaded machine. 'prox_newton' compiles coordinate
#: descent's kernel (a lasso's), and 'gd' and 'fista' share theirs. 'newton'
#: compiles only on sparse data, its Hessian's kernel (0.43-0.45 s,
#: 2026-12-02 08:22 UTC).
EXPECTED_SECONDS = {
    "newton": "0.5-1",
    "cd": "1.5-4",
    "prox_newton": "1.5-4",
    "gd": "3-7",
    "fista": "3.5-7",
    "stochastic": "2-4",
    "network": "3.5-7",
}

_announced = False


class _FirstCompile(event.Listener):
    """Logs the notice at the first compilation it sees, then nothing."""

    def __init__(self, what: str) -> None:
        self.what = what

    def on_start(self, ev) -> None:
        global _announced
        if _announced:
            return
        _announced = True
        seconds = EXPECTED_SECONDS.get(self.what, "5-20")
        logger.warning(
            "skdecay: compiling the %r kernels for this machine, once (about %s s; "
            "they are then cached on disk and load in milliseconds).",
            self.what,
            seconds,
        )

    def on_end(self, ev) -> None:
        pass


@contextmanager
def compile_notice(what: str) -> Iterator[None]:
    """Announce (once per process) any Numba compilation in this block."""
    if _announced:
        yield
        return
    with event.install_listener("numba:compile", _FirstCompile(what)):
        yield
