"""A registry of named schemes, one per constructor kind of the public API, each with its
limit vector field written by hand from the mathematics (diffrax's ``test/helpers.py``
pattern: one list drives ``pytest.mark.parametrize``).

Sources of the hand-written limits:

- [T] G. Turinici, "Convergence dynamics of GANs: the dual metric flows", arXiv:2012.10410,
  Appendix Lemma 1: explicit ``x+ = x + tau f(x)`` and implicit ``x+ = x + tau f(x+)`` steps
  both converge to ``x' = f(x)``; eqs. (7)-(9): the dual (game) flow
  ``x' = -grad_x C^x, y' = -grad_y C^y`` is the limit of the alternating proximal steps.
- [HLW] E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical Integration*, 2nd ed.,
  ch. II.5 (splitting: a composition of consistent flows of ``f_b`` is consistent with
  ``sum_b f_b``) and ch. XV.2 (the underlying one-step method of a multistep method).
- [KS] N. B. Kovachki, A. M. Stuart, "Continuous time analysis of momentum methods",
  JMLR 22 (2021): with the momentum ``beta`` fixed as ``tau -> 0``, heavy ball and
  Nesterov's method both have the limit ``x' = -grad f / (1 - beta)``.
- [K] G. M. Korpelevich, "The extragradient method ...", Ekon. Mat. Metody 12 (1976).
- [KW] J. Kivinen, M. K. Warmuth, "Exponentiated gradient versus gradient descent for
  linear predictors", Inform. Comput. 132 (1997): ``x+ = x exp(-tau grad f)``.
- [DISZ] C. Daskalakis, A. Ilyas, V. Syrgkanis, H. Zeng, "Training GANs with optimism",
  ICLR 2018 (optimistic gradient: ``x+ = x + 2 tau F(x) - tau F(x_prev)``).

Conventions (see ``limitdyn/_scheme.py`` and ``limitdyn/_multistep.py``):

- a block with rate ``r`` steps with ``r * tau``, so its limit is ``r F_b``;
- a block repeated ``n`` times (``repeats=[..., n, ...]``, ``n_critic``) takes ``n``
  consecutive steps of size ``r * tau`` per step of the scheme, so its limit is ``n r F_b``;
- a two-step scheme ``x+ = R(x, x_prev, tau)`` runs on the doubled state ``(x, x_prev)``
  and its limit is reported on both halves, ``x' = f(x)`` and ``x_prev' = f(x_prev)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import sympy as sp

import limitdyn as ld

tau = ld.tau
x, y, u, v = sp.symbols("x y u v")
xr = sp.Symbol("x_r")
a = sp.Symbol("a", positive=True)
c = sp.Symbol("c", positive=True)
beta = sp.Symbol("beta", positive=True)

#: a nonlinear, non-gradient planar field: x' = -x**3 + y, y' = -x - y / 2
NONLINEAR = (-(x**3) + y, -x - y / 2)
#: Turinici's toy GAN as the text describes it: y' = x - x_r, x' = -y (a center at x_r)
TOY = {y: x - xr, x: -y}
#: the bilinear game E = x y, x minimising and y maximising: x' = -y, y' = x
BILINEAR = (-y, x)
#: costs of a regularised two-player game, C^x for x and C^y for y
COST_X = x**2 / 2 + x * y
COST_Y = y**2 / 4 - x * y
GAME_FIELD = (-sp.diff(COST_X, x), -sp.diff(COST_Y, y))  # (-x - y, x - y/2)
#: a quadratic loss with a parameter, plus a quartic term
LOSS = a * x**2 / 2 + x * y / 4 + y**2 / 2 + x**4 / 8
NEG_GRAD = (-sp.diff(LOSS, x), -sp.diff(LOSS, y))
#: the gradient of (x - 1)**2/2 + (y - 2)**2/2 + x y/4, for the multiplicative update
EG_GRAD = (x - 1 + y / 4, y - 2 + x / 4)


@dataclass(frozen=True, eq=False)
class Case:
    """One scheme with its hand-written limit and the data to run it.

    Attributes
    ----------
    name : str
        The pytest id.
    scheme : Scheme or TwoStepScheme
        The scheme under test.
    limit : tuple of Expr
        The limit vector field on ``scheme.variables``, written by hand.
    z0 : tuple of float
        Initial state: all of ``scheme.variables`` for a one-step scheme, only
        ``scheme.current`` for a two-step one.
    params : mapping str -> float
        Values of ``scheme.parameters``.
    tau : float
        Largest step of the local-error test (``tau * 2**-i``, ``i = 0..4``).
    t_end : float
        Final cumulative learning rate of the convergence study.
    taus : tuple of float
        Step sizes of the convergence study.
    max_order : int
        Highest modified-equation order checked by the local-error test.
    source : str
        Where the limit comes from.
    """

    name: str
    scheme: ld.Scheme | ld.TwoStepScheme
    limit: tuple[sp.Expr, ...]
    z0: tuple[float, ...]
    params: Mapping[str, float] = field(default_factory=dict)
    tau: float = 0.1
    t_end: float = 1.0
    taus: tuple[float, ...] = (0.02, 0.01, 0.005, 0.0025)
    max_order: int = 2
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "limit", tuple(sp.sympify(e) for e in self.limit))
        if len(self.limit) != self.scheme.dim:
            raise ValueError(
                f"{self.name}: {len(self.limit)} limit entries, {self.scheme.dim} vars"
            )

    @property
    def two_step(self) -> bool:
        return isinstance(self.scheme, ld.TwoStepScheme)


def _doubled(field_: Sequence[sp.Expr], scheme: ld.TwoStepScheme) -> tuple[sp.Expr, ...]:
    """``(f(x), f(x_prev))``: the two-step convention for a field ``f`` of the current state."""
    back = dict(zip(scheme.current, scheme.previous))
    return (*field_, *(sp.sympify(e).xreplace(back) for e in field_))


def _two_step_cases() -> list[Case]:
    half = sp.Rational(1, 2)
    og = ld.optimistic(list(BILINEAR), [x, y])
    hb_num = ld.heavy_ball(x**2 / 2 + x**4 / 4, x, momentum=half)
    hb_sym = ld.heavy_ball(LOSS.subs(y, 0), x, momentum=beta)
    # Nesterov's accelerated gradient as a general two-step recurrence:
    # x+ = w + tau F(w), w = x + beta (x - x_prev); [KS]: limit F / (1 - beta)
    w = {x: x + half * (x - u), y: y + half * (y - v)}
    nag = ld.two_step(
        {s: w[s] + tau * f.xreplace(w) for s, f in zip((x, y), NONLINEAR)}, previous=[u, v]
    )
    return [
        Case(
            "optimistic",
            og,
            _doubled(BILINEAR, og),  # [DISZ]: R(x, x, 0) = x, dR/dtau = F: limit F
            (1.0, 0.5),
            tau=0.1,
            source="DISZ",
        ),
        Case(
            "heavy_ball-numeric",
            hb_num,
            _doubled([-(x + x**3) / (1 - half)], hb_num),  # [KS]: -grad f / (1 - beta)
            (0.6,),
            tau=0.01,
            taus=(0.01, 0.005, 0.0025, 0.00125),
            source="KS",
        ),
        Case(
            "heavy_ball-symbolic",
            hb_sym,
            _doubled([-(a * x + x**3 / 2) / (1 - beta)], hb_sym),  # [KS]
            (0.5,),
            {"a": 1.5, "beta": 0.25},
            tau=0.04,
            taus=(0.01, 0.005, 0.0025, 0.00125),
            max_order=1,
            source="KS",
        ),
        Case(
            "two_step-nesterov",
            nag,
            _doubled([f / (1 - half) for f in NONLINEAR], nag),  # [KS]: F / (1 - beta)
            (0.5, 0.5),
            tau=0.04,
            taus=(0.01, 0.005, 0.0025, 0.00125),
            source="KS",
        ),
    ]


def _exponentiated_gradient() -> ld.Scheme:
    """Exponentiated gradient (multiplicative weights) as a map, ``x+ = x exp(-tau df/dx)``:
    non-polynomial, so the symbolic series take the SymPy-expression path."""
    return ld.from_map({x: x * sp.exp(-tau * EG_GRAD[0]), y: y * sp.exp(-tau * EG_GRAD[1])})


def _game_cases() -> list[Case]:
    out = []
    for order in ("x-first", "y-first", "simultaneous"):
        for implicit in (True, False):
            kind = "implicit" if implicit else "explicit"
            out.append(
                Case(
                    f"game-{order}-{kind}",
                    ld.game(COST_X, COST_Y, x, y, order=order, implicit=implicit),
                    GAME_FIELD,  # [T] eq. (7): x' = -grad_x C^x, y' = -grad_y C^y
                    (1.0, -0.5),
                    tau=0.1,
                    source="T eqs. (7)-(9)",
                )
            )
    out.append(
        Case(
            "game-rates-repeats",
            ld.game(COST_X, COST_Y, x, y, implicit=False, rates=[1, 2], repeats=[1, 2]),
            # y steps twice with 2 tau per step: y' = 2 * 2 * (-grad_y C^y)
            (GAME_FIELD[0], 4 * GAME_FIELD[1]),
            (1.0, -0.5),
            tau=0.05,
            source="T eq. (7), rates and repeats",
        )
    )
    return out


CASES: tuple[Case, ...] = (
    Case(
        "explicit-gradient-descent",
        ld.explicit(list(NEG_GRAD), [x, y]),
        NEG_GRAD,  # [T] Lemma 1: explicit Euler -> f = -grad f
        (0.8, -0.4),
        {"a": 1.5},
        tau=0.1,
        source="T Lemma 1",
    ),
    Case(
        "implicit-nonlinear",
        ld.implicit(list(NONLINEAR), [x, y]),
        NONLINEAR,  # [T] Lemma 1: implicit Euler -> f
        (0.8, -0.4),
        tau=0.05,
        source="T Lemma 1",
    ),
    Case(
        "alternating-toy-gan",
        ld.alternating([(y, [TOY[y]]), (x, [TOY[x]])]),
        (TOY[y], TOY[x]),  # [T] eqs. (1)-(2) as the text reads them; variables (y, x)
        (0.0, 2.0),
        {"x_r": 1.0},
        tau=0.1,
        source="T eq. (2), text's sign",
    ),
    Case(
        "alternating-rates",
        ld.alternating([(y, [TOY[y]]), (x, [TOY[x]])], rates=[c, sp.Rational(1, 2)]),
        (c * TOY[y], TOY[x] / 2),  # block b steps with rate_b * tau: limit rate_b F_b
        (0.0, 2.0),
        {"x_r": 1.0, "c": 2.0},
        tau=0.1,
        source="HLW II.5 (splitting), rates",
    ),
    Case(
        "alternating-repeats",
        ld.alternating([(y, [TOY[y]]), (x, [TOY[x]])], repeats=[3, 1]),
        (3 * TOY[y], TOY[x]),  # n_critic = 3 critic steps of tau: limit 3 F_y
        (0.0, 2.0),
        {"x_r": 1.0},
        tau=0.05,
        source="HLW II.5 (splitting), repeats",
    ),
    Case(
        "alternating-three-variables",
        ld.alternating([((x, u), [y - x**3, -u + x * y]), (y, [-x - u])]),
        (y - x**3, -u + x * y, -x - u),  # a two-variable block, then a one-variable one
        (0.5, 0.3, -0.2),
        tau=0.1,
        source="HLW II.5 (splitting)",
    ),
    Case(
        "alternating-implicit",
        ld.alternating([(x, [NONLINEAR[0]]), (y, [NONLINEAR[1]])], implicit=True),
        NONLINEAR,  # [T] eqs. (8)-(9): alternating proximal steps -> the dual flow
        (0.8, -0.4),
        tau=0.05,
        source="T eqs. (8)-(9)",
    ),
    Case(
        "simultaneous-bilinear",
        ld.simultaneous([(x, [BILINEAR[0]]), (y, [BILINEAR[1]])]),
        BILINEAR,  # one explicit Euler step of the joint field
        (1.0, 0.5),
        tau=0.1,
        source="T Lemma 1",
    ),
    Case(
        "simultaneous-rates",
        ld.simultaneous([(x, [BILINEAR[0]]), (y, [BILINEAR[1]])], rates=[1, a]),
        (BILINEAR[0], a * BILINEAR[1]),  # block rates scale the fields
        (1.0, 0.5),
        {"a": 2.0},
        tau=0.1,
        source="T Lemma 1, rates",
    ),
    Case(
        "simultaneous-implicit",
        ld.simultaneous([(x, [NONLINEAR[0]]), (y, [NONLINEAR[1]])], implicit=True),
        NONLINEAR,  # the proximal point method: one joint implicit Euler step
        (0.8, -0.4),
        tau=0.05,
        source="T Lemma 1",
    ),
    *_game_cases(),
    Case(
        "from_map-exponentiated-gradient",
        _exponentiated_gradient(),
        # [KW]: x exp(-tau g) = x - tau x g + O(tau^2): limit x' = -x g (the entropic
        # mirror-descent flow)
        (-x * EG_GRAD[0], -y * EG_GRAD[1]),
        (0.5, 0.5),
        tau=0.2,
        source="KW",
    ),
    Case(
        "extragradient-bilinear",
        ld.extragradient(list(BILINEAR), [x, y]),
        BILINEAR,  # [K]: x+ = x + tau F(x + tau F(x)) = x + tau F + O(tau^2)
        (1.0, 0.5),
        tau=0.1,
        source="K",
    ),
    *_two_step_cases(),
)


#: pytest ids, aligned with CASES
IDS = [case.name for case in CASES]
