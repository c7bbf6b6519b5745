"""Every notebook in notebooks/ runs top to bottom (they only call the public API), and the
quickstart shows the rich displays: a scheme's update rule in LaTeX, a study as HTML."""

from __future__ import annotations

import ast
import itertools
import math
import re
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def _execute(path: Path) -> Any:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return notebook


def _outputs(notebook: Any) -> list[Any]:
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    ]


_RUNS: dict[Path, Any] = {}


def _run(path: Path) -> Any:
    if path not in _RUNS:
        _RUNS[path] = _execute(path)
    return _RUNS[path]


def test_the_eight_notebooks_are_stored_without_outputs() -> None:
    """Issue 19: notebooks 01-08, kept without outputs (the suite executes them)."""
    import json

    assert [p.name[:3] for p in NOTEBOOKS] == [f"{i:02d}-" for i in range(1, 9)]
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert code, path.name
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path) -> None:
    errors = [o for o in _outputs(_run(path)) if o.get("output_type") == "error"]
    assert not errors


def test_quickstart_shows_rich_reprs() -> None:
    notebook = _run(Path(__file__).parents[1] / "notebooks" / "01-quickstart.ipynb")
    shown = [
        o.get("data", {}) for o in _outputs(notebook) if o.get("output_type") == "execute_result"
    ]
    latex = [d["text/latex"] for d in shown if "text/latex" in d]
    # the toy GAN as the text describes it: critic first, the generator sees y_{n+1}
    assert (
        r"$\begin{aligned}y_{n+1} &= y_{n} + \tau \left(x_{n} - x_{r}\right) \\ "
        r"x_{n+1} &= x_{n} - \tau y_{n+1}\end{aligned}$"
    ) in latex
    assert r"$\begin{aligned}\dot{y} &= x - x_{r} \\ \dot{x} &= - y\end{aligned}$" in latex
    html = [d["text/html"] for d in shown if "text/html" in d]
    assert any("<table" in h and "tau" in h for h in html), "the convergence study's table"
    warnings = [
        o
        for o in _outputs(notebook)
        if o.get("name") == "stderr" and "Warning" in o.get("text", "")
    ]
    assert not warnings


# -- notebooks 01-04: what they display, against the published statements -------------------


def _tagged(
    name: str, tag: str, kinds: tuple[str, ...] = ("execute_result", "display_data")
) -> list[Any]:
    """The rich outputs (``data`` dicts) of the cell tagged ``tag`` in notebook ``name``."""
    notebook = _run(Path(__file__).parents[1] / "notebooks" / name)
    cells = [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{name}: one cell tagged {tag!r}"
    return [o["data"] for o in cells[0].get("outputs", []) if o.get("output_type") in kinds]


def _plain(name: str, tag: str) -> str:
    (data,) = _tagged(name, tag, ("execute_result",))  # the cell's value, not its figures
    return str(data["text/plain"])


def test_quickstart_sign_orbit_and_criterion() -> None:
    """Turinici (arXiv:2012.10410): eq. (2) as printed is a saddle, the text's sign a center
    (REFERENCES.md); the slides' criterion (twice the steps at half the size) sees the
    distances halve: order 1 for explicit steps."""
    nb = "01-quickstart.ipynb"
    (printed,) = [d["text/latex"] for d in _tagged(nb, "printed-limit")]
    (text,) = [d["text/latex"] for d in _tagged(nb, "text-limit")]
    assert r"\lambda \in \{-1, 1\}" in printed and "(saddle)" in printed
    assert r"\lambda \in \{- i, i\}" in text and "(center)" in text
    check = _plain(nb, "refinement")
    assert check.startswith("RefinementCheck(converged")
    order = float(re.search(r"implied order ([0-9.]+)", check).group(1))  # type: ignore[union-attr]
    assert abs(order - 1.0) < 0.1
    (study,) = [d["text/html"] for d in _tagged(nb, "study")]
    assert "<table" in study


def test_modified_equations_notebook() -> None:
    """Barrett & Dherin (ICLR 2021): gradient descent adds (tau/4)|grad E|^2 to E; the order-k
    modified flow is O(tau^(k+1)) from the iterates (HLW ch. IX); Rosca et al. (ICML 2021,
    Thms. 3.1-3.2): the second player's cross term flips sign from simultaneous to
    alternating updates."""
    sp = pytest.importorskip("sympy")
    nb = "02-modified-equations.ipynb"
    x, y, tau = sp.symbols("x y tau")
    E = sp.Function("E")(x, y)
    ex2, ey2 = E.diff(x) ** 2, E.diff(y) ** 2
    (igr,) = _tagged(nb, "igr-term")
    assert igr["text/plain"] == sp.sstrrepr(sp.factor(tau / 4 * (ex2 + ey2)))
    assert r"\frac{\tau" in igr["text/latex"] and "}{4}" in igr["text/latex"]
    orders = ast.literal_eval(_plain(nb, "orders"))
    assert set(orders) == {"limit", "1", "2"}
    for ref, expected in (("limit", 1.0), ("1", 2.0), ("2", 3.0)):
        assert abs(orders[ref] - expected) < 0.15, (ref, orders)
    lx = E + tau / 4 * ex2 - tau / 4 * ey2
    simultaneous = (lx, -E + tau / 4 * ey2 - tau / 4 * ex2)
    alternating = (lx, -E + tau / 4 * ey2 + tau / 4 * ex2)
    assert _plain(nb, "losses-simultaneous") == sp.sstrrepr(simultaneous)
    assert _plain(nb, "losses-alternating") == sp.sstrrepr(alternating)


def test_conserved_quantities_notebook() -> None:
    """Simultaneous GDA on xy multiplies x^2 + y^2 by 1 + tau^2, implicit by 1/(1 + tau^2)
    (Mescheder et al. 2018, Sec. 2); symplectic Euler conserves x^2 + y^2 - tau x y exactly
    (HLW I.1, IX.3); the toy GAN conserves gamma cosh(theta) + omega^2/2, not the lecture's
    cosh(theta) + omega^2/gamma (REFERENCES.md, Delgadino's toy example)."""
    sp = pytest.importorskip("sympy")
    nb = "03-conserved-quantities.ipynb"
    x, y, tau = sp.symbols("x y tau")
    gamma = sp.Symbol("gamma", positive=True)
    growth = {"explicit": 1 + tau**2, "implicit": 1 / (1 + tau**2), "alternating": None}
    shown = _plain(nb, "growth")
    for name, factor in growth.items():
        assert f"{name!r}: {sp.sstrrepr(factor)}" in shown, shown
    assert _plain(nb, "alternating-invariant") == sp.sstrrepr([x**2 + y**2 - tau * x * y])
    drift = _plain(nb, "tilde-drift")
    assert float(re.search(r"max drift ([0-9.e+-]+)\)", drift).group(1)) < 1e-12  # type: ignore[union-attr]
    (integral,) = _tagged(nb, "toy-integral")
    theta_r, omega_r = sp.symbols("theta omega", real=True)
    assert integral["text/plain"] == sp.sstrrepr(gamma * sp.cosh(theta_r) + omega_r**2 / 2)
    drifts = ast.literal_eval(_plain(nb, "toy-drifts"))
    assert drifts["derived"] < 1e-7 < 0.1 < drifts["printed"]


class _Table(HTMLParser):
    """The body rows of an HTML table (pandas' to_html): the index cell, then the values."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = self._in_cell = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag in ("th", "td"):
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][-1] += data.strip()


def test_stability_notebook_dirac_catalogue() -> None:
    """The Dirac-GAN (Mescheder, Geiger & Nowozin, ICML 2018): the unregularised limit is a
    center with eigenvalues +- i f'(0) and alternating steps stay on the unit circle up to
    tau = 2/f'(0); the exact largest simultaneous step equals 2|Re l|/|l|^2 computed from
    the limit's eigenvalues (Mescheder, Nowozin & Geiger, NeurIPS 2017, Lemma 4)."""
    (data,) = _tagged("04-stability.ipynb", "catalogue")
    table = _Table()
    table.feed(data["text/html"])
    rows = {row[0]: row[1:] for row in table.rows}
    assert len(rows) == 15
    for name, (_, kind, simultaneous, bound, _) in rows.items():
        assert Fraction(simultaneous) == Fraction(bound), name
        if "+" not in name or name == "wasserstein + instance-noise":
            assert kind == "center" and Fraction(simultaneous) == 0, name
        else:
            assert kind == "stable focus" and Fraction(simultaneous) > 0, name
    assert rows["minimax"][0] == "-I/2, I/2" and rows["minimax"][4] == "4"  # f'(0) = 1/2
    assert rows["wasserstein"][0] == "-I, I" and rows["wasserstein"][4] == "2"  # f'(0) = 1


# -- notebooks 05-08: what they display, against the published statements -------------------


def _value(name: str, tag: str) -> Any:
    """The value of the cell tagged ``tag``, read back from its ``text/plain`` repr."""
    return ast.literal_eval(_plain(name, tag))


def _printed(name: str, tag: str) -> list[str]:
    """The stdout of every cell tagged ``tag`` in notebook ``name``, one string per cell."""
    notebook = _run(Path(__file__).parents[1] / "notebooks" / name)
    cells = [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert cells, f"{name}: a cell tagged {tag!r}"
    return [
        "".join(o["text"] for o in c.get("outputs", []) if o.get("name") == "stdout") for c in cells
    ]


def test_gan_losses_notebook() -> None:
    """Generator slopes D, 1 - D, 1 (Goodfellow et al. 2014, sec. 3; Arjovsky & Bottou 2017,
    Thm. 2.4); V(D*, G) = 2 JS - log 4 (Goodfellow et al. 2014, Thm. 1); the Dirac-GAN's
    eigenvalues +- i f'(0), simultaneous growth sqrt(1 + tau^2 f'(0)^2) per step and
    alternating steps of determinant 1 (Mescheder, Geiger & Nowozin, ICML 2018, sec. 2);
    parallel lines (Arjovsky et al. 2017, Example 1)."""
    nb = "05-gan-losses.ipynb"
    assert _plain(nb, "slopes") == "{'minimax': D, 'non-saturating': 1 - D, 'wasserstein': 1}"
    assert _plain(nb, "ratio") == "exp(a*theta + b)"  # D / (1 - D) = e^logit
    value = _value(nb, "optimal-value")
    # by hand: p_data = (1/4, 1/2, 1/4, 0), p_model = (0, 1/4, 1/4, 1/2) on 0, 1, 2, 3
    pd, pg = (0.25, 0.5, 0.25, 0.0), (0.0, 0.25, 0.25, 0.5)
    by_hand = sum(p * math.log(p / (p + q)) for p, q in zip(pd, pg) if p) + sum(
        q * math.log(q / (p + q)) for p, q in zip(pd, pg) if q
    )
    assert value["V(D*, G)"] == pytest.approx(by_hand, abs=1e-12)
    assert value["2 JS - log 4"] == pytest.approx(by_hand, abs=1e-12)
    assert _plain(nb, "dirac-eigenvalues") == (
        "{'minimax': [-I/2, I/2], 'non-saturating': [-I/2, I/2], 'wasserstein': [-I, I]}"
    )
    rate = " ".join(_plain(nb, "radial-rate").split())
    assert rate == (
        "{'minimax': 0, 'non-saturating': -psi*theta*tanh(psi*theta/2), 'wasserstein': 0}"
    )
    assert _plain(nb, "alternating-determinant") == "1"
    radii = _value(nb, "radii")  # tau = 0.1, 400 steps from (1, 1)
    tau = 0.1
    assert radii["wasserstein", "simultaneous"] == pytest.approx(
        math.sqrt(2) * (1 + tau**2) ** 200, rel=1e-4
    )
    assert radii["minimax", "simultaneous"] > math.sqrt(2)
    # alternating Wasserstein steps conserve Q = theta^2 + psi^2 -+ tau theta psi exactly
    # (symplectic Euler, Hairer, Lubich & Wanner I.1), so r^2 in [(2 - tau)/(1 + tau/2),
    # (2 + tau)/(1 - tau/2)]
    r = radii["wasserstein", "alternating"]
    assert (2 - tau) / (1 + tau / 2) <= r**2 <= (2 + tau) / (1 - tau / 2)
    (inside, outside) = _value(nb, "cycle").values()
    assert max(inside[0], outside[0]) <= min(inside[1], outside[1]), "one attracting orbit"
    lines = _value(nb, "parallel-lines")
    assert lines["max |JS - log 2| off 0"] < 1e-12
    assert lines["max |TV - 1| off 0"] < 1e-12
    assert lines["KL infinite off 0"] is True
    assert lines["JS, TV, KL at 0"] == (0.0, 0.0, 0.0)
    assert lines["max |W1 - |theta||"] < 1e-12


def test_particles_notebook() -> None:
    """Delgadino's mean-field scaling dt = lr/N, gamma_c = n_critic N/M; coagulation of
    critic particles on the boundary of Q (merged particles stay merged); collapse of the
    clipped, near-affine critic onto the data mean; propagation of chaos,
    E d_2^2 <= C/N (Cabrera, Delgadino & Suassuna; REFERENCES.md)."""
    nb = "06-particles.ipynb"
    scales = _value(nb, "timescales")
    assert scales["dt = lr / N"] == pytest.approx(20.0 / 100)
    assert scales["gamma_c = n_critic N / M"] == pytest.approx(5 * 100 / 20)
    coag = _value(nb, "coagulation")
    positions = coag["distinct positions"]
    assert positions[0] == 20
    assert all(b <= a for a, b in itertools.pairwise(positions)), "a merge is for ever"
    assert positions[-1] <= 5 and coag["distinct units"][-1] <= positions[-1]
    assert coag["fraction on a face of Q at the end"] == 1.0
    assert "modes_captured=1/25" in _plain(nb, "coverage")
    collapse = _value(nb, "collapse-mean")
    assert collapse["captured mode"] == [0.0, 0.0]  # the central mode is the data mean
    assert math.hypot(*collapse["mean of the final samples"]) < 0.1
    for label, exponent in _value(nb, "chaos").items():
        assert -1.3 < exponent < -0.7, label


def test_metric_flows_and_sgd_notebook() -> None:
    """Natural gradient x' = -G^-1 grad C for the Fisher metric diag(1/s^2, 2/s^2) (Amari
    1998); order 1 of proximal iterates; Turinici's EDI (14): zero along the flow, O(tau^2)
    along iterates, and for the de Giorgi interpolation of a dual flow (Theorem 1, eq. (21));
    the order-2 SME's drift -grad(f + tau/4 |grad f|^2) and covariance tau Var(a), and weak
    orders 1 and 2 (Li, Tai & E, ICML 2017, Thm. 1)."""
    nb = "07-metric-flows-and-sgd.ipynb"
    natural = "".join(_plain(nb, "natural-gradient").split())
    assert natural == "(ODE(m'=-m*s**2,s'=-s**3/2+s/2),Matrix([[0],[0]]))"
    assert abs(float(_plain(nb, "proximal-order")) - 1.0) < 0.1
    edi = _value(nb, "edi")
    assert abs(edi["along the flow"]) < 1e-6
    assert all(v > 0 for v in edi["along proximal iterates"])  # EDI (12): >= 0 off the flow
    assert abs(edi["fitted order"] - 2.0) < 0.2
    assert abs(_value(nb, "dual-edi")["fitted order"] - 2.0) < 0.2
    assert _plain(nb, "sme-drift") == "(0, Matrix([[tau]]))"
    paths = _value(nb, "paths")
    assert paths["max |mean SGD - mean SME|"] < 0.03
    assert paths["max |var SGD - var SME|"] < 0.02
    orders = _value(nb, "weak-orders")
    assert abs(orders[1] - 1.0) < 0.15 and abs(orders[2] - 2.0) < 0.15


def test_property_tests_notebook() -> None:
    """The property tests pass; the false claim (alternating steps conserve x^2 + y^2) shrinks
    to the game x0 y0 with the change computed by hand; the order-0 equation measures order 1,
    the order-1 one order 2 (Hairer, Lubich & Wanner, Thm. IX.1.2)."""
    nb = "08-property-tests.ipynb"
    notebook = _run(Path(__file__).parents[1] / "notebooks" / nb)
    passed = [c for c in notebook.cells if "passed" in c.get("metadata", {}).get("tags", [])]
    shown = [o["data"]["text/plain"] for c in passed for o in c.outputs if "data" in o]
    assert shown == ["'passed'"] * 3
    (counterexample,) = _printed(nb, "counterexample")
    assert "f=x0*y0" in counterexample and "coupling=Matrix([[1]])" in counterexample
    # x+ = x - tau y, y+ = y + tau x+ at x = 1, y = 2, tau = 1/10
    t = Fraction(1, 10)
    x1 = 1 - t * 2
    y1 = 2 + t * x1
    assert f"goes from 5 to {x1**2 + y1**2}, expected 5" in counterexample
    orders = _value(nb, "modified-orders")
    assert orders and all(o > 1.75 for o in orders)
    (second,) = _printed(nb, "limit-not-second-order")
    assert "z0=(0.0, 1.0)" in second
    measured = float(re.search(r"global error of order ([0-9.]+)", second).group(1))  # type: ignore[union-attr]
    assert abs(measured - 1.0) < 0.1
