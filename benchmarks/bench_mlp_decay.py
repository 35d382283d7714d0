"""What weight decay does to an MLP on real data (digits, breast_cancer).

Three tables, printed as Markdown:

1. Train and validation accuracy, and the final L2 norm of the weights, over
   a grid of ``weight_decay``, coupled (``decay_mode='l2'``, scikit-learn's
   ``alpha``) against decoupled (``'decoupled'``, AdamW), both with Adam;
   plus dropout and early stopping without decay, for comparison.
2. L1 against L2 (both decoupled, with Adam): the share of first-layer and of
   all weights that are exactly zero or below 1e-3 in magnitude, with the
   validation accuracy.

Every cell is the mean over ``--seeds`` seeds; seed ``s`` draws a
half/half train/validation split (stratified) and the initial weights. The
network is deliberately large for these small training sets (one hidden
layer of 256 units) and trained for a fixed number of epochs, with no
stopping rule, so that it can overfit: that is what decay is meant to curb.

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python benchmarks/bench_mlp_decay.py --seeds 3
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skdecay import DecayMLPClassifier

GRID = (0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)
L1_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
NEAR_ZERO = 1e-3


def datasets():
    X, y = load_digits(return_X_y=True)
    yield "digits", X, y
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast_cancer", X, y


def split(X, y, seed):
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val


def fit_scores(X, y, seeds, epochs, **params):
    """Mean (train accuracy, validation accuracy, estimator list) over seeds."""
    train, val, models = [], [], []
    for seed in range(seeds):
        X_train, X_val, y_train, y_val = split(X, y, seed)
        est = DecayMLPClassifier(
            hidden_layer_sizes=(256,),
            solver="adam",
            learning_rate_init=1e-3,
            batch_size=64,
            max_iter=epochs,
            tol=0.0,
            n_iter_no_change=epochs,
            random_state=seed,
            **params,
        ).fit(X_train, y_train)
        train.append(est.score(X_train, y_train))
        val.append(est.score(X_val, y_val))
        models.append(est)
    return np.mean(train), np.mean(val), models


def weight_norm(models):
    return np.mean([np.sqrt(sum(np.sum(W**2) for W in m.coefs_)) for m in models])


def decay_table(name, X, y, seeds, epochs):
    print(f"\n**{name}**: Adam, lr 1e-3, {epochs} epochs, batch 64, (256,) relu\n")
    print(
        "| weight_decay | coupled train | coupled val | coupled ‖W‖ "
        "| decoupled train | decoupled val | decoupled ‖W‖ |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for wd in GRID:
        cells = []
        for mode in ("l2", "decoupled"):
            train, val, models = fit_scores(
                X, y, seeds, epochs, weight_decay=wd, decay_mode=mode
            )
            cells += [f"{train:.4f}", f"{val:.4f}", f"{weight_norm(models):.1f}"]
        print(f"| {wd:g} | " + " | ".join(cells) + " |", flush=True)
    for label, params in (
        ("no decay, dropout 0.3", dict(weight_decay=0.0, dropout=0.3)),
        (
            "no decay, early stopping",
            dict(weight_decay=0.0, early_stopping=True, validation_fraction=0.2),
        ),
    ):
        train, val, models = fit_scores(X, y, seeds, epochs, **params)
        print(
            f"| {label} | {train:.4f} | {val:.4f} | {weight_norm(models):.1f} | | | |",
            flush=True,
        )


def sparsity_table(name, X, y, seeds, epochs):
    print(
        f"\n**{name}**: decoupled, Adam, {epochs} epochs; share of weights "
        f"exactly 0 / below {NEAR_ZERO:g} in magnitude\n"
    )
    print(
        "| weight_decay | penalty | layer 1: = 0 | layer 1: < 1e-3 "
        "| all: = 0 | all: < 1e-3 | val accuracy |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    for wd in L1_GRID:
        for penalty in ("l2", "l1"):
            _, val, models = fit_scores(
                X,
                y,
                seeds,
                epochs,
                weight_decay=wd,
                decay_mode="decoupled",
                penalty=penalty,
            )
            first = [m.coefs_[0] for m in models]
            every = [np.concatenate([W.ravel() for W in m.coefs_]) for m in models]
            shares = [
                np.mean([np.mean(W == 0) for W in first]),
                np.mean([np.mean(np.abs(W) < NEAR_ZERO) for W in first]),
                np.mean([np.mean(W == 0) for W in every]),
                np.mean([np.mean(np.abs(W) < NEAR_ZERO) for W in every]),
            ]
            print(
                f"| {wd:g} | {penalty} | "
                + " | ".join(f"{s:.3f}" for s in shares)
                + f" | {val:.4f} |",
                flush=True,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    threadpool_limits(1, user_api="blas")
    start = time.perf_counter()
    print("## Train vs validation accuracy, coupled vs decoupled decay")
    for name, X, y in datasets():
        decay_table(name, X, y, args.seeds, args.epochs)
    print("\n## L1 vs L2: near-zero weights")
    for name, X, y in datasets():
        sparsity_table(name, X, y, args.seeds, args.epochs)
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
