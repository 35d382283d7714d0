"""Type aliases for public signatures."""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

#: Dense array-likes (lists, NumPy arrays, pandas frames) or SciPy sparse input.
MatrixLike = ArrayLike | sp.spmatrix | sp.sparray
Penalty = Literal["l2", "l1", "elasticnet"] | None
Solver = Literal["auto", "gd", "fista", "cd", "newton", "prox_newton"]
RandomState = int | np.random.RandomState | None
