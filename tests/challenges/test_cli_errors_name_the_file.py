"""``gutskin challenge evaluate``: a patient who is not in the diary, or a food with no column,
is one line naming the file (and, for the patient, who is in it), like every other diary error
(contract walk of 2026-12-06: it was "error: no diary rows for patient 'p01'", with no file,
after a typo of 'p001')."""

from __future__ import annotations

from typer.testing import CliRunner

from gutskin.cli import app

DIARY = "patient,date,itch,food.egg\n" + "".join(
    f"p{i:03d},2025-03-{d:02d},{(d + i) % 10},{d % 2}\n" for i in range(1, 8) for d in range(1, 29))


def _evaluate(path: str, patient: str, food: str = "food.egg", stdin: str | None = None):
    return CliRunner().invoke(app, ["challenge", "evaluate", path, "--patient", patient, "--food", food,
                                    "--start", "2025-03-15", "--json"], input=stdin)


def _one_line(r, expected: str) -> None:
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines() == [f"error: {expected}"]
    assert r.stdout == ""


def test_an_unknown_patient_names_the_file_and_who_is_in_it(tmp_path) -> None:
    diary = tmp_path / "diary.csv"
    diary.write_text(DIARY)
    _one_line(_evaluate(str(diary), "p01"),
              f"{diary}: no diary rows for patient 'p01'; the file has 'p001', 'p002', 'p003', 'p004', 'p005' and 2 more")
    _one_line(_evaluate("-", "p01", stdin=DIARY.replace("p004", "p4").replace("p005", "p5").replace("p006", "p6")
                        .replace("p007", "p7")),
              "<stdin>: no diary rows for patient 'p01'; the file has 'p001', 'p002', 'p003', 'p4', 'p5' and 2 more")


def test_a_food_without_a_column_names_the_file(tmp_path) -> None:
    diary = tmp_path / "diary.csv"
    diary.write_text(DIARY)
    _one_line(_evaluate(str(diary), "p001", food="food.milk"), f"{diary}: the diary has no factor column 'food.milk'")


def test_the_patient_in_the_file_still_gets_a_verdict(tmp_path) -> None:
    diary = tmp_path / "diary.csv"
    diary.write_text(DIARY)
    r = _evaluate(str(diary), "p003")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith('{"verdict": ')
