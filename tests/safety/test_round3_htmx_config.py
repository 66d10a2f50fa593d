"""htmx never runs code that arrives in a response (third security review).

docs/security.md promised ``allowEval`` and ``allowScriptTags`` off, but the page's htmx-config
set only ``allowEval``: a ``<script>`` in a swapped fragment would have been re-created and run
by htmx (CSP ``script-src 'self'`` still stopped inline code; a ``src`` on this site would not
have been stopped by the CSP)."""

from __future__ import annotations

import html
import json
import re

from tests.safety.test_attacks import login_page


def _htmx_config(text: str) -> dict:
    m = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", text)
    assert m, "no htmx-config meta"
    return json.loads(html.unescape(m.group(1)))


def test_htmx_runs_no_scripts_or_eval_on_any_layout(client, people) -> None:
    pages = [client.get("/login").text]
    login_page(client, "owner@example.org")
    pages += [client.get(p).text for p in ("/today", "/insights", "/sharing")]
    login_page(client, "linked@clinic.example.org")
    pages += [client.get(p).text for p in ("/clinic", f"/clinic/patients/{people.owner_pid}")]
    for text in pages:
        cfg = _htmx_config(text)
        assert cfg["allowEval"] is False and cfg["allowScriptTags"] is False and cfg["selfRequestsOnly"] is True, cfg
    csp = client.get("/login").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
