"""'Several options ticked: record the highest' is the POEM, RECAP and DLQI (and CDLQI) rule
only. ADCT ("all six items required, no imputation") and GSRS have no such rule in the
reference, so a list of ticked options there is an error naming the item, not a silent max."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.instruments import InstrumentInputError, adct, cdlqi, dlqi, gsrs, poem, recap


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 5), st.lists(st.integers(0, 4), min_size=2, max_size=3))
def test_adct_list_item_is_refused_naming_it(pos, ticked):
    answers = [1] * 6
    answers[pos] = ticked
    with pytest.raises(InstrumentInputError) as ei:
        adct(answers)
    assert ei.value.field == f"answers[{pos}]" and "several" in ei.value.problem


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 14), st.lists(st.integers(1, 7), min_size=2, max_size=3))
def test_gsrs_list_item_is_refused_naming_it(pos, ticked):
    answers = [2] * 15
    answers[pos] = ticked
    with pytest.raises(InstrumentInputError) as ei:
        gsrs(answers)
    assert ei.value.field == f"answers[{pos}]"


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_instruments_with_the_rule_keep_the_highest(data):
    for fn, n, hi in ((poem, 7, 4), (recap, 7, 4), (dlqi, 10, 3), (cdlqi, 10, 3)):
        pos = data.draw(st.integers(0, n - 1))
        ticked = data.draw(st.lists(st.integers(0, hi), min_size=2, max_size=3))
        answers = [1] * n
        answers[pos] = ticked
        plain = [1] * n
        plain[pos] = max(ticked)
        assert fn(answers).total == fn(plain).total == n - 1 + max(ticked)


def test_cli_names_the_item():
    import json

    from typer.testing import CliRunner

    from gutskin.cli import app

    r = CliRunner().invoke(app, ["score", "adct", "--input", "-"], input=json.dumps({"answers": [0, [1, 3], 0, 0, 0, 0]}))
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: answers[1]: ")
