"""skdecay on a real Dask cluster: worker processes on loopback.

One ``LocalCluster`` (two worker processes, one thread each) serves the whole
module and is always shut down. The workers import skdecay and run its Numba
kernels (from the on-disk cache, or compiling them), and every estimator
travels to them by pickle.
"""

import joblib
import numpy as np
import pytest
from distributed import Client, LocalCluster, get_task_stream
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV

from skdecay import DecayLinearRegressor, DecayLogisticClassifier, DecaySGDClassifier


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _on_cluster(client, search, X, y, **fit_params):
    """Fit ``search`` through joblib's dask backend; return it and the number
    of tasks the workers ran (so a silent local fallback would be caught)."""
    with get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        search.fit(X, y, **fit_params)
    return search, len(stream.data)


def test_workers_are_separate_processes_that_import_skdecay(client):
    import os

    def probe():
        import skdecay

        return os.getpid(), skdecay.__version__

    answers = client.run(probe)
    assert len(answers) == 2
    pids = {pid for pid, _ in answers.values()}
    assert os.getpid() not in pids and len(pids) == 2


def test_grid_search_on_the_cluster_equals_a_local_run(client):
    X, y = make_regression(
        n_samples=200, n_features=20, n_informative=5, noise=5.0, random_state=0
    )
    grid = {"alpha": np.logspace(-3, 1, 5), "penalty": ["l1", "l2"]}
    cv = KFold(4, shuffle=True, random_state=0)
    local = GridSearchCV(DecayLinearRegressor(tol=1e-8), grid, cv=cv).fit(X, y)
    remote, n_tasks = _on_cluster(
        client, GridSearchCV(DecayLinearRegressor(tol=1e-8), grid, cv=cv, n_jobs=-1),
        X, y,
    )  # fmt: skip
    assert n_tasks > 0
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        remote.best_estimator_.coef_, local.best_estimator_.coef_, rtol=1e-10
    )


def test_randomized_search_on_the_cluster_equals_a_local_run(client):
    X, y = make_classification(
        n_samples=150, n_features=8, n_classes=3, n_informative=5, random_state=0
    )
    params = {"alpha": np.logspace(-3, 0, 20), "l1_ratio": [0.2, 0.5, 0.8]}

    def search(**kwargs):
        return RandomizedSearchCV(
            DecayLogisticClassifier(penalty="elasticnet"),
            params,
            n_iter=4,
            cv=3,
            random_state=0,
            **kwargs,
        )

    local = search().fit(X, y)
    remote, n_tasks = _on_cluster(client, search(n_jobs=-1), X, y)
    assert n_tasks > 0
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        rtol=1e-10,
    )


def test_cv_estimators_on_the_cluster_equal_a_local_run(client):
    from skdecay import DecayLinearRegressorCV, DecayLogisticClassifierCV

    X, y = make_regression(n_samples=150, n_features=15, noise=5.0, random_state=0)
    local = DecayLinearRegressorCV(penalty="l1", n_jobs=2).fit(X, y)
    remote, n_tasks = _on_cluster(
        client, DecayLinearRegressorCV(penalty="l1", n_jobs=2), X, y
    )
    assert n_tasks > 0
    assert remote.alpha_ == local.alpha_
    np.testing.assert_allclose(remote.coef_, local.coef_, rtol=1e-10)

    X, y = make_classification(n_samples=150, n_features=8, random_state=0)
    local = DecayLogisticClassifierCV(n_jobs=2).fit(X, y)
    remote, n_tasks = _on_cluster(client, DecayLogisticClassifierCV(n_jobs=2), X, y)
    assert n_tasks > 0
    assert remote.alpha_ == local.alpha_
    np.testing.assert_allclose(remote.coef_, local.coef_, rtol=1e-10)


@pytest.mark.parametrize("sparse_blocks", [False, True])
def test_incremental_trains_over_a_dask_array(client, sparse_blocks):
    """dask-ml's Incremental feeds the blocks of a dask array to partial_fit
    (in order, with shuffle_blocks=False): the same as calling it on each chunk
    ourselves."""
    import dask.array as da
    import scipy.sparse as sp
    from dask_ml.wrappers import Incremental
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(
        n_samples=600, n_features=10, n_classes=3, n_informative=5, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    X_dask = da.from_array(X, chunks=(150, 10))
    if sparse_blocks:
        X_dask = X_dask.map_blocks(sp.csr_matrix)
    y_dask = da.from_array(y, chunks=150)
    estimator = DecaySGDClassifier(alpha=1e-3, fit_intercept=not sparse_blocks)
    model = Incremental(estimator, scoring="accuracy", shuffle_blocks=False)
    model.fit(X_dask, y_dask, classes=[0, 1, 2])

    by_hand = DecaySGDClassifier(alpha=1e-3, fit_intercept=not sparse_blocks)
    for start in range(0, 600, 150):
        chunk = X[start : start + 150]
        if sparse_blocks:
            chunk = sp.csr_matrix(chunk)
        by_hand.partial_fit(chunk, y[start : start + 150], classes=[0, 1, 2])
    np.testing.assert_allclose(model.estimator_.coef_, by_hand.coef_, rtol=1e-10)
    assert model.estimator_.t_ == 601
    assert model.score(X_dask, y_dask) > 0.7
