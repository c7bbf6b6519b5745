"""``limitdyn figures --manifest``: MANIFEST.md says what each figure reproduces, with the
command and parameters that rebuild it, and tells the truth about the figures it describes."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from limitdyn.cli import _build_parser, main
from limitdyn.errors import InputError, LimitdynError
from limitdyn.figures import _registry, available, manifest, recipes, register, write_manifest

#: every figure named in the issues (``issues show N``, open and closed), by issue
NAMED_IN_ISSUES = {
    2: ("dual-flow-oscillation", "dual-flow-convergence", "explicit-implicit-alternating"),
    3: ("implicit-regularization", "gan-drift"),
    4: ("mode-collapse", "critic-coagulation", "propagation-of-chaos", "toy-gan-particles"),
    11: ("toy-periodic-orbits",),
    12: ("dirac-gan", "gan-losses", "parallel-lines"),
    13: ("edi-residual", "collapse-not-stationary"),
    14: ("sgd-sme",),
}


def _sections(text: str) -> dict[str, str]:
    """The ``## NAME`` sections of a manifest, by name."""
    parts = re.split(r"^## (\S+)\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_every_figure_named_in_the_issues_is_reproduced() -> None:
    # issue 19: "limitdyn figures reproduces every figure named in the issues (at least 14)"
    named = {name for names in NAMED_IN_ISSUES.values() for name in names}
    assert len(named) >= 14
    assert named <= set(available()), sorted(named - set(available()))


def test_every_recipe_names_its_source_equation_and_parameters() -> None:
    for recipe in recipes():
        # a publication: an author's initial and surname, and a venue, year or arXiv number
        assert re.search(r"[A-Z]\. [A-Z][a-z]+", recipe.source), recipe.name
        assert re.search(r"(19|20)\d\d|arXiv:\d{4}\.\d{4,5}", recipe.source), recipe.name
        # a numbered object of that publication, or the slide it reproduces
        assert re.search(r"(Fig\.|eqs?\.|Theorem|Thm\.|Lemma|Example|Definition|§|slide|Toy)",
                         recipe.equation + recipe.source), recipe.name  # fmt: skip
        assert recipe.parameters, recipe.name


def test_register_refuses_a_figure_without_its_source() -> None:
    with pytest.raises(LimitdynError, match=r"'no-source'.*source"):
        register("no-source", title="t", source="", equation="Fig. 1", parameters={})
    assert "no-source" not in available()


def test_manifest_has_one_section_per_figure_with_the_command_that_rebuilds_it() -> None:
    text = manifest(out="my figs", formats=["svg"])
    sections = _sections(text)
    assert list(sections) == list(available())  # every figure, in name order
    parser = _build_parser()
    for recipe in recipes():
        body = sections[recipe.name]
        assert recipe.title in body
        assert f"- **Source:** {recipe.source}" in body
        assert f"- **Reproduces:** {recipe.equation}" in body
        for key in recipe.parameters:
            assert f"  - `{key}` = " in body
        assert f"`{recipe.name}.svg`" in body and ".png" not in body
        (command,) = re.findall(r"\*\*Command:\*\* `([^`]+)`", body)
        words = shlex.split(command)
        assert words[0] == "limitdyn"
        args = parser.parse_args(words[1:])  # the CLI accepts the printed command
        assert (args.command, args.out, args.only, args.formats) == (
            "figures",
            "my figs",
            [recipe.name],
            ["svg"],
        )
        # the summary table links the section and shows the same source (| escaped)
        row = f"| [{recipe.name}](#{recipe.name}) | {recipe.source.replace('|', chr(92) + '|')} |"
        assert row in text


def test_manifest_of_some_figures_describes_only_those() -> None:
    text = manifest(["gan-drift", "dirac-gan"])
    assert list(_sections(text)) == ["gan-drift", "dirac-gan"]
    assert "`gan-drift.png`, `gan-drift.pdf`" in text  # default formats, no --format flag
    assert "--format" not in text


@pytest.mark.parametrize(
    ("name", "checks"),
    [
        ("gan-drift", lambda p, d: p["tau"] == d["tau"]),
        (
            "dirac-gan",
            lambda p, d: (
                (p["tau"], p["steps"], tuple(p["start (theta, psi)"]))
                == (d["tau"], d["steps"], tuple(d["start"]))
            ),
        ),
        (
            "explicit-implicit-alternating",
            lambda p, d: (
                p["tau"] == d["tau"]
                and all(
                    run.shape == (p["steps"] + 1, 2) and np.array_equal(run[0], p["start"])
                    for run in d["runs"].values()
                )
            ),
        ),
        (
            "dual-flow-oscillation",
            lambda p, d: p["tau"] == d["tau"] and np.array_equal(p["x_r"], d["target"]),
        ),
        (
            "implicit-regularization",
            lambda p, d: p["tau"] == d["tau"] and np.array_equal(d["iterates"][0], p["start"]),
        ),
    ],
)
def test_manifest_parameters_are_those_the_figure_plots(name: str, checks) -> None:
    (recipe,) = recipes([name])
    assert checks(recipe.parameters, recipe.make().data)


def test_cli_manifest_writes_figures_and_manifest(tmp_path: Path, capsys) -> None:
    out = tmp_path / "figs"
    old = os.umask(0o027)
    try:
        status = main(["figures", "--out", str(out), "--only", "gan-drift", "--format", "png",
                       "--manifest"])  # fmt: skip
    finally:
        os.umask(old)
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == ["MANIFEST.md", "gan-drift.png"]  # no temp
    text = (out / "MANIFEST.md").read_text()
    assert list(_sections(text)) == ["gan-drift"]
    assert f"--out {shlex.quote(str(out))} --only gan-drift --format png" in text
    assert (out / "MANIFEST.md").stat().st_mode & 0o777 == 0o640  # the umask's, not 0600
    assert capsys.readouterr().out.splitlines()[-1] == str(out / "MANIFEST.md")


def test_cli_without_manifest_writes_none(tmp_path: Path) -> None:
    assert main(["figures", "--out", str(tmp_path), "--only", "gan-drift", "--format", "png"]) == 0
    assert not (tmp_path / "MANIFEST.md").exists()


def test_bad_names_write_nothing_and_keep_the_old_manifest(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.md").write_text("old\n")
    with pytest.raises(InputError, match="unknown figure 'nope'"):
        write_manifest(tmp_path, only=["nope"])
    with pytest.raises(InputError, match="unknown figure format 'xyz'"):
        write_manifest(tmp_path, formats=["xyz"])
    with pytest.raises(InputError, match="out"):
        write_manifest("")
    assert main(["figures", "--out", str(tmp_path), "--only", "nope", "--manifest"]) == 2
    assert os.listdir(tmp_path) == ["MANIFEST.md"]
    assert (tmp_path / "MANIFEST.md").read_text() == "old\n"


def test_an_interrupted_write_leaves_the_old_manifest_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "MANIFEST.md").write_text("old\n")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_registry.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_manifest(tmp_path, only=["gan-drift"])
    assert os.listdir(tmp_path) == ["MANIFEST.md"]
    assert (tmp_path / "MANIFEST.md").read_text() == "old\n"
