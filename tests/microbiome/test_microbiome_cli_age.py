"""`gutskin microbiome report --age-years N`: the CLI report had only --age-group, so a child's
report on the command line never got the age-aware words an upload gets (a 3-17-year-old placed
among adults: the caveat that the reference holds adults and the evidence line about babies;
docs/microbiome.md, "Clinician and parent walk (2026-12-06)"). The age (whole years, as the upload
counts them) picks the reference (infant under 3) and is checked: 0-120, else one line, exit 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from gutskin.microbiome.report import ADULT_EVIDENCE, CHILD_CAVEAT, CHILD_EVIDENCE

from .test_microbiome_report import _genus_profile

runner = CliRunner()


def _report(tmp_path, *args: str):  # type: ignore[no-untyped-def]
    from gutskin.cli import app

    tsv = tmp_path / "genus.tsv"
    _genus_profile(n=3, depth=11000, seed=2).table.astype(int).rename_axis("#SampleID").to_csv(tsv, sep="\t")
    return runner.invoke(app, ["microbiome", "report", str(tsv), "--sample", "P1", "--rank", "genus",
                               "--method", "16S", *args])


def test_a_child_among_adults_is_told_so(tmp_path) -> None:
    res = _report(tmp_path, "--age-years", "4", "--json")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["age_group"] == "adult" and rep["reference_comparison"]["comparable"]
    assert rep["child_age_years"] == 4 and CHILD_CAVEAT in rep["caveats"]
    assert CHILD_EVIDENCE in rep["plain_language"] and ADULT_EVIDENCE not in rep["plain_language"]
    text = _report(tmp_path, "--age-years", "4")  # the text report prints the caveats too
    assert text.exit_code == 0 and f"Note: {CHILD_CAVEAT}" in text.stdout


def test_the_age_picks_the_reference_and_an_adult_is_unchanged(tmp_path) -> None:
    baby = json.loads(_report(tmp_path, "--age-years", "1", "--json").stdout)
    assert baby["age_group"] == "infant" and "child_age_years" not in baby
    adult = json.loads(_report(tmp_path, "--age-years", "30", "--json").stdout)
    same = json.loads(_report(tmp_path, "--age-group", "adult", "--json").stdout)
    assert adult == same and ADULT_EVIDENCE in adult["plain_language"] and CHILD_CAVEAT not in adult["caveats"]


def test_an_age_out_of_range_or_none_is_one_line_exit_2(tmp_path) -> None:
    for bad in ("-1", "121"):
        res = _report(tmp_path, "--age-years", bad)
        assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1, res.output
        assert f"--age-years must be a whole number of years from 0 to 120, not {bad}" in res.stderr
    res = _report(tmp_path)
    assert res.exit_code == 2 and "--age-group adult|infant or --age-years" in res.stderr, res.output
