#!/usr/bin/env bash
# Run skdecay and its peers on the problems of issue 13 in benchopt's own
# benchmarks, then print the time-to-1e-6 table.
#
# Usage: benchmarks/benchopt/run.sh CLONES [lasso|logreg_l1|logreg_l2 ...]
#
# CLONES holds clones of benchopt/benchmark_lasso, benchmark_logreg_l1 and
# benchmark_logreg_l2 (see README.md); this links skdecay's solver file into
# each. BENCHOPT_OPTIONS overrides the run options (repetitions, runs per
# curve, timeout per solver and problem).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
clones=$(cd "${1:?folder holding the three benchmark clones}" && pwd)
shift
which=("$@")
[ ${#which[@]} -eq 0 ] && which=(lasso logreg_l1 logreg_l2)
read -r -a options <<< "${BENCHOPT_OPTIONS:---no-plot --no-display --no-cache -r 3 -n 100 --timeout 60}"
stamp=$(date -u +%Y%m%d-%H%M)
outputs=()
for b in "${which[@]}"; do
    # A copy, not a link: benchopt 1.7 resolves links and then cannot name
    # the module relative to the benchmark folder.
    cp "$here/benchmark_$b/solvers/skdecay.py" "$clones/benchmark_$b/solvers/skdecay.py"
    case $b in
    lasso)
        benchopt run "$clones/benchmark_lasso" "${options[@]}" \
            -o "Lasso Regression[fit_intercept=[False,True],reg=0.1]" \
            -d "simulated['n_samples, n_features'=[(100,10000),(500,600)],rho=0.6]" \
            -s "skdecay[blas_threads=[None,1]]" -s Celer -s skglm -s sklearn -s cd \
            --output "skdecay_lasso_$stamp"
        # y is constant there: with an intercept lambda_max is 0.
        benchopt run "$clones/benchmark_lasso" "${options[@]}" \
            -o "Lasso Regression[fit_intercept=False,reg=0.1]" -d lars_adversarial \
            -s "skdecay[blas_threads=[None,1]]" -s Celer -s skglm -s sklearn -s cd \
            --output "skdecay_lasso_lars_$stamp"
        outputs+=("$clones/benchmark_lasso/outputs/skdecay_lasso_lars_$stamp.parquet")
        ;;
    logreg_l1)
        benchopt run "$clones/benchmark_logreg_l1" "${options[@]}" \
            -o "Sparse Logistic Regression[reg=[0.1,0.05]]" \
            -d "simulated['n_samples, n_features'=[(500,2000),(500,5000)]]" \
            -s "skdecay[blas_threads=[None,1]]" -s Celer -s skglm -s "sklearn[liblinear]" -s cd \
            --output "skdecay_logreg_l1_$stamp"
        ;;
    logreg_l2)
        benchopt run "$clones/benchmark_logreg_l2" "${options[@]}" \
            -o "L2 Logistic Regression[lmbd=[1.0,0.01]]" \
            -d "simulated['n_samples, n_features'=[(200,500),(1000,10)]]" \
            -s "skdecay[blas_threads=[None,1]]" -s "sklearn[liblinear,newton-cg,newton-cholesky,lbfgs]" \
            -s cd \
            --output "skdecay_logreg_l2_$stamp"
        ;;
    *)
        echo "unknown benchmark $b" >&2
        exit 2
        ;;
    esac
    outputs+=("$clones/benchmark_$b/outputs/skdecay_${b}_$stamp.parquet")
done
python "$here/table.py" --all "${outputs[@]}"
