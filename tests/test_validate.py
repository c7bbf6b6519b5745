"""The shared argument checks (limitdyn/_validate.py): what is accepted, what is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from limitdyn._validate import (
    as_generator,
    non_negative_int,
    one_of,
    positive_float,
    positive_int,
    steps_or_t_end,
)
from limitdyn.errors import InputError


@pytest.mark.parametrize("value", [1, 0.5, np.float32(2.0), np.int64(3), 1e-300])
def test_positive_float_accepts_positive_finite_numbers(value: object) -> None:
    assert positive_float(value, "tau") == float(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -1.0, math.nan, math.inf, "0.1", None, True, [1.0]])
def test_positive_float_refuses_and_names_the_argument(value: object) -> None:
    with pytest.raises(InputError, match="tau must be a positive"):
        positive_float(value, "tau")


def test_positive_float_allows_infinity_only_when_asked() -> None:
    assert positive_float(math.inf, "clip", allow_inf=True) == math.inf
    with pytest.raises(InputError, match="clip"):
        positive_float(math.nan, "clip", allow_inf=True)


@pytest.mark.parametrize("check, bad", [(positive_int, 0), (non_negative_int, -1)])
def test_integer_checks(check: object, bad: int) -> None:
    assert check(5, "n") == 5  # type: ignore[operator]
    assert check(np.int32(5), "n") == 5  # type: ignore[operator]
    for value in (bad, 2.0, True, "3"):
        with pytest.raises(InputError, match="n must be a"):
            check(value, "n")  # type: ignore[operator]


def test_one_of_lists_the_valid_names() -> None:
    assert one_of("sgd", "optimizer", ("sgd", "rmsprop")) == "sgd"
    with pytest.raises(InputError, match="valid optimizers: sgd, rmsprop"):
        one_of(["sgd"], "optimizer", ("sgd", "rmsprop"))


def test_steps_or_t_end_takes_exactly_one() -> None:
    assert steps_or_t_end(0, None) == (0, None)
    assert steps_or_t_end(None, 1) == (None, 1.0)
    for steps, t_end in ((None, None), (3, 1.0)):
        with pytest.raises(InputError, match="exactly one of steps= and t_end="):
            steps_or_t_end(steps, t_end)
    with pytest.raises(InputError, match="t_end"):
        steps_or_t_end(None, 0.0)
    with pytest.raises(InputError, match="steps"):
        steps_or_t_end(-1, None)


def test_as_generator_is_reproducible_and_passes_generators_through() -> None:
    g = np.random.default_rng(7)
    assert as_generator(g) is g
    assert as_generator(3).integers(10**9) == np.random.default_rng(3).integers(10**9)
    with pytest.raises(InputError, match="seed"):
        as_generator(1.5)


def test_positive_float_refuses_an_int_too_large_for_a_float() -> None:
    """float(10**400) raises OverflowError, which leaked out of the check."""
    with pytest.raises(InputError, match="tau must be a positive number"):
        positive_float(10**400, "tau")
