"""Working-set proximal coordinate descent with Anderson extrapolation.

Coordinate descent is gradient descent one feature at a time: for feature
``j`` (the row ``W_j`` of all outputs at once, a block for the multinomial
loss) it takes the proximal weight-decay step

    W_j <- soft_threshold(W_j - (grad_j + l2_j W_j) / d_j, l1_j / d_j)

with the coordinate's own Lipschitz constant ``d_j`` (the preconditioner:
curvature bound times the weighted spread of feature ``j``, plus ``l2_j``), then
updates the linear predictor ``Z`` on the rows of column ``j`` only. A sweep
over a sparse design therefore costs O(nnz), and each coordinate gets the step
that suits its own scale.

Two devices make it fast on sparse solutions (Massias, Gramfort & Salmon,
"Celer", ICML 2018; Bertrand & Massias, "Anderson acceleration of coordinate
descent", AISTATS 2021):

* a **working set**: the features that violate the optimality conditions most
  (and every feature already non-zero) are solved as a small sub-problem,
  whose size doubles with the support; the full gradient is computed only
  between sub-problems, to pick the next set and to test convergence;
* **Anderson extrapolation**: every ``ANDERSON_MEMORY + 1`` sweeps the last
  iterates are combined into the affine combination with the smallest
  residual; it is kept only if it lowers the objective.

The intercept is one more coordinate (a column of ones, never penalised),
updated after every sweep. Features are centred implicitly, as in the other
solvers: a dense column entry by entry; a sparse column through a per-output
offset on the predictor, so a step still costs the column's non-zeros. That
needs the total derivative of the loss over all rows, which a centred step
leaves unchanged only for the squared loss; sparse problems with another
loss are solved uncentred (the intercept step then does the coupling; the
'prox_newton' solver brings those back to centred squared-loss models).

The stopping rule is the package's: the optimality residual of the full
problem at the returned iterate is at most ``tol``.
"""

import math

import numpy as np
from numba import njit

from .._linalg import column_entry, column_range, design_matmul, stores_every_row
from .._losses import (
    datafit_derivative,
    datafit_gradient,
    datafit_is_separable,
    datafit_row_derivative,
    datafit_value,
)
from .._prox import coordinate_violation, soft_threshold
from ._common import (
    CONVERGED,
    INTERNAL,
    MAX_ITER_REACHED,
    NON_FINITE,
    _smooth_gradient,
    record_iterate,
    specialised_entry,
)

#: Size of the first working set.
FIRST_WORKING_SET = 10
#: Number of iterate differences combined by one Anderson extrapolation.
ANDERSON_MEMORY = 5
#: Relative Tikhonov term of the Anderson system.
ANDERSON_REGULARISATION = 1e-10
#: A sub-problem is solved until its residual is this fraction of the full
#: problem's residual when the working set was chosen.
INNER_TOLERANCE_RATIO = 0.3


@njit(cache=True, nogil=True, inline="always")
def _column_centring(problem, j):
    """``(centre, implicit)``: how feature ``j``'s mean enters a column walk.

    A dense column stores every row, so ``x_ij - m_j`` is formed entry by
    entry (``centre = m_j``). A sparse column stores its non-zeros only: the
    walk uses the raw values and the mean's share is handled in closed form
    (``implicit = m_j``), so a step costs the column's non-zeros, not
    ``n_samples``.
    """
    mean = problem.x_mean[j]
    if stores_every_row(problem.X):
        return mean, 0.0
    return 0.0, mean


@njit(cache=True, nogil=True, **INTERNAL)
def _feature_gradient(problem, j, Z, offset, total_derivative, derivative, out):
    """``out_k = sum_i w_i dloss/dz_ik (x_ij - m_j)``, walking column ``j``.

    The predictor is ``Z + offset`` (see :func:`_shift_predictor`). For a
    sparse centred column the implicit zeros contribute
    ``-m_j * total_derivative_k``, with ``total_derivative_k = sum_i w_i
    dloss/dz_ik`` over all rows. That sum is unchanged by a centred
    coordinate step of the squared loss, the only loss for which a sparse
    problem is centred. A loss that is separable across outputs is
    differentiated one entry at a time (a scalar the compiler keeps in
    registers); the multinomial loss a row at a time, into ``derivative``.
    """
    X = problem.X
    centre, implicit = _column_centring(problem, j)
    start, stop = column_range(X, j)
    if datafit_is_separable(problem.loss):
        for k in range(out.shape[0]):
            shift = offset[k]
            acc = 0.0
            for jj in range(start, stop):
                i, value = column_entry(X, j, jj)
                acc += (
                    problem.weights[i]
                    * (value - centre)
                    * datafit_derivative(problem.loss, problem.Y[i, k], Z[i, k] + shift)
                )
            out[k] = acc - implicit * total_derivative[k]
        return
    out[:] = 0.0
    for jj in range(start, stop):
        i, value = column_entry(X, j, jj)
        datafit_row_derivative(problem.loss, problem.Y, Z, i, derivative)
        weighted = problem.weights[i] * (value - centre)
        for k in range(out.shape[0]):
            out[k] += weighted * derivative[k]


@njit(cache=True, nogil=True, **INTERNAL)
def _shift_predictor(problem, j, delta, Z, offset):
    """``Z + offset`` moves by ``(x_j - m_j) delta^T``.

    The stored rows of column ``j`` change in ``Z``; the mean's share, the
    same for every row, goes to ``offset`` (folded into ``Z`` once per sweep
    by :func:`_fold_offset`).
    """
    X = problem.X
    centre, implicit = _column_centring(problem, j)
    start, stop = column_range(X, j)
    for k in range(delta.shape[0]):
        step = delta[k]
        if step == 0.0:
            continue
        offset[k] -= implicit * step
        for jj in range(start, stop):
            i, value = column_entry(X, j, jj)
            Z[i, k] += (value - centre) * step


@njit(cache=True, nogil=True, inline="always")
def _fold_offset(Z, offset):
    for k in range(offset.shape[0]):
        if offset[k] != 0.0:
            for i in range(Z.shape[0]):
                Z[i, k] += offset[k]
            offset[k] = 0.0


@njit(cache=True, nogil=True, inline="always")
def _intercept_gradient(problem, Z, G, out):
    """Fill ``out`` with the intercept's gradient; return the loss value."""
    value = datafit_gradient(problem.loss, problem.Y, Z, problem.weights, G)
    out[:] = 0.0
    for i in range(G.shape[0]):
        for k in range(out.shape[0]):
            out[k] += G[i, k]
    return value


@njit(cache=True, nogil=True, **INTERNAL)
def _sweep(
    problem, working_set, W, Z, offset, total_derivative, derivative, grad_j, delta
):
    """One proximal coordinate step on every feature of ``working_set``.

    Returns the largest optimality violation met before a step (in
    standardised units): the gradient each step needs is the one the
    sub-problem's stopping test needs, so the test costs nothing extra.
    """
    worst = 0.0
    for j in working_set:
        _feature_gradient(problem, j, Z, offset, total_derivative, derivative, grad_j)
        inv = 1.0 / problem.scale[j]
        standardise = math.sqrt(inv)
        l1 = problem.l1[j]
        l2 = problem.l2[j]
        moved = False
        for k in range(W.shape[1]):
            old = W[j, k]
            g = grad_j[k] + l2 * old
            worst = max(worst, standardise * coordinate_violation(old, g, l1))
            new = soft_threshold(old - inv * g, l1 * inv)
            delta[k] = new - old
            if new != old:
                moved = True
                W[j, k] = new
        if moved:
            _shift_predictor(problem, j, delta, Z, offset)
    _fold_offset(Z, offset)
    return worst


@njit(cache=True, nogil=True, **INTERNAL)
def _intercept_step(problem, intercept, Z, G, grad_intercept):
    """A gradient step on the intercept with its Lipschitz constant.

    Returns the intercept's optimality violation before the step.
    """
    _intercept_gradient(problem, Z, G, grad_intercept)
    inv = 1.0 / problem.scale_intercept
    worst = 0.0
    for k in range(intercept.shape[0]):
        worst = max(worst, math.sqrt(inv) * abs(grad_intercept[k]))
        intercept[k] -= inv * grad_intercept[k]
    for i in range(Z.shape[0]):
        for k in range(intercept.shape[0]):
            Z[i, k] -= inv * grad_intercept[k]
    return worst


@njit(cache=True, nogil=True, **INTERNAL)
def _objective(problem, working_set, W, Z):
    """The objective; outside ``working_set`` every coefficient is zero."""
    penalty = 0.0
    for j in working_set:
        l1_part = 0.0
        l2_part = 0.0
        for k in range(W.shape[1]):
            l1_part += abs(W[j, k])
            l2_part += W[j, k] * W[j, k]
        penalty += problem.l1[j] * l1_part + 0.5 * problem.l2[j] * l2_part
    return datafit_value(problem.loss, problem.Y, Z, problem.weights) + penalty


@njit(cache=True, nogil=True, **INTERNAL)
def _choose_working_set(problem, W, grad, grad_intercept, scores, previous):
    """Score every feature; return ``(residual, working set)``.

    The residual is the full problem's; the working set holds every non-zero
    feature and then the worst violators, twice as many features as the
    support (at least ``FIRST_WORKING_SET``), or four times the ``previous``
    set's size when the support filled it: on dense solutions (elastic net on
    correlated features) doubling from 10 cost an outer iteration, a pass
    over all of ``X``, per doubling.
    """
    n_features = W.shape[0]
    worst = 0.0
    n_support = 0
    for j in range(n_features):
        inv = 1.0 / math.sqrt(problem.scale[j])
        score = 0.0
        nonzero = False
        for k in range(W.shape[1]):
            score = max(
                score, inv * coordinate_violation(W[j, k], grad[j, k], problem.l1[j])
            )
            nonzero = nonzero or W[j, k] != 0.0
        worst = max(worst, score)
        if nonzero:
            n_support += 1
            score = math.inf
        scores[j] = score
    inv = 1.0 / math.sqrt(problem.scale_intercept)
    for k in range(grad_intercept.shape[0]):
        worst = max(worst, inv * abs(grad_intercept[k]))
    size = max(FIRST_WORKING_SET, 2 * n_support)
    if previous > 0 and n_support >= previous:
        size = max(size, 4 * previous)
    size = min(size, n_features)
    # Only violators and the support can enter.
    n_candidates = 0
    for j in range(n_features):
        if scores[j] > 0.0:
            n_candidates += 1
    if n_candidates == 0:  # nothing violates: keep the first features
        first = np.empty(size, dtype=np.int64)
        for j in range(size):
            first[j] = j
        return worst, first
    threshold = 0.0
    if n_candidates > size:
        threshold = _largest(scores, size)
    # Every score above the size-th largest, then ties with it in feature
    # order, listed in feature order. (A selection, not a sort: np.argsort
    # and np.sort cost 2 s of compilation.)
    chosen = np.empty(min(size, n_candidates), dtype=np.int64)
    n_above = 0
    for j in range(n_features):
        if scores[j] > threshold:
            n_above += 1
    n_ties = chosen.shape[0] - n_above
    n = 0
    for j in range(n_features):
        score = scores[j]
        if score > threshold or (score == threshold and score > 0.0 and n_ties > 0):
            if score == threshold:
                n_ties -= 1
            chosen[n] = j
            n += 1
    return worst, chosen


@njit(cache=True, nogil=True, **INTERNAL)
def _largest(scores, rank):
    """The ``rank``-th largest entry of ``scores`` (Hoare's selection)."""
    values = scores.copy()
    target = rank - 1  # position in decreasing order
    low = 0
    high = values.shape[0] - 1
    while low < high:
        pivot = values[(low + high) // 2]
        i = low
        j = high
        while i <= j:
            while values[i] > pivot:
                i += 1
            while values[j] < pivot:
                j -= 1
            if i <= j:
                values[i], values[j] = values[j], values[i]
                i += 1
                j -= 1
        if target <= j:
            high = j
        elif target >= i:
            low = i
        else:
            break
    return values[target]


@njit(cache=True, nogil=True, inline="always")
def _copy_into(source, out):
    """``out[:] = source`` for 2-D arrays, as a loop (the slice assignment
    pulls in 2 s of Numba's error-message code)."""
    for i in range(source.shape[0]):
        for k in range(source.shape[1]):
            out[i, k] = source[i, k]


@njit(cache=True, nogil=True)
def _anderson_weights(history):
    """Affine weights ``c`` (summing to 1) minimising ``||sum_k c_k U_k||``.

    ``U`` are the differences of the stored iterates. Solves
    ``(U U^T + lambda I) z = 1``
    by Gaussian elimination with partial pivoting; returns an empty array
    when the system is numerically singular (the iterates stopped moving).
    """
    m = history.shape[0] - 1
    C = np.empty((m, m))
    for a in range(m):
        for c in range(a, m):
            acc = 0.0
            for b in range(history.shape[1]):
                acc += (history[a + 1, b] - history[a, b]) * (
                    history[c + 1, b] - history[c, b]
                )
            C[a, c] = acc
            C[c, a] = acc
    z = np.empty(m)
    scale = 0.0
    for a in range(m):
        z[a] = 1.0
        scale = max(scale, C[a, a])
    if scale == 0.0:
        return z[:0]
    # Tikhonov regularisation (Scieur, d'Aspremont & Bach, 2016): without it
    # the weights follow rounding noise once the differences are nearly
    # parallel, and two fits of the same problem in a different floating-point
    # order (weights vs repeated rows) end at visibly different points.
    for a in range(m):
        C[a, a] += ANDERSON_REGULARISATION * scale
    for col in range(m):
        pivot = col
        for row in range(col + 1, m):
            if abs(C[row, col]) > abs(C[pivot, col]):
                pivot = row
        if abs(C[pivot, col]) <= 1e-14 * scale:
            return z[:0]
        if pivot != col:
            for c in range(m):
                C[col, c], C[pivot, c] = C[pivot, c], C[col, c]
            z[col], z[pivot] = z[pivot], z[col]
        for row in range(col + 1, m):
            factor = C[row, col] / C[col, col]
            for c in range(col, m):
                C[row, c] -= factor * C[col, c]
            z[row] -= factor * z[col]
    for row in range(m - 1, -1, -1):
        acc = z[row]
        for c in range(row + 1, m):
            acc -= C[row, c] * z[c]
        z[row] = acc / C[row, row]
    total = 0.0
    for a in range(m):
        total += z[a]
    if total == 0.0 or not math.isfinite(total):
        return z[:0]
    for a in range(m):
        z[a] /= total
    return z


@njit(cache=True, nogil=True, inline="always")
def _pack(working_set, W, intercept, out):
    n_outputs = W.shape[1]
    for a in range(working_set.shape[0]):
        for k in range(n_outputs):
            out[a * n_outputs + k] = W[working_set[a], k]
    base = working_set.shape[0] * n_outputs
    for k in range(n_outputs):
        out[base + k] = intercept[k]


@njit(cache=True, nogil=True, **INTERNAL)
def _try_extrapolation(
    problem, working_set, history, W, intercept, Z, objective, Z_trial, offset,
    delta,
):  # fmt: skip
    """Move to the Anderson extrapolation of ``history`` if it is better.

    Returns the objective at the point kept.
    """
    weights = _anderson_weights(history)
    if weights.shape[0] == 0:
        return objective
    candidate = np.zeros(history.shape[1])
    for a in range(weights.shape[0]):
        for b in range(history.shape[1]):
            candidate[b] += weights[a] * history[a + 1, b]
    n_outputs = W.shape[1]
    W_trial = W.copy()
    intercept_trial = intercept.copy()
    _copy_into(Z, Z_trial)
    for a in range(working_set.shape[0]):
        j = working_set[a]
        for k in range(n_outputs):
            W_trial[j, k] = candidate[a * n_outputs + k]
            delta[k] = W_trial[j, k] - W[j, k]
        _shift_predictor(problem, j, delta, Z_trial, offset)
    _fold_offset(Z_trial, offset)
    if problem.fit_intercept:
        base = working_set.shape[0] * n_outputs
        for k in range(n_outputs):
            intercept_trial[k] = candidate[base + k]
        for i in range(Z.shape[0]):
            for k in range(n_outputs):
                Z_trial[i, k] += intercept_trial[k] - intercept[k]
    trial = _objective(problem, working_set, W_trial, Z_trial)
    if trial < objective:
        _copy_into(W_trial, W)
        for k in range(n_outputs):
            intercept[k] = intercept_trial[k]
        _copy_into(Z_trial, Z)
        return trial
    return objective


@njit(cache=True, nogil=True)
def _coordinate_descent(problem, W_init, intercept_init, max_iter, tol, trace):
    """Run working-set coordinate descent; return ``(W, intercept, n_iter, status)``.

    ``max_iter`` bounds the number of sweeps over a working set (``n_iter``);
    each coordinate steps with its own constant (no learning rate).
    """
    W = W_init.copy()
    intercept = intercept_init.copy()
    n_outputs = W.shape[1]
    Z = np.empty((problem.Y.shape[0], n_outputs), dtype=W.dtype)
    design_matmul(problem.X, W, intercept, problem.x_mean, Z)
    Z_trial = np.empty_like(Z)
    G = np.empty_like(Z)
    grad = np.empty_like(W)
    grad_intercept = np.empty_like(intercept)
    derivative = np.empty(n_outputs)
    grad_j = np.empty(n_outputs)
    delta = np.empty(n_outputs)
    scores = np.empty(W.shape[0])
    offset = np.zeros(n_outputs)
    total_derivative = np.zeros(n_outputs)
    # Sparse centred columns (squared loss only) need the total derivative;
    # an uncentred sparse problem (other losses) does not.
    needs_total = False
    if not stores_every_row(problem.X):
        for j in range(problem.x_mean.shape[0]):
            needs_total = needs_total or problem.x_mean[j] != 0.0

    status = MAX_ITER_REACHED
    n_iter = np.int64(0)  # typed: a literal 0 compiles record_iterate twice
    working_set = np.empty(0, dtype=np.int64)
    while True:
        _smooth_gradient(problem, W, Z, G, grad, grad_intercept)
        worst, working_set = _choose_working_set(
            problem, W, grad, grad_intercept, scores, working_set.shape[0]
        )
        if worst <= tol:
            status = CONVERGED
            break
        if n_iter >= max_iter:
            break
        inner_tol = INNER_TOLERANCE_RATIO * worst
        history = np.empty(
            (ANDERSON_MEMORY + 1, (working_set.shape[0] + 1) * n_outputs)
        )
        stored = 0
        while n_iter < max_iter:
            if needs_total:
                _intercept_gradient(problem, Z, G, total_derivative)
            # The violations met during the sweep and the intercept step
            # measure the sub-problem's residual, one sweep late.
            sub_residual = _sweep(
                problem, working_set, W, Z, offset, total_derivative, derivative,
                grad_j, delta,
            )  # fmt: skip
            if problem.fit_intercept:
                sub_residual = max(
                    sub_residual,
                    _intercept_step(problem, intercept, Z, G, grad_intercept),
                )
            objective = _objective(problem, working_set, W, Z)
            _pack(working_set, W, intercept, history[stored])
            stored += 1
            if stored == history.shape[0]:
                objective = _try_extrapolation(
                    problem, working_set, history, W, intercept, Z, objective,
                    Z_trial, offset, delta,
                )  # fmt: skip
                stored = 0
            record_iterate(trace, n_iter, objective, W, intercept)
            n_iter += 1
            if not math.isfinite(objective):
                return W, intercept, n_iter, NON_FINITE
            if sub_residual <= inner_tol:
                break
    return W, intercept, n_iter, status


coordinate_descent = specialised_entry(
    _coordinate_descent, "coordinate_descent", _coordinate_descent.__doc__
)
