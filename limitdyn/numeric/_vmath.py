"""``math`` for arrays: the functions the whitelist printer emits, as numpy ufuncs.

Generated path loops of the ``"numpy"`` engine run vectorised over paths; they import this
namespace under the name ``math``, so the printer's fixed text (``math.exp(...)``) applies
elementwise. Conditionals (``Piecewise``, ``Min``, ``Max``, ``floor`` ...) have no
vectorised text and are refused before code is generated (:data:`UNVECTORISABLE`).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import sympy as sp
from scipy import special

__all__ = ["UNVECTORISABLE", "math"]

#: SymPy node types whose printed text is scalar-only (a Python conditional or builtin)
UNVECTORISABLE = (
    sp.Piecewise,
    sp.sign,
    sp.Heaviside,
    sp.Mod,
    sp.KroneckerDelta,
    sp.Min,
    sp.Max,
    sp.floor,
    sp.ceiling,
)

math = SimpleNamespace(
    pi=np.pi,
    e=np.e,
    inf=np.inf,
    nan=np.nan,
    sqrt=np.sqrt,
    pow=np.power,
    isfinite=np.isfinite,
    exp=np.exp,
    log=np.log,
    sin=np.sin,
    cos=np.cos,
    tan=np.tan,
    asin=np.arcsin,
    acos=np.arccos,
    atan=np.arctan,
    sinh=np.sinh,
    cosh=np.cosh,
    tanh=np.tanh,
    asinh=np.arcsinh,
    acosh=np.arccosh,
    atanh=np.arctanh,
    erf=special.erf,
    erfc=special.erfc,
    gamma=special.gamma,
    atan2=np.arctan2,
)
