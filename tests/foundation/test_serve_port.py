"""A second `make run` while one is serving: one line, before the demo is loaded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

GUTSKIN = str(Path(sys.executable).with_name("gutskin"))


def test_serve_on_a_busy_port_is_one_line_and_loads_nothing(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "GUTSKIN_DATABASE_URL": f"sqlite:///{db}", "GUTSKIN_ENV": "development"}
        r = subprocess.run([GUTSKIN, "serve", "--demo", "--port", str(port)], env=env, capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.splitlines() == [f"error: --port {port}: 127.0.0.1:{port} is already in use (is gutskin already running?)"]
    assert "serving on" not in r.stdout and "demo logins" not in r.stdout
    assert not db.exists()  # nothing migrated or loaded
