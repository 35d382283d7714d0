"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdecay import DecayLinearRegressor, DecayLogisticClassifier


@parametrize_with_checks(
    [
        DecayLinearRegressor(),
        DecayLinearRegressor(penalty="l1", alpha=0.01, solver="gd"),
        DecayLogisticClassifier(),
        DecayLogisticClassifier(penalty="elasticnet", l1_ratio=0.5, solver="gd"),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
