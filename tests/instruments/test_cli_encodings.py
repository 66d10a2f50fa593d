"""`gutskin score` reads JSON as files come from real editors: UTF-8 with a byte-order mark
(Windows Notepad), UTF-16; a key given twice, an empty file and bytes that are no text are
one-line errors naming what is wrong (a repeated key used to be silently overwritten)."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.instruments import score

ROOT = Path(__file__).resolve().parents[2]
GUTSKIN = ROOT / ".venv" / "bin" / "gutskin"
if not GUTSKIN.exists():
    GUTSKIN = Path(sys.executable).with_name("gutskin")


def run(*args, stdin: bytes | None = None):
    return subprocess.run([str(GUTSKIN), *map(str, args)], input=stdin, capture_output=True, timeout=60)


def _one_line_error(p, *needles):
    assert p.returncode == 2 and p.stdout == b"", (p.returncode, p.stdout)
    lines = p.stderr.decode().strip().splitlines()
    assert len(lines) == 1, p.stderr
    for n in needles:
        assert n in lines[0], lines[0]


ENCODINGS = {
    "utf-8-bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16": lambda t: t.encode("utf-16"),
    "utf-16-le-no-bom": lambda t: t.encode("utf-16-le"),
    "utf-32": lambda t: t.encode("utf-32"),
}


@pytest.mark.parametrize("enc", list(ENCODINGS))
def test_file_and_stdin_in_editor_encodings(tmp_path, enc):
    payload = {"answers": [4, 2, 0, 1, 3, 2, 4]}
    raw = ENCODINGS[enc](json.dumps(payload))
    f = tmp_path / "poem.json"
    f.write_bytes(raw)
    want = score("poem", payload)
    for p in (run("score", "poem", "--input", f), run("score", "poem", "--input", "-", stdin=raw)):
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout) == want


def test_repeated_key_is_refused_naming_it(tmp_path):
    f = tmp_path / "dup.json"
    f.write_text('{"answers": [4, 2, 0, 1, 3, 2, 4], "answers": [0, 0, 0, 0, 0, 0, 0]}')
    _one_line_error(run("score", "poem", "--input", f), "answers", "twice", "dup.json")
    nested = '{"age_years": 30, "regions": {"trunk": {}, "trunk": {}}}'
    _one_line_error(run("score", "easi", "--input", "-", stdin=nested.encode()), "trunk", "twice", "stdin")


def test_empty_and_non_text_files(tmp_path):
    f = tmp_path / "empty.json"
    f.write_bytes(b"  \n")
    _one_line_error(run("score", "nrs", "--input", f), "empty.json", "empty")
    g = tmp_path / "latin1.json"
    g.write_bytes('{"score": "é"}'.encode("latin-1"))
    _one_line_error(run("score", "nrs", "--input", g), "latin1.json", "not UTF-8")


@settings(max_examples=15, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=7, max_size=7),
       st.sampled_from(list(ENCODINGS)))
def test_any_recap_in_any_encoding_scores_like_the_library(tmp_path_factory, answers, enc):
    payload = {"answers": answers}
    p = run("score", "recap", "--input", "-", stdin=ENCODINGS[enc](json.dumps(payload)))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == score("recap", payload)
