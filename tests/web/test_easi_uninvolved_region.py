"""The clinician's EASI form: a region with 0 % affected scores 0 whatever its signs, yet the form
refused "Trunk, erythema: not graded (choose a grade)" until all 16 signs were graded, uninvolved
regions included (found walking the clinician's journey, 2026-12-06). Its ungraded signs are now 0;
a region with lesions still needs every grade."""

from __future__ import annotations

import html
import re

from tests.safety.test_attacks import login_page
from tests.web.test_clinic_assessments import EASI_REGIONS, _born, _csrf, _easi_form, _today


def test_an_uninvolved_region_needs_no_grades(client, engine, people) -> None:
    _born(engine, people.owner_pid, _today(engine, people.owner_pid).year - 40)
    login_page(client, "linked@clinic.example.org")
    url = f"/clinic/patients/{people.owner_pid}"
    regions = {**EASI_REGIONS, "trunk": {"area_percent": 0}}  # no grades typed for the trunk
    r = client.post(f"{url}/assessments/easi", data={**_easi_form(regions), "csrf_token": _csrf(client.get(url).text)},
                    follow_redirects=False)
    assert r.status_code == 303, html.unescape(r.text)[-1500:]
    shown = client.get(r.headers["location"]).text
    saved = re.search(r'<p class="ok" role="status" id="assessment-saved">(.*?)</p>', shown, re.S)
    # the worked example (18.1) less its trunk: (1+1+0+0) x area score 1 x 0.3 = 0.6
    assert saved and ">17.5<" in saved.group(1) and "moderate" in saved.group(1), saved

    involved = {**EASI_REGIONS, "trunk": {"area_percent": 5, "erythema": 1}}  # lesions: every grade is needed
    r = client.post(f"{url}/assessments/easi", data={**_easi_form(involved), "csrf_token": _csrf(client.get(url).text)},
                    follow_redirects=False)
    assert r.status_code == 422
    assert "Trunk, induration / papulation: not graded (choose a grade)" in html.unescape(r.text)
