"""Files the command line writes with health data are readable by their owner only (0600),
whatever the umask (a cron job's usual 022 made exports world-readable)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.foundation.test_cli_errors import cli  # noqa: F401  (fixture)

DIARY = "patient,date,itch,sleep_loss,poem\n" + "".join(f"p1,2026-11-{d:02d},{d % 8},1,{d % 20}\n" for d in range(1, 29))


@pytest.mark.parametrize("command, name", [(("export", "diary"), "diary.csv"),
                                           (("export", "fhir", "--patient", "p1"), "bundle.json"),
                                           (("report", "--patient", "p1"), "report.pdf")])
def test_exports_are_private(cli, tmp_path: Path, command: tuple[str, ...], name: str) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'g.db'}"
    src = tmp_path / "in.csv"
    src.write_text(DIARY, encoding="utf-8")
    assert cli(url, "import", "diary", src).exit_code == 0
    out = tmp_path / name
    (tmp_path / (name + ".part")).write_text("left by a crashed run")
    os.chmod(tmp_path / (name + ".part"), 0o644)
    old = os.umask(0o022)
    try:
        r = cli(url, *command, "--out", out)
    finally:
        os.umask(old)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert out.stat().st_size > 0 and stat.S_IMODE(out.stat().st_mode) == 0o600
