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
  between sub-problems, to pick the next set and to test convergence; a
  sub-problem is solved to 0.3x the full residual, or further when the
  features it leaves out violate less (:func:`_inner_tolerance`);
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

A sub-problem walks only its working set's columns. A dense ``X`` in C order
(the usual layout of user data) is not copied to Fortran order for that: the
set's columns are gathered into a Fortran block (:class:`WorkingColumns`),
about the cost of one sweep over them, so a wide problem whose solution has
a few hundred non-zeros never pays for a copy of all of ``X``.

Only the sweeps are compiled (:func:`_solve_working_set`: the work per
coordinate). The outer loop, which takes one full gradient, picks the next
working set and tests convergence once per sub-problem, is NumPy
(:func:`solve`), and so is the extrapolation (:class:`_Extrapolation`,
once per ``ANDERSON_MEMORY + 1`` sweeps: the kernel returns when it has
stored that many iterates, :func:`solve_sub_problem` extrapolates and calls
it again): their products are BLAS or SciPy calls either way, and the
compiled code stays small, which is what a first fit in a new environment
waits for (one kernel, compiled once per dtype and loss, shared with
'prox_newton'). Compiled, the extrapolation was 40% of that kernel's
compile (1.1-1.2 s of CPU time of a first lasso fit); in NumPy it costs a
few tens of microseconds per ``ANDERSON_MEMORY + 1`` sweeps.

The stopping rule is the package's: the optimality residual of the full
problem at the returned iterate is at most ``tol``.
"""

import math

import numpy as np
from numba import njit

from .._datafits import DATAFITS_BY_CODE
from .._linalg import CSC, DENSE, DENSE_T, make_design, one_type, readonly
from .._losses import (
    datafit_derivative,
    datafit_row_derivative,
    datafit_row_value,
    loss_code,
)
from .._products import as_matrix
from .._prox import coordinate_violation, soft_threshold
from ._common import (
    CONVERGED,
    INTERNAL,
    MAX_ITER_REACHED,
    NON_FINITE,
    one_blas_thread,
    record_iterate,
    specialise,
)

#: Smallest size of a working set.
FIRST_WORKING_SET = 10
#: A cold start's first working set holds about this many entries of ``X``
#: (at most half as many features as samples; a smaller ``X``, the
#: ``FIRST_WORKING_SET``): see :func:`_first_set_size`.
FIRST_SET_ENTRIES = 80_000
#: Number of iterate differences combined by one Anderson extrapolation.
ANDERSON_MEMORY = 5
#: Relative Tikhonov term of the Anderson system.
ANDERSON_REGULARISATION = 1e-10
#: A sub-problem is solved until its residual is this fraction of the full
#: problem's residual when the working set was chosen.
INNER_TOLERANCE_RATIO = 0.3
#: ... and at least this fraction of it, even when no feature outside the
#: working set violates the optimality conditions.
MIN_INNER_TOLERANCE_RATIO = 0.1


@njit(cache=True, nogil=True, **INTERNAL)
def _shift_predictor(problem, j, delta, Z, offset):
    """``Z + offset`` moves by ``(x_j - m_j) delta^T``.

    The stored rows of column ``j`` change in ``Z``; for a sparse column the
    mean's share, the same for every row, goes to ``offset`` (folded into
    ``Z`` once per sweep), so a step costs the column's non-zeros.
    """
    X = problem.X
    for k in range(delta.shape[0]):
        step = delta[k]
        if step == 0.0:
            continue
        if X.layout == CSC:
            offset[k] -= problem.x_mean[j] * step
            # Unsigned positions: no wrap-around test per entry.
            for jj in range(np.uint64(X.indptr[j]), np.uint64(X.indptr[j + 1])):
                Z[np.uint64(X.indices[jj]), k] += X.data[jj] * step
        else:
            centre = problem.x_mean[j]
            for i in range(X.n_samples):
                Z[i, k] += (X.dense[i, j] - centre) * step


def _anderson_weights(history):
    """Affine weights ``c`` (summing to 1) minimising ``||sum_k c_k U_k||``.

    ``U`` are the differences of the stored iterates (the rows of
    ``history``). Solves ``(U U^T + lambda I) z = 1`` by Cholesky's
    factorisation (the matrix is symmetric positive semi-definite before the
    Tikhonov term); returns an empty array when it is numerically singular (the
    iterates stopped moving). One product and scalar loops on a system of
    ``ANDERSON_MEMORY`` unknowns (compiled, this cost 0.4 s of a first fit;
    here it costs about 10 us a call).
    """
    U = history[1:] - history[:-1]
    C = (U @ U.T).tolist()
    m = len(C)
    scale = 0.0
    for a in range(m):
        if C[a][a] > scale:
            scale = C[a][a]
    if not scale > 0.0:
        return np.empty(0)
    # Tikhonov regularisation (Scieur, d'Aspremont & Bach, 2016): without it
    # the weights follow rounding noise once the differences are nearly
    # parallel, and two fits of the same problem in a different floating-point
    # order (weights vs repeated rows) end at visibly different points. The
    # factor overwrites the lower triangle of C.
    floor = 1e-14 * scale
    for a in range(m):
        row = C[a]
        row[a] += ANDERSON_REGULARISATION * scale
        for c in range(a + 1):
            other = C[c]
            acc = row[c]
            for b in range(c):
                acc -= row[b] * other[b]
            if c < a:
                row[c] = acc / other[c]
            elif acc <= floor:  # a vanishing pivot
                return np.empty(0)
            else:
                row[a] = math.sqrt(acc)
    z = [1.0] * m
    for a in range(m):  # L y = 1
        row = C[a]
        acc = 1.0
        for b in range(a):
            acc -= row[b] * z[b]
        z[a] = acc / row[a]
    total = 0.0
    for a in range(m - 1, -1, -1):  # L^T z = y
        acc = z[a]
        for b in range(a + 1, m):
            acc -= C[b][a] * z[b]
        z[a] = acc / C[a][a]
        total += z[a]
    if total == 0.0 or not math.isfinite(total):
        return np.empty(0)
    return np.array(z) / total


# Reassociation only (no assumption about NaN or infinities, so the
# non-finite tests hold): it lets LLVM split a dense column's sums into
# vector lanes, which the unsigned row positions made possible (a column of
# 500 rows 0.48 -> 0.24 us per sweep; a cold first fit unchanged, 1.66-1.73 s
# of CPU time either way). Sums are rounded in another order than before:
# the results move by rounding only.
@njit(cache=True, nogil=True, no_cfunc_wrapper=True, fastmath={"reassoc"})
def _solve_working_set(
    problem, working_set, W, intercept, Z, max_sweeps, tol, needs_total, trace,
    first, vectors, history, derivative,
):  # fmt: skip
    """Sweep the sub-problem on ``working_set``, in place.

    Sweeps (each followed by an intercept step) until the violations met
    during a sweep are at most ``tol``, after ``max_sweeps`` sweeps, at a
    non-finite objective, or once ``history`` holds ``ANDERSON_MEMORY + 1``
    iterates (then :func:`solve_sub_problem` extrapolates and calls again);
    ``W``, ``intercept`` and their predictor ``Z`` are updated in place, and
    sweep ``s`` is recorded as iteration ``first + s`` of ``trace``.
    Returns ``(sweeps, objective, violation)`` of the last sweep. The caller
    provides the work arrays: ``vectors`` (4, n_outputs) of zeros,
    ``history`` (ANDERSON_MEMORY + 1, (len(working_set) + 1) * n_outputs)
    (an allocation compiled here costs more than the solve of a small
    problem), and ``derivative``: None for a loss separable across outputs,
    else an (n_outputs,) buffer for a row's derivative. Numba prunes the branches
    for the other kind of loss when ``derivative`` is None (the squared and
    logistic losses: the lasso's and prox_newton's kernel).

    One flat function: every helper called from one place is written out
    here, because each function numba compiles on its own, or inlines, costs
    a tenth of a second or more of the first fit in a new environment.

    A coordinate's gradient walks its column: a dense column is centred entry
    by entry; for a sparse centred column the implicit zeros contribute
    ``-m_j * total_k``, with ``total_k = sum_i w_i dloss/dz_ik`` over all
    rows (``needs_total``). That sum is unchanged by a centred coordinate step
    of the squared loss, the only loss for which a sparse problem is
    centred. A loss that is separable across outputs is differentiated one
    entry at a time (a scalar the compiler keeps in registers); the
    multinomial loss a row at a time.
    """
    X = problem.X
    loss = problem.loss
    Y = problem.Y
    weights = problem.weights
    sparse = X.layout == CSC
    n_samples, n_outputs = Z.shape
    n_set = working_set.shape[0]
    # The gradient of one coordinate (or of the intercept), a step, the
    # sparse columns' offset on Z (folded into Z once per sweep), the total
    # derivative.
    grad_j, delta, offset, total = vectors[0], vectors[1], vectors[2], vectors[3]
    # The iterates of this call (the working set's rows of W, then the
    # intercept), for the extrapolation.
    sweeps = 0
    objective = math.inf
    worst = math.inf
    while sweeps < max_sweeps:
        if derivative is None:  # (needs_total: the squared loss only)
            if needs_total:
                for k in range(n_outputs):
                    acc = 0.0
                    for i in range(n_samples):
                        acc += weights[i] * datafit_derivative(loss, Y[i, k], Z[i, k])
                    total[k] = acc
        # One proximal step per coordinate. The violations met before the
        # steps (and the intercept's) measure the sub-problem's residual, one
        # sweep late: the stopping test costs nothing extra.
        worst = 0.0
        for a in range(n_set):
            j = working_set[a]
            # Unsigned positions: a signed index is checked for wrapping
            # around on every access (row positions from a sparse column
            # cannot be proven non-negative), which doubled a walk's cost.
            if sparse:
                start, stop = np.uint64(X.indptr[j]), np.uint64(X.indptr[j + 1])
                centre, implicit = 0.0, problem.x_mean[j]
            else:
                start, stop = np.uint64(0), np.uint64(n_samples)
                centre, implicit = problem.x_mean[j], 0.0
            if derivative is None:
                for k in range(n_outputs):
                    shift = offset[k]
                    acc = 0.0
                    for jj in range(start, stop):
                        if sparse:
                            i, value = np.uint64(X.indices[jj]), X.data[jj]
                        else:
                            i, value = jj, X.dense[jj, j]
                        acc += (
                            weights[i]
                            * (value - centre)
                            * datafit_derivative(loss, Y[i, k], Z[i, k] + shift)
                        )
                    grad_j[k] = acc - implicit * total[k]
            else:
                for k in range(n_outputs):
                    grad_j[k] = 0.0
                for jj in range(start, stop):
                    if sparse:
                        i, value = np.uint64(X.indices[jj]), X.data[jj]
                    else:
                        i, value = jj, X.dense[jj, j]
                    # (the loss's pieces take a signed row: one signature)
                    datafit_row_derivative(loss, Y, Z, np.int64(i), derivative)
                    weighted = weights[i] * (value - centre)
                    for k in range(n_outputs):
                        grad_j[k] += weighted * derivative[k]
            inv = 1.0 / problem.scale[j]
            standardise = math.sqrt(inv)
            l1 = problem.l1[j]
            l2 = problem.l2[j]
            moved = False
            for k in range(n_outputs):
                old = W[j, k]
                g = grad_j[k] + l2 * old
                violation = standardise * coordinate_violation(old, g, l1)
                if violation > worst:
                    worst = violation
                new = soft_threshold(old - inv * g, l1 * inv)
                delta[k] = new - old
                if new != old:
                    moved = True
                    W[j, k] = new
            if moved:
                _shift_predictor(problem, j, delta, Z, offset)
        # The sparse columns' offset and the intercept's step reach Z in
        # the passes over the rows that follow (the intercept's gradient,
        # the objective), not in passes of their own.
        fold = False
        for k in range(n_outputs):
            if offset[k] != 0.0:
                fold = True
        if problem.fit_intercept:
            # A gradient step on the intercept with its Lipschitz constant.
            for k in range(n_outputs):
                grad_j[k] = 0.0
            for i in range(n_samples):
                if fold:
                    for k in range(n_outputs):
                        Z[i, k] += offset[k]
                if derivative is None:
                    for k in range(n_outputs):
                        grad_j[k] += weights[i] * datafit_derivative(
                            loss, Y[i, k], Z[i, k]
                        )
                else:
                    datafit_row_derivative(loss, Y, Z, i, derivative)
                    for k in range(n_outputs):
                        grad_j[k] += weights[i] * derivative[k]
            inv = 1.0 / problem.scale_intercept
            fold = False
            for k in range(n_outputs):
                violation = math.sqrt(inv) * abs(grad_j[k])
                if violation > worst:
                    worst = violation
                intercept[k] -= inv * grad_j[k]
                # Z -= inv g, the same rounding as Z += -(inv g).
                offset[k] = -(inv * grad_j[k])
                if offset[k] != 0.0:
                    fold = True
        point = history[sweeps]
        for a in range(n_set):
            for k in range(n_outputs):
                point[a * n_outputs + k] = W[working_set[a], k]
        for k in range(n_outputs):
            point[n_set * n_outputs + k] = intercept[k]
        # The objective at the iterate (outside the working set every
        # coefficient is zero), for the trace and the extrapolation: a caller
        # whose trace has no objective (proximal Newton's models) needs it
        # after the last sweep only.
        recorded = trace.objective.shape[0] > 0
        last = (
            sweeps + 1 == history.shape[0] or worst <= tol or sweeps + 1 >= max_sweeps
        )
        if recorded or last:
            objective = 0.0
            for a in range(n_set):
                j = working_set[a]
                l1_part = 0.0
                l2_part = 0.0
                for k in range(n_outputs):
                    w = W[j, k]
                    l1_part += abs(w)
                    l2_part += w * w
                objective += problem.l1[j] * l1_part + 0.5 * problem.l2[j] * l2_part
            for i in range(n_samples):
                if fold:
                    for k in range(n_outputs):
                        Z[i, k] += offset[k]
                objective += weights[i] * datafit_row_value(loss, Y, Z, i)
        elif fold:
            for i in range(n_samples):
                for k in range(n_outputs):
                    Z[i, k] += offset[k]
        for k in range(n_outputs):
            offset[k] = 0.0
        if recorded:
            record_iterate(trace, first + sweeps, objective, W, intercept)
        sweeps += 1
        if (recorded or last) and not math.isfinite(objective):
            break
        if sweeps == history.shape[0]:
            break
        if worst <= tol:
            break
    return sweeps, objective, worst


def solve_sub_problem(
    sub, indices, columns, W, intercept, Z, max_sweeps, tol, needs_total, trace,
    first, vectors, derivative, datafit, Y=None, weights=None,
):  # fmt: skip
    """Solve the sub-problem ``sub`` on ``indices`` in place: the kernel's
    sweeps, and every ``ANDERSON_MEMORY + 1`` sweeps the Anderson
    extrapolation of their iterates, kept if it lowers the objective.

    The arguments are those of :func:`_solve_working_set`, with
    ``columns`` (:class:`WorkingColumns`, whose current set ``sub`` is) and
    the sub-problem's ``datafit`` (NumPy), targets ``Y`` and row
    ``weights`` in float64 (``sub``'s when None). Returns ``(sweeps,
    finite)``.
    """
    k = W.shape[1]
    history = np.empty((ANDERSON_MEMORY + 1, (indices.shape[0] + 1) * k))
    extrapolation = None
    done = 0
    while done < max_sweeps:
        sweeps, objective, violation = _solve_working_set(
            sub, indices, W, intercept, Z, max_sweeps - done, tol, needs_total,
            trace, first + done, vectors, history, derivative,
        )  # fmt: skip
        done += sweeps
        if sweeps == ANDERSON_MEMORY + 1:
            if extrapolation is None:
                extrapolation = _Extrapolation(
                    sub, indices, columns, datafit, Y, weights
                )
            value = extrapolation.apply(history, W, intercept, Z, objective)
            if value is not None:
                objective = value
                it = first + done - 1
                if trace.objective.shape[0] > 0:
                    trace.objective[it] = value
                if trace.coef.shape[0] > 0:
                    trace.coef[it] = W
                    trace.intercept[it] = intercept
        if not math.isfinite(objective):
            return done, False
        if violation <= tol:
            break
    return done, True


class _Extrapolation:
    """The Anderson extrapolation of a sub-problem's iterates, in NumPy.

    Compiled into the sweeps' kernel it cost 0.6-0.8 s of a first fit; here
    it costs a few tens of microseconds per ``ANDERSON_MEMORY + 1`` sweeps:
    the weights (:func:`_anderson_weights`), a product with the set's
    columns for the predictor, and the datafit's value.
    """

    def __init__(self, sub, indices, columns, datafit, Y=None, weights=None):
        self.datafit = datafit
        self.Y = np.asarray(sub.Y if Y is None else Y, dtype=np.float64)
        self.weights = np.asarray(
            sub.weights if weights is None else weights, dtype=np.float64
        )
        self.columns = columns
        self.rows = indices
        self.x_mean = np.asarray(sub.x_mean[indices], dtype=np.float64)
        self.centred = bool(np.any(self.x_mean))
        self.n_set = indices.shape[0]
        self.n_outputs = self.Y.shape[1]
        # The penalty strengths of the packed coefficients (row-major W).
        self.l1 = np.repeat(np.asarray(sub.l1[indices], np.float64), self.n_outputs)
        self.l2 = np.repeat(np.asarray(sub.l2[indices], np.float64), self.n_outputs)
        self.fit_intercept = bool(sub.fit_intercept)

    def apply(self, history, W, intercept, Z, objective):
        """Move ``(W, intercept, Z)`` in place to the extrapolation of the
        iterates in ``history`` if its objective is below ``objective``;
        return that objective (None if not moved)."""
        combination = _anderson_weights(history)
        if combination.shape[0] == 0:
            return None
        candidate = combination @ history[1:]
        n_coef = self.n_set * self.n_outputs
        coef = candidate[:n_coef]
        W_new = coef.reshape(self.n_set, self.n_outputs)
        intercept_new = candidate[n_coef:]
        step = W_new - W[self.rows]
        Z_new = self.columns.set_product(step)
        Z_new += Z
        if self.fit_intercept:
            Z_new += intercept_new - intercept
        if self.centred:
            Z_new -= self.x_mean @ step
        if Z_new.dtype != np.float64:
            Z_new = Z_new.astype(Z.dtype).astype(np.float64)
        value = self.datafit.value(self.Y, Z_new, self.weights)
        value += float(self.l1 @ np.abs(coef)) + 0.5 * float(self.l2 @ (coef * coef))
        if not value < objective:
            return None
        W[self.rows] = W_new
        intercept[:] = intercept_new
        Z[:] = Z_new
        return value


# ----------------------------------------------------------------- outer loop


def _choose_working_set(residuals, support, previous, first=FIRST_WORKING_SET):
    """The next working set from each feature's standardised violation.

    It holds every non-zero feature (``support``) and then the worst
    violators, twice as many features as the support (at least
    ``FIRST_WORKING_SET``, or ``first`` when the support is empty: a cold
    start, :func:`_first_set_size`), or four times the ``previous`` set's size when
    the support filled three quarters of it: on dense solutions (elastic
    net on correlated features) doubling from 10 cost an outer iteration, a
    pass over all of ``X``, per doubling, and a support that fills the set
    all but a few features (lasso_corr_500x600: 37 of 40) would otherwise
    only double. Ties with the last score admitted enter in feature
    order; the set is listed in feature order.
    """
    n_features = residuals.shape[0]
    n_support = int(np.count_nonzero(support))
    scores = np.where(support, np.inf, residuals)
    size = max(FIRST_WORKING_SET if n_support else first, 2 * n_support)
    if previous > 0 and 4 * n_support >= 3 * previous:
        size = max(size, 4 * previous)
    size = min(size, n_features)
    candidates = scores > 0.0  # only violators and the support can enter
    n_candidates = int(np.count_nonzero(candidates))
    if n_candidates == 0:  # nothing violates: keep the first features
        return np.arange(size, dtype=np.int64)
    if n_candidates <= size:
        return np.flatnonzero(candidates).astype(np.int64)
    threshold = np.partition(scores, n_features - size)[n_features - size]
    chosen = scores > threshold
    n_ties = size - int(np.count_nonzero(chosen))
    if n_ties > 0:
        chosen[np.flatnonzero(scores == threshold)[:n_ties]] = True
    return np.flatnonzero(chosen).astype(np.int64)


class _Outer:
    """The NumPy side of one solve: the full gradient and the stopping test.

    Reductions over samples are sums, not products with a vector of ones:
    a BLAS call that small costs microseconds on an idle machine but can
    wait milliseconds for its threads on a busy one.
    """

    def __init__(self, problem, datafit, X=None, **float64):
        """``X`` (the matrix ``problem.X`` wraps) and the float64 copies of
        the problem's arrays (``Y``, ``weights``, ``x_mean``, ``scale``) may
        be given by a caller that has them."""
        self.problem = problem
        self.datafit = datafit
        self.X = as_matrix(problem.X) if X is None else X
        for name in ("Y", "weights", "x_mean", "scale"):
            value = float64.get(name)
            if value is None:
                value = np.asarray(getattr(problem, name), dtype=np.float64)
            setattr(self, name, value)
        self.l1 = np.asarray(problem.l1, dtype=np.float64)[:, None]
        self.l2 = np.asarray(problem.l2, dtype=np.float64)[:, None]
        self.root = np.sqrt(self.scale)
        self.root_intercept = math.sqrt(problem.scale_intercept)
        # Terms of the gradient that are zero on most problems (an
        # uncentred design, no L2 part) are skipped: on 50000 features each
        # costs arrays of all features per outer round.
        self.centred = bool(np.any(self.x_mean))
        self.has_l2 = bool(np.any(self.l2))

    def predictor(self, W, intercept):
        """``(X - 1 x_mean^T) W + intercept``, in float64.

        Only the columns of the features that are non-zero are read: none
        at a cold start, few on a sparse solution.
        """
        Z = np.empty((self.Y.shape[0], W.shape[1]))
        Z[:] = intercept - (self.x_mean[:, None] * W).sum(axis=0)
        support = np.flatnonzero((W != 0.0).any(axis=1))
        if support.shape[0] == W.shape[0]:
            Z += self.X @ W.astype(self.X.dtype, copy=False)
        elif support.shape[0]:
            columns = self.X[:, support]
            Z += columns @ W[support].astype(columns.dtype, copy=False)
        return Z

    def gradient(self, W, Z):
        """``(value, G, grad, grad_intercept)``: the loss's value and weighted
        derivative ``G`` at the predictor ``Z``, and the gradient of the
        smooth part (loss and L2) at ``W``."""
        Z = np.asarray(Z, dtype=np.float64)
        value, G = self.datafit.gradient(self.Y, Z, self.weights)
        return (value, G, *self.full_gradient(G, W))

    def full_gradient(self, G, W):
        """``(grad, grad_intercept)`` of the smooth part at ``W``, from the
        loss's weighted derivative ``G`` there: one pass over ``X``."""
        total = G.sum(axis=0)
        grad = np.asarray(self.X.T @ G.astype(self.X.dtype, copy=False), np.float64)
        if self.centred:
            grad -= self.x_mean[:, None] * total
        if self.has_l2:
            grad += self.l2 * W
        if not self.problem.fit_intercept:
            total[:] = 0.0
        return grad, total

    def violations(self, W, grad, grad_intercept):
        """``(per-feature standardised violation, intercept's)``: the
        optimality residual is the larger of their maxima (see
        :func:`standardised_violations`)."""
        return standardised_violations(
            W, grad, grad_intercept, self.l1, self.root, self.root_intercept
        )

    def set_gradient(self, block, G, W_set, mean_set, l2_set):
        """``(grad, grad_intercept)`` of the smooth part on a working set's
        columns ``block`` (their means ``mean_set`` and decays ``l2_set``)
        at the loss derivative ``G``."""
        total = G.sum(axis=0)
        grad = np.asarray(block.T @ G.astype(block.dtype, copy=False), np.float64)
        grad -= mean_set[:, None] * total
        grad += l2_set[:, None] * W_set
        if not self.problem.fit_intercept:
            total[:] = 0.0
        return grad, total


def standardised_violations(W, grad, grad_intercept, l1, root, root_intercept):
    """``(per-feature standardised violation, intercept's)`` for the
    coefficients ``W`` (features on the first axis, any of them: all, or a
    working set's), their L1 strengths ``l1`` (a column) and ``root`` (the
    square roots of the metric).

    A coefficient's violation is the distance from ``-grad`` to ``l1_j``
    times the subdifferential of ``|w|``: ``|grad + l1_j sign(w)|`` off
    zero, ``max(|grad| - l1_j, 0)`` at zero; a feature's is its outputs'
    largest.
    """
    # In place, and the moved coefficients' values only where they are
    # (fewer temporaries the size of all features: 50000 features, 1.0
    # -> 0.75 ms a round).
    if W.shape[1] == 1:
        # One output (the lasso, binary logistic): the same operations on
        # vectors, without the two-dimensional indexing (600 features: 13 ->
        # 8 us a round).
        g, w, strength = grad[:, 0], W[:, 0], l1[:, 0]
        per_feature = np.abs(g)
        per_feature -= strength
        np.maximum(per_feature, 0.0, out=per_feature)
        rows = np.flatnonzero(w)
        if rows.shape[0]:
            per_feature[rows] = np.abs(g[rows] + np.copysign(strength[rows], w[rows]))
        per_feature /= root
        at_intercept = (
            float(np.abs(grad_intercept).max()) if grad_intercept.size else 0.0
        )
        return per_feature, at_intercept / root_intercept
    violation = np.abs(grad)
    violation -= l1
    np.maximum(violation, 0.0, out=violation)
    rows, outputs = np.nonzero(W)
    if rows.shape[0]:
        violation[rows, outputs] = np.abs(
            grad[rows, outputs] + np.copysign(l1[rows, 0], W[rows, outputs])
        )
    if violation.shape[1] == 1:
        per_feature = violation[:, 0]
    else:
        per_feature = violation.max(axis=1)
    per_feature /= root
    at_intercept = np.abs(grad_intercept).max() if grad_intercept.size else 0.0
    return per_feature, float(at_intercept) / root_intercept


class WorkingColumns:
    """The columns of ``X`` that a working set's sub-problem walks.

    Coordinate descent reads columns, contiguous ones: a dense Fortran or a
    CSC design is walked where it lies (the working set indexes it). A
    C-ordered dense design is not copied to Fortran order up front, a copy
    of all of ``X`` that most features of a sparse solution never repay:
    the columns a working set needs are gathered instead into a Fortran
    block, a cache that keeps every column gathered so far ("compact"), so
    that the next set, which mostly repeats the last one's features (the
    support and the worst violators), gathers only the columns that are
    new to it (lasso_corr_500x600: 193 columns gathered over five sets
    instead of 476, 0.37 -> 0.30 ms of CPU time a fit: a gather is a
    transposing copy, about 0.8 us a column of 500 rows, while the fixed
    costs of a set stay). Once the cache would hold half the features (dense
    solutions, tall data) the whole design is copied to Fortran order once
    and walked where it lies from then on.

    :meth:`select` takes the next working set; :meth:`sub_problem` then
    gives the problem the kernel sees and the set's indices in it, and
    :meth:`take` / :meth:`put` (:meth:`spread` / :meth:`gather` for arrays
    of the set's rows) move per-feature arrays between the problem's and the
    kernel's index spaces. In the compact form the kernel's features are
    the cache's columns, of which the set is a part; the others are zero in
    every iterate (a set holds the support), and the kernel never reads
    them.
    """

    def __init__(self, problem, keep_full: bool = False):
        """``problem`` is specialised; ``keep_full`` asks for the whole
        design always (a trace that records whole iterates)."""
        self.problem = problem
        self.n_features = problem.X.n_features
        self.is_sparse = problem.X.layout == CSC
        self.full = None
        X = problem.X
        if self.is_sparse or (X.layout == DENSE and X.dense.flags.f_contiguous):
            self.full = problem
        elif X.layout not in (DENSE, DENSE_T):
            raise ValueError("coordinate descent needs a dense or CSC design")
        elif keep_full:
            self._make_full()
        self.matrix = as_matrix(X)
        self.compact = False
        self.working_set = None
        self._block = None
        # The compact form's cache: gathered columns (Fortran order), the
        # feature of each, and each feature's position in it (-1: absent).
        self._cache = None
        self._cached = np.empty(0, dtype=np.int64)
        self._position = None
        self._sub_arrays = None
        self.design = None
        self._reused = {}

    def _make_full(self):
        X = self.problem.X
        dense = np.asfortranarray(as_matrix(X))
        self.full = self.problem._replace(
            X=X._replace(dense=readonly(dense), layout=DENSE)
        )
        self._cache = self._position = self._sub_arrays = None
        self._cached = np.empty(0, dtype=np.int64)
        self.design = None

    def _gather(self, working_set):
        """Add the set's columns that are not cached yet to the cache;
        False when the cache would hold half the features or more."""
        if self._position is None:
            self._position = np.full(self.n_features, -1, dtype=np.int64)
        missing = working_set[self._position[working_set] < 0]
        n_cached = self._cached.shape[0]
        n_total = n_cached + missing.shape[0]
        if 2 * n_total >= self.n_features:
            return False
        if missing.shape[0] == 0:
            return True
        if self._cache is None:  # room for all it may hold: never moved
            self._cache = np.empty(
                (self.matrix.shape[0], (self.n_features + 1) // 2),
                dtype=self.matrix.dtype,
                order="F",
            )
        # Rows of X^T gathered: a C-ordered block whose transpose is the
        # Fortran-ordered block of the new columns, copied into the cache.
        self._cache[:, n_cached:n_total] = self.matrix.T[missing].T
        self._position[missing] = np.arange(n_cached, n_total)
        self._cached = np.concatenate([self._cached, missing])
        self._sub_arrays = self.design = None
        return True

    def select(self, working_set):
        """Make ``working_set`` (at least two features, :func:`at_least_two`:
        a block of one column would be both C- and F-contiguous, a type, and
        so a compiled kernel, of its own) the current set."""
        self.working_set = working_set
        self._block = None
        if self.full is None and not self._gather(working_set):
            self._make_full()
        self.compact = self.full is None
        if self.compact:
            if self.design is None:
                columns = self._cache[:, : self._cached.shape[0]]
                self.design = one_type(make_design(columns))
            self.indices = self._position[working_set]
        else:
            self.design = self.full.X
            self.indices = working_set

    @property
    def block(self):
        """The current set's columns as an array or SciPy matrix."""
        if self._block is None:
            if self.compact:
                n_set = self.indices.shape[0]
                if n_set == self._cached.shape[0] and np.array_equal(
                    self.indices, np.arange(n_set)
                ):  # the whole cache, in order
                    self._block = self._cache[:, :n_set]
                else:
                    self._block = self._cache[:, self.indices]
            else:
                self._block = self.matrix[:, self.working_set]
        return self._block

    def set_product(self, values) -> np.ndarray:
        """``block @ values`` (the set's rows of ``values`` in the set's
        order), without gathering the block from a compact cache: there the
        product is taken with every cached column, ``values`` spread with
        zeros (on lasso_corr_500x600 a set of 129 of 190 cached columns: the
        block's copy cost more than the 61 columns' share of the product)."""
        if not self.compact or self._block is not None:
            block = self.block
            return block @ values.astype(block.dtype, copy=False)
        cached = self._cache[:, : self._cached.shape[0]]
        spread = np.zeros((cached.shape[1], *values.shape[1:]), dtype=cached.dtype)
        spread[self.indices] = values
        return cached @ spread

    def sub_problem(self, **replaced):
        """``(problem, indices)``: the kernel's problem for the current set
        (per-feature arrays in ``replaced`` given in the kernel's index
        space) and the set's indices in it."""
        if not self.compact:
            full = self.full._replace(**replaced) if replaced else self.full
            return full, self.indices
        if self._sub_arrays is None:  # the cache's share of the problem
            problem = self.problem
            self._sub_arrays = {
                name: getattr(problem, name)[self._cached]
                for name in ("x_mean", "l1", "l2", "scale")
            }
            self._sub_arrays["X"] = self.design
        arrays = {
            name: value for name, value in self._sub_arrays.items()
            if name not in replaced
        }  # fmt: skip
        return self.problem._replace(**arrays, **replaced), self.indices

    def take(self, values):
        """A per-feature array (first axis) in the kernel's index space."""
        return values[self._cached] if self.compact else values

    def put(self, target, values):
        """Write back the set's rows of what :meth:`take` gave, after the
        kernel changed them."""
        if self.compact:
            target[self.working_set] = values[self.indices]

    def spread(self, values, full=None):
        """The set's ``values`` in the kernel's index space (the rest of a
        whole-design array copied from ``full``, or zeros)."""
        size = self._cached.shape[0] if self.compact else self.n_features
        if full is None:
            out = np.zeros((size, *values.shape[1:]), dtype=values.dtype)
        else:
            out = np.array(self.take(full), dtype=values.dtype)
        out[self.indices] = values
        return out

    def spread_reused(self, name, values):
        """:meth:`spread` into a buffer kept under ``name`` (a per-feature
        array of the sub-problem, or its coefficients), for arrays of which
        the kernel reads and writes the set's entries only: the buffer is
        reused from set to set while the kernel's index space keeps its
        size, its other entries left as they are, so that 'prox_newton' on
        a CSC design (50000 features) does not allocate five arrays of all
        features at every Newton step."""
        size = self._cached.shape[0] if self.compact else self.n_features
        shape = (size, *values.shape[1:])
        out = self._reused.get(name)
        if out is None or out.shape != shape or out.dtype != values.dtype:
            out = self._reused[name] = np.zeros(shape, dtype=values.dtype)
        out[self.indices] = values
        return out

    def gather(self, values):
        """The set's rows of an array in the kernel's index space."""
        return values[self.indices]


def _inner_tolerance(residuals, working_set, worst, tol):
    """The residual a sub-problem on ``working_set`` is solved to.

    ``INNER_TOLERANCE_RATIO`` of the full problem's residual ``worst``,
    unless the features left out violate less than that: then the set is
    solved as far as they allow, but no further than
    ``MIN_INNER_TOLERANCE_RATIO * worst`` (a set that turns out wrong is
    still corrected by the next outer round) nor than
    ``INNER_TOLERANCE_RATIO * tol`` (as before: the last round returns a
    point well inside ``tol``, not one on its edge, whose objective is
    visibly further from the optimum). On a solution whose support the set
    already holds, this saves the outer rounds (a full gradient and a new
    set each) of a residual shrinking 0.3x a round.
    """
    outside = residuals.copy()
    outside[working_set] = 0.0
    left_out = float(outside.max(initial=0.0))
    return max(
        min(INNER_TOLERANCE_RATIO * worst, left_out),
        MIN_INNER_TOLERANCE_RATIO * worst,
        INNER_TOLERANCE_RATIO * tol,
    )


def _first_set_size(design):
    """The size of a cold start's first working set on ``design``.

    An outer round has a fixed cost besides its pass over ``X`` (about
    0.1 ms of NumPy: the violations, the next set, its columns, the
    sub-problem's set-up), which a set of ``FIRST_WORKING_SET`` columns
    repays with a few microseconds of sweeps: on lasso_corr_500x600 the first
    two rounds (sets of 10 and 40, supports of 10 and 37) cost 0.5 ms for
    150 column sweeps. So the first set holds about ``FIRST_SET_ENTRIES``
    entries of ``X``, whose few sweeps cost about that fixed cost:
    ``FIRST_SET_ENTRIES / (entries per column)`` features. Not more than
    half as many as there are samples: a lasso's support has at most
    ``n_samples`` features, and a loosely solved first sub-problem on many
    more correlated columns than samples spreads its support over columns
    that later rounds must prune (lasso_corr_100x10000: a first set of
    1625 gave a support of 204 and 6 % more time).

    Measured against a first set of 10 (bench_speed's problems, tol 1e-3,
    a fresh estimator and ``gc.collect()`` before each fit, interleaved,
    one BLAS thread; time ratio): lasso_corr_500x600 0.87-0.92 with or
    without intercept (a first set of 160: 3 outer rounds instead of 5),
    lasso_corr_100x10000 0.83-0.85 (50), lasso_dense 0.94 (80),
    lasso_sparse 0.76 (4000: 9 sweeps instead of 16), lasso_onehot_320
    1.02-1.05 (91), the tall rows and enet 0.99-1.02. The outcome of one
    problem moves with the exact size (0.78-1.02 on these for sizes within
    2x of the rule's), the rule's gain over 10 held on each.
    """
    n_samples, n_features = design.n_samples, design.n_features
    if design.layout == CSC:
        entries = max(int(design.indptr[n_features]), 1)
    else:
        entries = max(n_samples * n_features, 1)
    if entries < FIRST_SET_ENTRIES:
        # All of X holds fewer entries than such a set: rounds cost little
        # more than their NumPy, and the first set stays FIRST_WORKING_SET,
        # whatever the number of rows. (A size from n_samples would make a
        # fit on weighted rows take other rounds, and so stop at another
        # point within tol, than the fit on the rows repeated:
        # scikit-learn's check_sample_weight_equivalence, 15 x 30.)
        return FIRST_WORKING_SET
    size = int(FIRST_SET_ENTRIES * n_features / entries)
    return max(FIRST_WORKING_SET, min(size, n_samples // 2, n_features))


def at_least_two(working_set, n_features):
    """``working_set`` with a second feature added if it has one only."""
    if working_set.shape[0] != 1 or n_features < 2:
        return working_set
    other = 1 if working_set[0] == 0 else 0
    return np.sort(np.array([working_set[0], other], dtype=np.int64))


def solve(
    problem, W, intercept, Z, max_iter, tol, trace, datafit=None, outer=None,
    gradient=None,
):  # fmt: skip
    """Run working-set coordinate descent from ``(W, intercept)`` in place.

    ``problem`` is specialised (:func:`._common.specialise`) with a dense
    (either order) or a CSC design; ``Z`` is the predictor at the start
    (computed when None); ``outer``, if given, is the problem's
    :class:`_Outer`, and ``gradient`` ``(grad, grad_intercept)`` at the
    start. ``max_iter`` bounds the number of sweeps over a working set
    (``n_iter``). Returns ``(W, intercept, n_iter, status, violation)``, the
    violation measured at the returned point by the outer loop's last
    gradient.
    """
    if outer is None:
        if datafit is None:
            datafit = DATAFITS_BY_CODE[loss_code(problem.loss)]
        outer = _Outer(problem, datafit)
    if Z is None:
        Z = outer.predictor(W, intercept).astype(W.dtype)
    columns = WorkingColumns(problem, keep_full=trace.coef.shape[0] > 0)
    # Sparse centred columns (squared loss only) need the total derivative;
    # an uncentred sparse problem (other losses) does not.
    needs_total = problem.X.layout == CSC and bool(np.any(problem.x_mean != 0.0))
    k = W.shape[1]
    vectors = np.zeros((4, k))
    # A row's derivative, for a loss that is not separable across outputs.
    derivative = None if outer.datafit.separable else np.empty(k)
    status = MAX_ITER_REACHED
    n_iter = 0
    working_set = np.empty(0, dtype=np.int64)
    first = _first_set_size(problem.X)
    while True:
        if gradient is None:
            _, _, grad, grad_intercept = outer.gradient(W, Z)
        else:
            (grad, grad_intercept), gradient = gradient, None
        residuals, at_intercept = outer.violations(W, grad, grad_intercept)
        worst = max(float(residuals.max(initial=0.0)), at_intercept)
        if worst <= tol:
            status = CONVERGED
            break
        if n_iter >= max_iter:
            break  # ``worst`` is the violation at the returned point
        support = W[:, 0] != 0.0 if k == 1 else (W != 0.0).any(axis=1)
        working_set = _choose_working_set(
            residuals, support, working_set.shape[0], first
        )
        columns.select(at_least_two(working_set, W.shape[0]))
        sub, indices = columns.sub_problem()
        W_sub = columns.take(W)
        sweeps, finite = solve_sub_problem(
            sub, indices, columns, W_sub, intercept, Z, max_iter - n_iter,
            _inner_tolerance(residuals, working_set, worst, tol), needs_total,
            trace, n_iter, vectors,
            derivative, outer.datafit, outer.Y, outer.weights,
        )  # fmt: skip
        columns.put(W, W_sub)
        n_iter += sweeps
        if not finite:
            return W, intercept, n_iter, NON_FINITE, math.nan
    return W, intercept, n_iter, status, worst


def column_design(problem):
    """``problem`` specialised; its design dense (either order) or CSC.

    'cd' reads columns: the preparation converts sparse data to CSC, and
    leaves dense data as they are (:class:`WorkingColumns` gathers a
    working set's columns of a C-ordered design).
    """
    problem = specialise(problem)
    if problem.X.layout not in (DENSE, DENSE_T, CSC):
        raise ValueError("coordinate descent needs a dense or CSC design")
    return problem


def coordinate_descent(
    problem, W_init, intercept_init, max_iter, tol, trace, start_gradient=None
):
    """Run working-set coordinate descent; return ``(W, intercept, n_iter,
    status, violation)`` (:class:`~skdecay._core._solvers.SolverOutput`).

    ``max_iter`` bounds the number of sweeps over a working set (``n_iter``);
    each coordinate steps with its own constant (no learning rate).
    ``start_gradient`` ``(grad, grad_intercept)`` at the start (float64), if
    given, replaces the first pass over ``X``.
    """
    datafit = DATAFITS_BY_CODE[loss_code(problem.loss)]
    W = np.array(W_init, order="C")
    with one_blas_thread():
        return solve(
            column_design(problem), W, np.array(intercept_init, dtype=W.dtype),
            None, max_iter, tol, trace, datafit, gradient=start_gradient,
        )  # fmt: skip
