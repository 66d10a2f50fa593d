"""The sign-up page is for patients and caregivers: an allergist who registered there got a
patient's account (a diary, no panel, no way to link a patient) and nothing said otherwise. The page
now says that clinician accounts are made by the clinic's administrator (found walking the
clinician's journey as a new allergist)."""

from __future__ import annotations

import html
import re


def test_the_sign_up_page_sends_clinicians_to_their_administrator(client) -> None:
    page = html.unescape(client.get("/register").text)
    note = re.search(r'(?s)<p class="hint" id="clinician-accounts">(.*?)</p>', page)
    assert note, page
    words = " ".join(re.sub(r"<[^>]+>", "", note.group(1)).split())
    assert words == ("Clinicians and clinic staff do not sign up here: the clinic's administrator makes your account "
                     "(with gutskin users create); then log in.")
    # what signing up here makes: a patient's account, whatever the person is
    r = client.post("/api/v1/auth/register", json={"email": "dr.new@clinic.example", "password": "allergist-pass-1"})
    assert r.status_code == 201 and r.json()["role"] == "patient", r.text
