"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdecay import (
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayLogisticClassifier,
    DecayLogisticClassifierCV,
    DecaySGDClassifier,
    DecaySGDRegressor,
)


@parametrize_with_checks(
    [
        DecayLinearRegressor(),  # 'auto': newton
        DecayLinearRegressor(penalty="l1", alpha=0.01),  # 'auto': cd
        DecayLinearRegressor(penalty="l1", alpha=0.01, solver="gd"),
        DecayLinearRegressor(solver="fista"),
        DecayLogisticClassifier(),  # 'auto': newton
        # 'auto': cd for two classes, fista for more
        DecayLogisticClassifier(penalty="elasticnet", l1_ratio=0.5),
        DecayLogisticClassifier(penalty="elasticnet", l1_ratio=0.5, solver="gd"),
        DecayLogisticClassifier(solver="fista"),
        # fit's prox-SVRG converges to the batch solution: a tight tol makes
        # sample weights equal repeated rows to the 7 digits the checks ask.
        # Their data have more features than rows, uncentred when sparse
        # (sparse rows stay sparse): alpha=0.1 keeps that conditioned enough
        # to get there in a few hundred passes.
        DecaySGDRegressor(penalty="l1", alpha=0.1, tol=1e-10, max_iter=5000),
        DecaySGDClassifier(
            penalty="elasticnet", l1_ratio=0.5, alpha=0.1, tol=1e-10, max_iter=5000
        ),
        # Small grids and three folds keep the checks fast.
        DecayLinearRegressorCV(alphas=5, cv=3),
        # eps stops the path where the lasso estimators above sit: below,
        # with 30 features and 15 samples, the solution is ill-posed and
        # tol=1e-4 does not pin it to the 7 digits the checks compare.
        DecayLinearRegressorCV(
            penalty="elasticnet", l1_ratio=[0.2, 0.8], alphas=4, eps=1e-2, cv=3
        ),
        DecayLogisticClassifierCV(alphas=5, cv=3),
        DecayLogisticClassifierCV(penalty="l1", alphas=5, cv=3, selection="1se"),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
