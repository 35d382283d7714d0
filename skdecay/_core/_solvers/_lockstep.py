"""Products with subsets of one design's rows, batched across threads.

The training folds of a cross-validation are row subsets of one ``X``. A
fold's Newton path makes a few products ``X_train @ v`` and ``X_train^T g``
per alpha, each a pass over its rows that costs the memory traffic of the
rows, not the arithmetic (a matrix-vector product reads every entry once).
Run as threads in lockstep, the folds hand their products to a
:class:`LockstepProducts`, which waits until every fold still running has
asked for one, then makes all of them from **one** pass over the whole
``X``: ``X @ [v_1 ... v_K]`` (each fold keeps its rows of the result) and
``X^T [g_1 ... g_K]`` (each ``g_k`` zero outside fold ``k``'s rows). With 5
folds a round reads ``X`` once instead of four times its size.

While a round runs every fold waits for it, so the pass is split by rows
between the calling thread and helper threads, one per further core: on
the 2-core machine (20000 x 100, 5 folds, one BLAS thread) a round took
0.65-0.75 ms in two halves against 1.1-1.3 ms in one, and the products,
made with the others waiting, had been 0.26 s of a 0.6 s CV. BLAS's own
threads did not do it: two OpenBLAS threads made the CV slower, and two
single-threaded ``G^T X`` on halves of the rows took longer than one on
all of them; the transposed product is therefore a small compiled kernel.

The products agree with the fold's own to rounding (another order of
summation); nothing else of the solve changes.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from .._linalg import readonly

#: A round is split by rows only from this many entries of ``X`` on. In a
#: quiet A/B (30 alphas, 5 folds, split against whole rounds, medians of 7)
#: the split took 0.85 of the time on 20000 x 100, 0.99 on 50000 x 20 and
#: 1.03 on 5000 x 50, where a helper thread's hand-over (tens of
#: microseconds a round) is most of what it saves.
SPLIT_FROM = 1_000_000


def _n_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _rows_rmatmul(Gt, X, start, stop, out):
    """``out = Gt[:, start:stop] @ X[start:stop]`` for C-ordered ``X``, in
    float64: each row adds its outer products, so the pass reads ``X`` once
    in memory order."""
    n_columns, n_features = out.shape
    for c in range(n_columns):
        for j in range(n_features):
            out[c, j] = 0.0
    for i in range(start, stop):
        for c in range(n_columns):
            g = np.float64(Gt[c, i])
            if g != 0.0:
                for j in range(n_features):
                    out[c, j] += g * X[i, j]


class LockstepProducts:
    """The products of ``n_members`` row subsets of ``X``, one pass per round.

    Each member calls :meth:`member` once, asks for products through the
    handle it gets, and calls the handle's ``leave`` when it will ask for no
    more (also on error: a member that neither asks nor leaves holds the
    others back). Used as a context manager, it shuts its helper threads
    down on exit; ``n_parts`` (default: the cores this process may use,
    1 below :data:`SPLIT_FROM` entries) is the number of row blocks a round
    is split into.
    """

    def __init__(self, X: np.ndarray, n_members: int, n_parts: int | None = None):
        self.X = X
        self.live = n_members
        self.pending: dict[int, tuple[str, np.ndarray, np.ndarray]] = {}
        self.results: dict[int, np.ndarray] = {}
        self.failure: BaseException | None = None
        self.condition = threading.Condition()
        self._next = 0
        if n_parts is None:
            n_parts = _n_cores() if X.size >= SPLIT_FROM else 1
        n_parts = max(1, min(int(n_parts), X.shape[0]))
        # The compiled kernel reads rows: a C-ordered X only. A round made
        # whole is BLAS's (no compile for a small X's CV).
        if not X.flags.c_contiguous:
            n_parts = 1
        self._kernel_X = readonly(X) if n_parts > 1 else None
        self._bounds = np.linspace(0, X.shape[0], n_parts + 1).astype(np.int64)
        self._pool = ThreadPoolExecutor(n_parts - 1) if n_parts > 1 else None

    def __enter__(self) -> LockstepProducts:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper threads (the products are made without them
        afterwards)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
            self._bounds = self._bounds[[0, -1]]

    def member(self, rows) -> _Member:
        with self.condition:
            key = self._next
            self._next += 1
        return _Member(self, key, np.asarray(rows))

    def _ask(self, key, kind, rows, operand):
        with self.condition:
            self.pending[key] = (kind, rows, operand)
            if len(self.pending) >= self.live:
                self._round()
            while key not in self.results and self.failure is None:
                self.condition.wait()
            if key not in self.results:
                raise RuntimeError("a batched product failed") from self.failure
            return self.results.pop(key)

    def _leave(self):
        with self.condition:
            self.live -= 1
            if self.pending and len(self.pending) >= self.live:
                self._round()

    def _round(self):
        """Every pending product, one pass over ``X`` per kind (called with
        the lock held: the other members are waiting for it anyway)."""
        # The members' order, not their arrival's: a product's columns then
        # sit at the same places in every run, and a CV gives the same
        # solutions bit for bit (BLAS's rounding may depend on a column's
        # place; arrival order had moved digits' fold solutions by 1e-4).
        try:
            for kind in ("matmul", "rmatmul"):
                asks = [
                    (k, r, v)
                    for k, (kd, r, v) in sorted(self.pending.items())
                    if kd == kind
                ]
                if asks:
                    self._products(kind, asks)
        except BaseException as error:  # pragma: no cover - BLAS failure
            self.failure = error
        self.pending.clear()
        self.condition.notify_all()

    def _split(self, part, *args):
        """``part(start, stop, index, *args)`` over the row blocks, the first
        on this thread and the others on the helpers; their results in
        order."""
        bounds = self._bounds
        blocks = list(zip(bounds[:-1], bounds[1:], range(len(bounds) - 1), strict=True))
        futures = [self._pool.submit(part, *b, *args) for b in blocks[1:]]
        first = part(*blocks[0], *args)
        return [first, *(f.result() for f in futures)]

    def _products(self, kind, asks):
        """The products of ``asks``, in the transposed forms: ``(V^T X^T)^T``
        and ``(G^T X)^T`` take about 3/4 of the time of ``X V`` and
        ``X^T G`` with a few columns (OpenBLAS, one thread, 20000 x 100)."""
        X = self.X
        widths = [v.shape[1] for _, _, v in asks]
        ends = np.cumsum(widths)
        if kind == "matmul":
            V = np.concatenate([v for _, _, v in asks], axis=1).astype(X.dtype)
            Zt = np.empty((int(ends[-1]), X.shape[0]), dtype=X.dtype)
            Vt = V.T

            def part(start, stop, _, Zt=Zt, Vt=Vt):
                np.matmul(Vt, X[start:stop].T, out=Zt[:, start:stop])

            self._split(part)
            Zt = np.asarray(Zt, dtype=np.float64)  # (columns, n)
            for (key, rows, _), end, width in zip(asks, ends, widths, strict=True):
                self.results[key] = Zt[end - width : end, rows].T
            return
        Gt = np.zeros((int(ends[-1]), X.shape[0]), dtype=X.dtype)
        for (_, rows, g), end, width in zip(asks, ends, widths, strict=True):
            Gt[end - width : end, rows] = g.T
        if self._kernel_X is None:
            out = np.asarray(Gt @ X, dtype=np.float64)  # (columns, n_features)
        else:
            Gt = readonly(Gt)
            n_columns, n_features = Gt.shape[0], X.shape[1]

            def part(start, stop, _, Gt=Gt):
                block = np.empty((n_columns, n_features))
                _rows_rmatmul(Gt, self._kernel_X, start, stop, block)
                return block

            out = sum(self._split(part))
        for (key, _, _), end, width in zip(asks, ends, widths, strict=True):
            self.results[key] = out[end - width : end].T


class _Member:
    """One member's handle: ``X[rows] @ V`` and ``X[rows]^T G``, float64."""

    def __init__(self, batch: LockstepProducts, key: int, rows: np.ndarray):
        self.batch, self.key, self.rows = batch, key, rows
        self.n_rows = len(rows)
        self.left = False

    def matmul(self, V):
        return self.batch._ask(self.key, "matmul", self.rows, V)

    def rmatmul(self, G):
        return self.batch._ask(self.key, "rmatmul", self.rows, G)

    def leave(self):
        if not self.left:
            self.left = True
            self.batch._leave()
