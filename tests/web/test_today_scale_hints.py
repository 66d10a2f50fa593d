"""The diary's optional scales say what their numbers mean: "Stool type (Bristol) (1–7)" gave a new
patient no word on what 1 or 7 is, nor stress and bloating what 0 and 10 are. Each field is
described by its line (aria-describedby), and by the message as well when it is refused (patient
walk, 2026-12-06)."""

from __future__ import annotations

import html
import re

from tests.safety.test_attacks import login_page


def _described(page: str, name: str) -> list[str]:
    tag = re.search(rf'<input type="number" name="{re.escape(name)}"[^>]*>', page)
    assert tag, name
    ids = re.search(r'aria-describedby="([^"]+)"', tag.group(0))
    assert ids, tag.group(0)
    out = []
    for i in ids.group(1).split():
        m = re.search(rf'<(p|span)[^>]* id="{re.escape(i)}"[^>]*>(.*?)</\1>', page, re.S)
        assert m, i
        out.append(" ".join(html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).split()))
    return out


def test_the_scales_say_what_their_numbers_mean(client, people) -> None:
    login_page(client, "owner@example.org")
    page = client.get("/today").text
    bristol = _described(page, "f:gut.bristol")
    assert len(bristol) == 1 and "1 separate hard lumps" in bristol[0] and "4 smooth soft sausage" in bristol[0] \
        and "7 watery" in bristol[0], bristol
    for name in ("f:life.stress", "f:gut.bloating"):
        assert _described(page, name) == ["Stress and bloating: 0 none, 10 the worst you can imagine."], name
    # refused: the message first, the scale's meaning still there
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/today", data={"csrf_token": csrf, "date": "2026-11-20", "itch": "3", "f:gut.bristol": "9"})
    assert r.status_code == 422
    said = _described(r.text, "f:gut.bristol")
    assert len(said) == 2 and said[0].startswith("Could not save: Stool type (Bristol)") and "7 watery" in said[1], said
    assert 'aria-invalid="true"' in re.search(r'<input type="number" name="f:gut.bristol"[^>]*>', r.text).group(0)
