"""Numba-jitted numerical core of skdecay.

Nothing in this package imports scikit-learn: it receives validated NumPy and
SciPy arrays and returns NumPy arrays. The pieces are

* :mod:`._linalg` -- products with the design matrix, one kernel per layout
  (dense C/F order, CSR, CSC), behind a single :class:`DesignMatrix` handle;
* :mod:`._losses` -- the data-fit terms (squared, logistic, multinomial), one
  module each;
* :mod:`._penalties` -- the elastic-net family (L2 decay, L1 soft-threshold);
* :mod:`._solvers` -- one module per first-order method;
* :mod:`._problem` -- the Python entry point that prepares a problem once
  (centering, preconditioner, tolerance) and runs a solver on it.
"""
