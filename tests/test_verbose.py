"""``verbose`` prints while the fit runs, not after it."""

import contextlib
import threading
import time

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

from skdecay import (
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayLogisticClassifier,
    DecayLogisticClassifierCV,
    DecayMLPRegressor,
    NonFiniteIterateError,
)
from skdecay.linear_model import _base, _progress


class TimedStream:
    """A stdout that behaves as a pipe: a line is seen when it is flushed.

    ``lines`` holds ``(time.perf_counter(), line)`` for every line seen; lines
    written but never flushed stay in ``buffered``.
    """

    def __init__(self):
        self.lines = []
        self.buffered = ""

    def write(self, text):
        self.buffered += text
        return len(text)

    def flush(self):
        *complete, self.buffered = self.buffered.split("\n")
        now = time.perf_counter()
        self.lines.extend((now, line) for line in complete)


@pytest.fixture
def stdout():
    """A TimedStream for the test to redirect sys.stdout to (pytest's capture
    sets sys.stdout as the test starts, so a fixture cannot)."""
    return TimedStream()


def _long_gd_problem():
    """A dense least-squares problem and a max_iter that 'gd' (tol=0, so it
    never stops early) needs about 1.2 s for on this machine, as loaded now."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 50))
    y = X @ rng.standard_normal(50) + rng.standard_normal(20_000)
    probe = DecayLinearRegressor(solver="gd", tol=0, max_iter=20)
    probe.fit(X, y)  # compiled and warm
    start = time.perf_counter()
    probe.fit(X, y)
    per_iteration = (time.perf_counter() - start) / 20
    return X, y, int(np.clip(1.2 / per_iteration, 40, 100_000))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_progress_lines_arrive_before_the_fit_returns(stdout, monkeypatch):
    X, y, max_iter = _long_gd_problem()
    # Sooner than the defaults (0.5 s, then every 2 s), so that a machine
    # that runs the calibrated fit faster than measured still sees lines.
    monkeypatch.setattr(_progress, "FIRST_REPORT_AFTER", 0.2)
    monkeypatch.setattr(_progress, "REPORT_EVERY", 0.3)
    model = DecayLinearRegressor(solver="gd", tol=0, max_iter=max_iter, verbose=1)
    with contextlib.redirect_stdout(stdout):
        start = time.perf_counter()
        model.fit(X, y)
        end = time.perf_counter()

    live = [(t, line) for t, line in stdout.lines if " iteration " in line]
    assert live, stdout.lines
    assert all(t < end for t, _ in live)
    assert 0.2 <= live[0][0] - start < 0.2 + 0.5
    iterations = [int(line.split("iteration")[1].split()[0]) for _, line in live]
    assert iterations == sorted(iterations)
    assert 1 <= iterations[0] < max_iter
    assert all("objective" in line and "s elapsed" in line for _, line in live)
    last_time, last = stdout.lines[-1]
    assert last.startswith(f"[gd] reached max_iter={max_iter} after {max_iter} ")
    assert "optimality violation" in last
    assert last_time >= live[-1][0]
    assert stdout.buffered == ""


def test_a_short_fit_prints_its_outcome_only(capsys):
    X, y = make_regression(n_samples=40, n_features=4, random_state=0)
    DecayLinearRegressor().fit(X, y)
    DecayLinearRegressor(verbose=1).fit(X, y)  # compiled and warm: fast
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert out[0].startswith("[newton] converged after 1 iterations in ")
    assert "objective" in out[0]


def test_the_outcome_line_says_why_it_stopped(capsys):
    X, y = make_classification(n_samples=80, n_features=5, random_state=0)
    with pytest.warns(Warning):
        DecayLogisticClassifier(solver="gd", max_iter=3, tol=0, verbose=1).fit(X, y)
    # The last line: a cold first fit prints progress while it compiles.
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("[gd] reached max_iter=3 after 3 iterations in ")
    assert "optimality violation" in line and "(tol=0)" in line


def test_verbose_zero_runs_on_the_calling_thread(monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("verbose=0 started the progress driver")

    monkeypatch.setattr(_base, "solve_reporting_progress", refuse)
    X, y = make_regression(n_samples=40, n_features=4, random_state=0)
    threads = threading.active_count()
    DecayLinearRegressor(solver="gd").fit(X, y)
    assert threading.active_count() == threads
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("verbose", [0, 1])
def test_an_error_in_the_worker_reaches_the_caller_unchanged(verbose, capsys):
    X, y = make_regression(n_samples=40, n_features=4, random_state=0)
    model = DecayLinearRegressor(solver="gd", learning_rate=1e6, verbose=verbose)
    with pytest.raises(NonFiniteIterateError, match="learning_rate=1e\\+06 is too"):
        model.fit(X, y)
    assert not hasattr(model, "coef_")
    assert capsys.readouterr().out == ""


def test_the_watcher_reads_the_recorded_prefix_and_the_fallback():
    watcher = _progress.TraceWatcher(("cd",))
    assert watcher.latest() is None and not watcher.started
    assert watcher.current == "cd"  # expected, before any solver starts

    class Trace:
        def __init__(self, n):
            self.objective = np.empty(n)

    first = Trace(10)
    watcher.watch(first, 0, "newton")
    assert watcher.started and watcher.latest() is None
    assert watcher.current == "newton"  # the one that started
    first.objective[:4] = [4.0, 3.0, 2.0, 1.5]
    assert watcher.latest() == ("newton", 4, 1.5)
    first.objective[4] = 1.25
    assert watcher.latest() == ("newton", 5, 1.25)
    # The first solver stalled after 5 iterations: the fallback's trace.
    rest = Trace(5)
    watcher.watch(rest, 5, "fista")
    assert watcher.latest() == ("newton then fista", 5, 1.25)
    rest.objective[:2] = [1.2, 1.1]
    assert watcher.latest() == ("newton then fista", 7, 1.1)


def test_cv_reports_each_fold_and_l1_ratio_as_it_finishes(stdout):
    X, y = make_regression(n_samples=90, n_features=6, noise=5.0, random_state=0)
    start = time.perf_counter()
    with contextlib.redirect_stdout(stdout):
        DecayLinearRegressorCV(
            penalty="elasticnet", l1_ratio=[0.3, 0.9], alphas=5, cv=3, n_jobs=2,
            verbose=1,
        ).fit(X, y)  # fmt: skip
    lines = [line for _, line in stdout.lines]
    folds = [line for line in lines if " fold " in line]
    assert len(folds) == 6
    for k in (1, 2, 3):
        for ratio in ("0.3", "0.9"):
            assert any(f"fold {k}/3, l1_ratio={ratio}: best score " in f for f in folds)
    assert all(" at alpha=" in f and "5 alphas in " in f for f in folds)
    chose = lines.index(next(line for line in lines if " chose alpha=" in line))
    assert all(lines.index(f) < chose for f in folds)
    # Then the refit reports its own outcome.
    assert "converged after" in lines[-1]
    assert all(t > start for t, _ in stdout.lines)


def test_cv_without_elasticnet_does_not_mention_l1_ratio(capsys):
    X, y = make_classification(n_samples=90, n_features=5, random_state=0)
    DecayLogisticClassifierCV(alphas=4, cv=3, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("[DecayLogisticClassifierCV] fold ") == 3
    assert "l1_ratio" not in out


def test_mlp_prints_each_epoch_as_it_ends(stdout):
    X, y = make_regression(n_samples=200, n_features=5, random_state=0)
    start = time.perf_counter()
    with contextlib.redirect_stdout(stdout), pytest.warns(Warning):
        model = DecayMLPRegressor(
            hidden_layer_sizes=(8,), max_iter=6, verbose=True, random_state=0
        ).fit(X, y)
    end = time.perf_counter()
    epochs = [(t, line) for t, line in stdout.lines if line.startswith("Iteration ")]
    assert [line.split(",")[0] for _, line in epochs] == [
        f"Iteration {k}" for k in range(1, model.n_iter_ + 1)
    ]
    times = [t for t, _ in epochs]
    assert start < times[0] <= times[-1] < end
    assert stdout.buffered == ""
