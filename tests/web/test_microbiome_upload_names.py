"""An upload's file name is shown in the patient's list of samples. Letters outside ASCII became
'_': 'Stuhlprobe Zoë (März).biom' was listed as 'Stuhlprobe Zo_ _M_rz_.biom' (found in the new-user
walk of 2026-12-06). Letters and digits of any script are kept now, in NFC (macOS browsers send
decomposed names); path parts, controls and bidi overrides still go, and the name stays within
120 bytes (it names a temporary file), cut before the suffix."""

from __future__ import annotations

from pathlib import Path

import pytest

from gutskin.clinic import microbiome as micro
from gutskin.store.db import transaction

PROFILE = (Path(__file__).parent / "data" / "metaphlan_profile.tsv").read_bytes()


@pytest.mark.parametrize(("sent", "kept"), [
    ("Stuhlprobe Zoë (März).biom", "Stuhlprobe Zoë _März_.biom"),
    ("Stuhlprobe Zoe\u0308.tsv", "Stuhlprobe Zoë.tsv"),
    ("C:\\Users\\zoë\\Probe_1.tsv", "Probe_1.tsv"),
    ("../../etc/passwd", "passwd"),
    ("evil\u202egpj.tsv", "evil_gpj.tsv"),
    ("a\x00b\x1b[31m.tsv", "a_b__31m.tsv"),
    ("..", "upload"),
])
def test_file_names(sent, kept) -> None:
    assert micro.safe_filename(sent) == kept


def test_a_long_name_in_another_script_fits_a_file_name() -> None:
    name = micro.safe_filename("便" * 200 + ".tsv")
    assert len(name.encode("utf-8")) <= 120 and name == "便" * 38 + ".tsv"  # the suffix says the format
    assert micro.safe_filename("x" * 300 + ".biom") == "x" * 115 + ".biom"


def test_upload_keeps_a_non_ascii_name(engine, people) -> None:
    with transaction(engine) as s:
        out = micro.upload_sample(s, people.owner, people.owner_pid, "Stuhlprobe Zoë (März).tsv", PROFILE,
                                  method="shotgun")
    assert out["filename"] == "Stuhlprobe Zoë _März_.tsv"
    with transaction(engine) as s:
        assert [x["filename"] for x in micro.list_samples(s, people.owner, people.owner_pid)] == ["Stuhlprobe Zoë _März_.tsv"]
    with transaction(engine) as s:  # the long name is read whole (it names the temporary file too)
        out = micro.upload_sample(s, people.owner, people.owner_pid, "便" * 200 + ".tsv", PROFILE, method="shotgun")
    assert out["filename"] == "便" * 38 + ".tsv"
