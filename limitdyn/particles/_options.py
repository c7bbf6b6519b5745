"""The option names of the particle models: dtypes, activations, optimizers, scalings,
RMSProp's normalisations.

Each tuple lists the valid names of one option (the first is the default where there is
one); :func:`resolve_dtype` and :func:`activation_code` turn a name into what the kernels
take.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import one_of
from ..errors import InputError

__all__ = [
    "ACTIVATIONS",
    "DTYPES",
    "OPTIMIZERS",
    "RMSPROP_NORMS",
    "SCALINGS",
    "activation_code",
    "resolve_dtype",
]

DTYPES = ("float64", "float32")
#: in the order of the kernels' integer codes (0 sigmoid, 1 tanh, 2 ReLU)
ACTIVATIONS = ("sigmoid", "tanh", "relu")
OPTIMIZERS = ("sgd", "rmsprop")
SCALINGS = ("mean-field", "raw")
#: RMSProp's second moment per coordinate (Tieleman and Hinton) or per particle, of the
#: squared norm of the particle's gradient (Delgadino's slides)
RMSPROP_NORMS = ("coordinate", "particle")


def resolve_dtype(dtype: Any) -> np.dtype:
    """float64 or float32, named or as a numpy dtype.

    Examples
    --------
    >>> resolve_dtype("float32")
    dtype('float32')
    >>> resolve_dtype("float16")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: unknown dtype 'float16'; valid dtypes: float64, float32
    """
    try:
        resolved = np.dtype(dtype)
    except TypeError as exc:
        raise InputError(f"unknown dtype {dtype!r}; valid dtypes: {', '.join(DTYPES)}") from exc
    if resolved.name not in DTYPES:
        raise InputError(f"unknown dtype {dtype!r}; valid dtypes: {', '.join(DTYPES)}")
    return resolved


def activation_code(name: str) -> int:
    """Integer code of an activation name understood by the kernels.

    Examples
    --------
    >>> activation_code("tanh")
    1
    >>> activation_code("gelu")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: unknown activation 'gelu'; valid activations: sigmoid, tanh, relu
    """
    return ACTIVATIONS.index(one_of(name, "activation", ACTIVATIONS))
