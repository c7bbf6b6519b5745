"""``limitdyn sweep CONFIG.toml``: summary, non-zero status on failures, bad files."""

from __future__ import annotations

import pytest

from limitdyn.cli import main


def _config(tmp_path, body: str):
    path = tmp_path / "sweep.toml"
    path.write_text(body)
    return path


def test_a_failing_point_gives_status_1_and_a_table(tmp_path, capsys) -> None:
    path = _config(
        tmp_path,
        'function = "sweep._points:raises"\nstore = "out"\n[grid]\ni = [0, 1, 2, 3]\n',
    )
    assert main(["sweep", str(path), "--local", "2", "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "4 points: 3 done, 1 failed" in out
    assert "i=2" in out and "ValueError: point 2 is bad" in out
    assert (tmp_path / "out" / "SWEEP_STORE").exists()  # relative to the file


def test_fixed_values_and_resume(tmp_path, capsys) -> None:
    path = _config(
        tmp_path,
        'function = "limitdyn.sweep:gaussian_moments"\nstore = "out"\nseed = 3\n'
        "[fixed]\nscale = 2.0\n[grid]\nn = [10, 20]\n",
    )
    assert main(["sweep", str(path), "--local", "1", "--no-progress"]) == 0
    assert "2 done, 0 failed (2 computed now" in capsys.readouterr().out
    assert main(["sweep", str(path), "--local", "1", "--no-progress"]) == 0
    assert "(0 computed now, 2 from" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('store = "x"\n[grid]\nn = [1]\n', "missing key 'function'"),
        ('function = "math:nothing"\nstore = "x"\n[grid]\nn = [1]\n', "math has no 'nothing'"),
        ('function = "no_such_mod:f"\nstore = "x"\n[grid]\nn = [1]\n', "cannot import"),
        ('function = "math:sqrt"\nstore = "x"\nstores = 1\n[grid]\nn = [1]\n', "unknown key"),
        ('function = "math:sqrt"\nstore = "x"\n', "exactly one of"),
        ('function = "math:sqrt"\nstore = "x"\n[grid]\nn = 1\n', "non-empty list"),
        ("function = \n", "not valid TOML"),
    ],
)
def test_bad_configurations_exit_2_naming_the_file(tmp_path, capsys, body, match) -> None:
    path = _config(tmp_path, body)
    assert main(["sweep", str(path), "--local", "1"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and match in err


def test_local_and_scheduler_exclude_each_other(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "x.toml", "--local", "1", "--scheduler", "tcp://127.0.0.1:1"])
    assert exc.value.code == 2
