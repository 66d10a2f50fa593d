"""The microbiome upload page names every file suffix the server accepts, in its hint and in the file
input's ``accept`` list, and the server takes every suffix the page names: the page's hint lacked
Bracken's ``.bracken`` (and BIOM's ``.json``/``.h5``/``.hdf5``, Kraken's ``.k2report``/``.report``)
after the server accepted it (e202e56). Both are made from clinic/microbiome.py's UPLOAD_FORMATS.
SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

from gutskin.clinic import microbiome as micro
from tests.challenges.test_pages import csrf
from tests.web.test_microbiome_upload import PROFILE


def _login(client, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": csrf(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def _hint_and_accept(text: str) -> tuple[str, list[str]]:
    m = re.search(r"<p>Upload the profile from .*?</p>", text, re.S)
    assert m, text[:2000]
    hint = html.unescape(re.sub(r"<[^>]+>", "", m.group(0)))
    a = re.search(r'<input type="file" name="file" accept="([^"]*)"', text)
    assert a, text[:2000]
    return hint, html.unescape(a.group(1)).split(",")


def test_every_accepted_suffix_is_named_on_the_upload_page(people, client) -> None:  # type: ignore[no-untyped-def]
    _login(client, "owner@example.org", people.password)
    page = client.get("/microbiome")
    assert page.status_code == 200
    hint, accept = _hint_and_accept(page.text)
    for suffix in micro.ALLOWED_SUFFIXES:
        assert re.search(rf"(?<![\w.]){re.escape(suffix)}(?![\w.])", hint), (suffix, hint)
    assert "Bracken" in hint, hint
    assert sorted(accept) == sorted(micro.ALLOWED_SUFFIXES), accept
    # and the server takes every suffix the page offers: a MetaPhlAn profile under each name is read by
    # its content, never refused for its name
    token = csrf(page.text)
    for n, suffix in enumerate(accept):
        r = client.post("/microbiome", data={"csrf_token": token, "method": "shotgun", "kind": "auto",
                                             "sample_id": "", "collected_on": ""},
                        files={"file": (f"stool{n}{suffix}", PROFILE, "application/octet-stream")},
                        follow_redirects=False)
        assert r.status_code == 303, (suffix, r.status_code, r.text[-1500:])
    # a suffix not on the list is refused with the same list in words
    r = client.post("/microbiome", data={"csrf_token": token, "method": "shotgun", "kind": "auto"},
                    files={"file": ("stool.exe", PROFILE, "application/octet-stream")})
    assert r.status_code == 422
    refusal = html.unescape(re.sub(r"<[^>]+>", "", re.search(r'id="upload-error">(.*?)</p>', r.text, re.S).group(1)))
    for suffix in micro.ALLOWED_SUFFIXES:
        assert suffix in refusal, (suffix, refusal)
