"""``gutskin microbiome cohort`` on a cohort where something does not vary: one line on stderr
naming what (exit 2) or a null with a note, never NaN or Infinity in the JSON (contract walk of
2026-12-06).

Before: a constant outcome printed scipy's ConstantInputWarning and then "column
'scorad_split' needs at least two groups"; diversity equal in every sample gave
``"rho": NaN`` (not JSON) and an OLS coefficient for the constant column with p = 0.00014 (the
intercept split in two); samples of one composition gave PERMANOVA ``pseudo_f`` NaN with p 0.001
and an ANCOM-BC traceback ("Quantiles must be in the range [0, 1]"); identical samples within
each group gave ``pseudo_f`` Infinity. An undefined PERMANOVA is now null with a note (the rest
of the analysis still prints); a correlation that cannot be computed is refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.microbiome import MicrobiomeInputError
from gutskin.microbiome.cohort import differential_abundance
from gutskin.microbiome.profile import Profile

N = 12
SAMPLES = [f"S{i}" for i in range(N)]


def _strict(text: str):
    def refuse(constant: str):
        raise AssertionError(f"{constant} in the JSON output")

    return json.loads(text, parse_constant=refuse)


def _write(tmp_path, counts: np.ndarray, meta: dict[str, list]) -> tuple[str, str]:
    table = tmp_path / "table.tsv"
    lines = ["#OTU ID\t" + "\t".join(SAMPLES)]
    lines += [f"g__G{f}\t" + "\t".join(str(int(v)) for v in counts[:, f]) for f in range(counts.shape[1])]
    table.write_text("\n".join(lines) + "\n")
    md = tmp_path / "meta.tsv"
    pd.DataFrame({"sample": SAMPLES, **meta}).to_csv(md, sep="\t", index=False)
    return str(table), str(md)


def _varied(seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).poisson(30, size=(N, 8)) + 1


SCORAD = [float(x) for x in np.linspace(5, 80, N)]


def _run(*args: str):
    return CliRunner().invoke(app, ["microbiome", "cohort", *args])


def _one_line(r, expected: str) -> None:
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines() == [f"error: {expected}"]
    assert r.stdout == ""


def test_a_constant_outcome_is_named(tmp_path) -> None:
    table, md = _write(tmp_path, _varied(), {"scorad": [10.0] * N})
    _one_line(_run(table, "--metadata", md, "--outcome", "scorad", "--json"),
              "outcome scorad: every sample has the same value (10); there is nothing to relate diversity to")


@pytest.mark.parametrize("ancombc", [True, False])
def test_diversity_equal_in_every_sample_is_named(tmp_path, ancombc) -> None:
    table, md = _write(tmp_path, np.full((N, 5), 10), {"scorad": SCORAD})
    args = [table, "--metadata", md, "--outcome", "scorad", "--json"] + ([] if ancombc else ["--no-ancombc"])
    _one_line(_run(*args), "shannon is the same in every sample (1.609); a correlation needs diversity that "
                           "differs between samples (another --metric, or a larger --rarefy depth)")


def test_a_constant_covariate_is_not_given_a_coefficient(tmp_path) -> None:
    table, md = _write(tmp_path, _varied(), {"scorad": SCORAD, "age": [30] * N})
    _one_line(_run(table, "--metadata", md, "--outcome", "scorad", "--covariate", "age", "--json"),
              "regression: age has the same value in every sample; it cannot be estimated")


def test_one_composition_everywhere_gives_null_permanova_with_a_note(tmp_path) -> None:
    table, md = _write(tmp_path, np.full((N, 5), 10), {"group": ["a", "b"] * (N // 2)})
    r = _run(table, "--metadata", md, "--outcome", "group", "--json", "--no-ancombc", "--permutations", "99")
    assert r.exit_code == 0, (r.output, r.exception)
    assert r.stderr == ""  # numpy's divide warnings are not printed
    out = _strict(r.stdout)["ordination"]
    assert out["permanova"]["pseudo_f"] is None and out["permanova"]["p"] is None
    assert out["permanova"]["note"] == ("every sample has the same composition (all Bray–Curtis distances are 0): "
                                        "PERMANOVA's pseudo-F is not defined")
    assert out["pcoa"]["proportion_explained"] == [None, None, None]
    text = _run(table, "--metadata", md, "--outcome", "group", "--no-ancombc", "--permutations", "99")
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines() == [
        "PERMANOVA (Bray–Curtis) by group: not computed, every sample has the same composition (all Bray–Curtis "
        "distances are 0): PERMANOVA's pseudo-F is not defined"]


def test_identical_samples_within_each_group_give_null_permanova_with_a_note(tmp_path) -> None:
    counts = np.array([[10, 20, 30, 5, 5]] * (N // 2) + [[30, 5, 10, 20, 5]] * (N // 2))
    table, md = _write(tmp_path, counts, {"group": ["a"] * (N // 2) + ["b"] * (N // 2)})
    r = _run(table, "--metadata", md, "--outcome", "group", "--json", "--no-ancombc", "--permutations", "99")
    assert r.exit_code == 0, (r.output, r.exception)
    assert r.stderr == ""
    perm = _strict(r.stdout)["ordination"]["permanova"]
    assert (perm["pseudo_f"], perm["p"]) == (None, None)
    assert perm["note"] == "the samples within each group of group have the same composition: PERMANOVA's pseudo-F is not defined"


def test_ancombc_that_cannot_be_fitted_is_one_line(tmp_path) -> None:
    table, md = _write(tmp_path, np.full((N, 5), 10), {"group": ["a", "b"] * (N // 2)})
    _one_line(_run(table, "--metadata", md, "--outcome", "group", "--json", "--permutations", "99"),
              "ANCOM-BC could not be fitted on this table (Quantiles must be in the range [0, 1]); "
              "--no-ancombc leaves it out")


def test_ancombc_that_cannot_be_fitted_is_a_microbiome_input_error() -> None:
    profile = Profile(pd.DataFrame(np.full((N, 5), 10), index=SAMPLES, columns=[f"G{f}" for f in range(5)]),
                      kind="counts")
    md = pd.DataFrame({"group": ["a", "b"] * (N // 2)}, index=SAMPLES)
    with pytest.raises(MicrobiomeInputError, match=r"^ANCOM-BC could not be fitted on this table \(.+\); "
                                                   r"--no-ancombc leaves it out$"):
        differential_abundance(profile, md, "group")


def test_an_ordinary_cohort_still_gives_strict_json(tmp_path) -> None:
    table, md = _write(tmp_path, _varied(), {"scorad": SCORAD, "age": list(range(20, 20 + N))})
    r = _run(table, "--metadata", md, "--outcome", "scorad", "--covariate", "age", "--json", "--permutations", "99")
    assert r.exit_code == 0, (r.output, r.exception)
    out = _strict(r.stdout)
    assert set(out["diversity_vs_outcome"]["ols"]["coefficients"]) == {"intercept", "shannon", "age"}
    assert 0 < out["ordination"]["permanova"]["p"] <= 1
