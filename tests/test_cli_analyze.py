"""``limitdyn analyze | converge | run`` and ``figures --data``: outputs that carry the
mathematics, and bad files as one line with status 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from limitdyn.cli import main
from limitdyn.spec import example_path

TEXT = str(example_path("turinici_toy_gan_text"))
GD = str(example_path("gradient_descent_quadratic"))


@pytest.mark.parametrize("command", ["analyze", "converge", "run", "figures"])
def test_every_help_has_an_example(command: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "limitdyn", command, "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "example:" in out.stdout and f"limitdyn {command}" in out.stdout


def test_analyze_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", TEXT, "--order", "1"]) == 0
    out = capsys.readouterr().out
    assert "y' = x - x_r" in out and "x' = -y" in out  # Turinici's text: a center
    assert main(["analyze", GD, "--format", "json", "--stability"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1
    assert data["stability"]["equilibria"][0]["scheme"]["max_stable_step"]["text"] == "1/5"


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
def test_analyze_formats(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", TEXT, "--order", "0", "--format", fmt]) == 0
    assert r"\dot{x}" in capsys.readouterr().out


def test_run_writes_the_trajectory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Gradient descent on x^2/2 + 5 y^2 from (1, 1/2): x_n = (1 - tau)^n exactly."""
    out = tmp_path / "run.csv"
    assert (
        main(
            [
                "run",
                GD,
                "--tau",
                "0.01",
                "--steps",
                "100",
                "--engine",
                "numpy",
                "--csv",
                str(out),
                "--plot",
                str(tmp_path / "run.png"),
            ]
        )
        == 0
    )
    assert "100 steps" in capsys.readouterr().out
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["t", "x", "y"] and len(rows) == 102
    n = np.arange(101)
    t, xs, ys = np.array(rows[1:], dtype=float).T
    np.testing.assert_allclose(t, 0.01 * n, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(xs, 0.99**n, rtol=1e-12)
    np.testing.assert_allclose(ys, 0.5 * 0.9**n, rtol=1e-12)
    assert (tmp_path / "run.png").read_bytes()[:4] == b"\x89PNG"


def test_converge_measures_order_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Explicit steps converge to the limit at order 1 (Turinici, Lemma 1)."""
    js, cs = tmp_path / "c.json", tmp_path / "c.csv"
    args = [
        "converge",
        TEXT,
        "--taus",
        "0.02",
        "0.01",
        "0.005",
        "0.0025",
        "--t-end",
        "1",
        "--engine",
        "numpy",
    ]
    assert (
        main([*args, "--json", str(js), "--csv", str(cs), "--plot", str(tmp_path / "c.png")]) == 0
    )
    assert "fitted order" in capsys.readouterr().out
    data = json.loads(js.read_text())
    assert data["format"] == "limitdyn-convergence" and abs(data["order"] - 1) < 0.05
    assert len(list(csv.reader(cs.open()))) == 5
    # against the order-1 modified equation the error is O(tau^2)
    assert main([*args[:-2], "--reference", "1", "--json", str(js)]) == 0
    assert abs(json.loads(js.read_text())["order"] - 2) < 0.1


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "limitdyn", *args], capture_output=True, text=True)


def test_bad_file_is_one_line_and_status_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('variables = ["x"]\n[[stage]]\nfield = { x = "-b*x" }\n')
    out = _cli("analyze", str(bad))
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert lines == [f"limitdyn: error: {bad}:3:17: stage[1].field.x: undeclared symbol 'b'"]
    out = _cli("--debug", "analyze", str(bad))
    assert out.returncode != 0 and "Traceback" in out.stderr and "SpecError" in out.stderr
    out = _cli("run", str(bad), "--steps", "3")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", GD, "--tau", "0.01"], None),  # steps from the file: fine
        (["run", GD, "--tau", "-1", "--steps", "3"], "tau"),
        (["converge", TEXT, "--reference", "best"], "--reference"),
        (["analyze", TEXT, "--order", "99"], "above the largest"),
        (["analyze", str(Path("no") / "such.toml")], "cannot read"),
        (["run", GD, "--csv", str(Path("no") / "dir" / "x.csv")], "does not exist"),
    ],
)
def test_bad_options(
    args: list[str], message: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main([*args, "--engine", "numpy"] if args[0] != "analyze" else args)
    err = capsys.readouterr().err
    if message is None:
        assert status == 0
    else:
        assert status in (1, 2) and message in err and len(err.strip().splitlines()) == 1


def test_figures_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "explicit-implicit-alternating"
    assert (
        main(["figures", "--out", str(tmp_path), "--only", name, "--format", "png", "--data"]) == 0
    )
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"{name}.csv", f"{name}.npz", f"{name}.png"]
    from limitdyn.figures import make_figure

    data = make_figure(name).data
    with np.load(tmp_path / f"{name}.npz") as saved:
        for key, value in data.items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(saved[key], value)
    rows = list(csv.reader((tmp_path / f"{name}.csv").open()))
    assert rows[0] == ["array", "index", "value"] and len(rows) > 1
