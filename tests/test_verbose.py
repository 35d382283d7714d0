"""``verbose`` prints while the fit runs, not after it."""

import contextlib
import time

import pytest
from sklearn.datasets import make_classification, make_regression

from skdecay import DecayLinearRegressorCV, DecayLogisticClassifierCV, DecayMLPRegressor


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
