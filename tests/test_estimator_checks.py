"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdecay import DecayLinearRegressor, DecayLogisticClassifier


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
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
