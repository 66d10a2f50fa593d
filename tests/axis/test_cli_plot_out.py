"""``gutskin simulate plot``: an ``--out`` or ``--data-json`` in a folder that does not exist, or
naming a folder, is one line before the simulation runs, nothing written and no folder made, as
``export``/``report``/``backup`` do (contract walk of 2026-12-06: ``--out typo/fig.png`` made the
folder ``typo`` and printed success; ``--data-json`` in a missing folder failed only after the
whole simulation)."""

from __future__ import annotations

from typer.testing import CliRunner

from gutskin.cli import app

SMALL = ["--patients", "2", "--weeks", "2", "--days", "5"]


def _plot(*args: str):
    return CliRunner().invoke(app, ["simulate", "plot", *args, *SMALL])


def _one_line(r, expected: str) -> None:
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines() == [f"error: {expected}"]
    assert r.stdout == ""


def test_out_in_a_missing_folder_is_refused_and_no_folder_is_made(tmp_path) -> None:
    out = tmp_path / "typo" / "fig.png"
    _one_line(_plot("--out", str(out)), f"--out {out}: the folder does not exist")
    assert not (tmp_path / "typo").exists()


def test_data_json_in_a_missing_folder_is_refused_before_the_figure(tmp_path) -> None:
    fig, data = tmp_path / "fig.svg", tmp_path / "missing" / "d.json"
    _one_line(_plot("--out", str(fig), "--data-json", str(data)), f"--data-json {data}: the folder does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_folder_given_as_out_is_named(tmp_path) -> None:
    folder = tmp_path / "figures.png"
    folder.mkdir()
    _one_line(_plot("--out", str(folder)), f"--out {folder}: is a directory")


def test_existing_folders_still_get_the_files(tmp_path) -> None:
    fig, data = tmp_path / "fig.png", tmp_path / "d.json"
    r = _plot("--out", str(fig), "--data-json", str(data))
    assert r.exit_code == 0, r.output
    assert fig.read_bytes().startswith(b"\x89PNG") and data.stat().st_size > 0
