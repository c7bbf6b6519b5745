"""The README stands alone: its set-up commands, its links, and its examples run.

The ``python`` blocks run in order as one script, in a fresh interpreter with matplotlib's
Agg backend; what the comments say they print is checked on the output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```$", re.M | re.S)


def _blocks(language: str) -> list[str]:
    return [textwrap.dedent(m[3]) for m in FENCE.finditer(README) if m[2] == language]


def test_the_two_set_up_commands_come_first() -> None:
    first = FENCE.search(README)
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first[3].splitlines()]
    assert commands == ["make demo", "make test"]


def test_install_line_and_python_version() -> None:
    assert 'pip install ".[' in README
    assert "Python >= 3.10" in README
    assert "python_requires = >=3.10" in (ROOT / "setup.cfg").read_text()


def test_license_file_matches_setup_cfg() -> None:
    assert "license = BSD-3-Clause" in (ROOT / "setup.cfg").read_text()
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "Copyright (c) 2026, the limitdyn developers" in text


def test_relative_links_exist() -> None:
    links = re.findall(r"\]\(([^)#]+)\)", README)
    local = [link for link in links if "://" not in link]
    assert local, "the README links to its docs"
    missing = [link for link in local if not (ROOT / link).exists()]
    assert not missing, missing
    assert "shared/" not in README and "DESIGN.md" not in README


def test_cites_the_reproduced_papers() -> None:
    for needle in ("arXiv:2012.10410", "Delgadino", "Dong", "Hairer, C. Lubich, G. Wanner"):
        assert needle in README, needle


def test_python_blocks_run(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    blocks = _blocks("python")
    assert len(blocks) >= 3
    script = tmp_path / "readme_examples.py"
    script.write_text("\n\n".join(blocks))
    env = {**os.environ, "MPLBACKEND": "Agg", "TQDM_DISABLE": "1"}
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    # what the comments promise
    assert "ODE(y' = x - x_r, x' = -y)" in out.stdout
    assert "fitted order" in out.stdout
    assert "x' = -E_x + tau*(-E_x*E_xx/2 - E_y*E_xy/2)" in out.stdout
