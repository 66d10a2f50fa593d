"""A refused upload's message is tied to the file field it is about (2026-12-07): the diary CSV import on My
data and the FHIR upload showed the message (role=alert) but the file field was not marked invalid nor
described by it, so a screen reader on the field heard nothing wrong. Now the field has
aria-invalid="true", aria-describedby naming the message, and is focused (autofocus); the microbiome upload
already was (tests/web/test_microbiome*.py). SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

from tests.safety.test_attacks import login_page


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _described(page: str, control: str) -> list[str]:
    """The messages a control is described by, after checking it is marked invalid and focused."""
    assert 'aria-invalid="true"' in control and " autofocus" in control, control
    ids = re.search(r'aria-describedby="([^"]+)"', control).group(1).split()  # type: ignore[union-attr]
    texts = []
    for i in ids:
        m = re.search(r'<p class="[^"]*" (?:role="alert" )?id="' + i + r'">(.*?)</p>', page, re.S)
        assert m, i
        texts.append(html.unescape(re.sub(r"<[^>]+>", "", m.group(1))))
    return texts


def test_a_refused_diary_import_marks_the_file_field(client, people) -> None:
    login_page(client, "owner@example.org")
    r = client.post("/data/import", data={"csrf_token": _csrf(client.get("/data").text)},
                    files={"file": ("mine.csv", b"patient,date,itch\napp-77,2026-03-01,12\n", "text/csv")})
    assert r.status_code == 422
    field = re.search(r'<input type="file"[^>]*name="file" accept=".csv,text/csv"[^>]*>', r.text).group(0)  # type: ignore[union-attr]
    said = _described(r.text, field)
    assert len(said) == 1 and said[0].startswith("mine.csv: line 2, column itch")
    # no refusal, no mark: the page as it opens
    plain = client.get("/data").text
    assert "aria-invalid" not in re.search(r'<input type="file"[^>]*name="file" accept=".csv,text/csv"[^>]*>', plain).group(0)  # type: ignore[union-attr]


def test_a_refused_fhir_upload_marks_the_file_field(client, people) -> None:
    login_page(client, "owner@example.org")
    r = client.post(f"/profiles/{people.owner_pid}/fhir/preview", data={"csrf_token": _csrf(client.get("/data").text)},
                    files={"file": ("record.json", b"{not json", "application/fhir+json")})
    assert r.status_code == 422
    field = re.search(r'<input id="fhir-file"[^>]*>', r.text).group(0)  # type: ignore[union-attr]
    said = _described(r.text, field)
    assert "record.json" in said[0] and said[1].startswith("A FHIR R4 Bundle as JSON")  # the message, then the hint
