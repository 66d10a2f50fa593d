"""Keyboard-only accessibility walk of every page with our own checker (no axe, nothing fetched).

Every page of every persona (anonymous, patient, caregiver on a child's record, clinician), at a phone's
360x640 and at desktop width, in headless Chromium against a real server on SQLite and PostgreSQL, with
the realistic data of tests/e2e/test_accessibility.py's seed. ``CHECK_JS`` (in the page) reports:
``lang`` on <html>; exactly one h1 and no skipped heading level; an accessible name for every form control,
link and button; a text alternative for images, and for every chart both a label and a table of its data
(``aria-details``); text colour contrast of at least 4.5:1 computed from the computed styles (colours
composed over the ancestors' backgrounds). ``walk_keyboard`` presses Tab through the whole page: every stop
must show a visible focus indicator (a style that differs from the unfocused one, on the element or its
label, on screen) and Tab must come back round to the start (no keyboard trap). Titles must say where you
are. Refused forms must announce the error (role=alert / aria-live, or focus on it) and tie it to the
field it names (aria-invalid + aria-describedby). docs/web.md "Accessibility".
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_accessibility import seed, settle
from tests.e2e.test_journeys import PASSWORD

pytestmark = pytest.mark.e2e

WIDTHS = {"phone": (360, 640), "desktop": (1280, 900)}
MIN_CONTRAST = 4.5

# Runs in the page; returns a list of problems, each naming the rule and the element.
CHECK_JS = r"""
() => {
  const out = [];
  const desc = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    else if (el.getAttribute('name')) s += '[name=' + el.getAttribute('name') + ']';
    else if (el.className && typeof el.className === 'string') s += '.' + el.className.trim().split(/\s+/).join('.');
    const t = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return t ? s + ' "' + t + '"' : s;
  };
  const shown = (el) => el.checkVisibility ? el.checkVisibility({visibilityProperty: true}) : !!el.getClientRects().length;
  const textOf = (el) => {  // text of an element without the form controls inside it (a label around its field)
    const c = el.cloneNode(true);
    c.querySelectorAll('input,select,textarea').forEach((x) => x.remove());
    c.querySelectorAll('img[alt]').forEach((x) => x.replaceWith(x.getAttribute('alt')));
    return (c.textContent || '').trim();
  };
  const byIds = (ids) => (ids || '').split(/\s+/).filter(Boolean).map((i) => document.getElementById(i)).filter(Boolean);
  const nameOf = (el) => {
    const lb = byIds(el.getAttribute('aria-labelledby')).map(textOf).join(' ').trim();
    if (lb) return lb;
    const al = (el.getAttribute('aria-label') || '').trim();
    if (al) return al;
    const tag = el.tagName.toLowerCase(), type = (el.getAttribute('type') || '').toLowerCase();
    if (tag === 'input' && ['submit', 'button', 'reset'].includes(type)) return (el.value || '').trim();
    if (tag === 'input' && type === 'image') return (el.getAttribute('alt') || '').trim();
    if (el.labels && el.labels.length) {
      const t = [...el.labels].map(textOf).join(' ').trim();
      if (t) return t;
    }
    if (['button', 'a', 'summary'].includes(tag) || ['button', 'link', 'tab'].includes(el.getAttribute('role'))) {
      const t = textOf(el);
      if (t) return t;
    }
    if (tag === 'table') {
      const cap = el.querySelector('caption');
      if (cap && cap.textContent.trim()) return cap.textContent.trim();
    }
    return (el.getAttribute('title') || '').trim();
  };

  // lang
  const lang = document.documentElement.getAttribute('lang') || '';
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/.test(lang)) out.push('lang: <html> has no valid lang (' + JSON.stringify(lang) + ')');

  // headings: one h1, no skipped level
  const hs = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6,[role=heading]')].filter(shown)
    .filter((h) => !h.closest('[aria-hidden=true]'));
  const level = (h) => h.getAttribute('role') === 'heading' ? +(h.getAttribute('aria-level') || 2) : +h.tagName[1];
  const h1s = hs.filter((h) => level(h) === 1);
  if (h1s.length !== 1) out.push('headings: ' + h1s.length + ' h1 on the page (' + h1s.map(desc).join(', ') + ')');
  let prev = 0;
  for (const h of hs) {
    const l = level(h);
    if (l > prev + 1) out.push('headings: h' + l + ' after h' + prev + ' skips a level: ' + desc(h));
    prev = l;
  }

  // accessible names of controls, links, buttons and keyboard-focusable elements
  const controls = document.querySelectorAll('input:not([type=hidden]),select,textarea,button,a[href],summary,' +
    '[role=button],[role=link],[role=checkbox],[role=radio],[role=textbox],[role=combobox],[role=slider],' +
    '[role=switch],[role=tab],[tabindex]:not([tabindex="-1"])');
  for (const el of controls) {
    if (!shown(el) || el.closest('[hidden],[inert]')) continue;
    if (el.tagName === 'MAIN' || el.tagName === 'BODY') continue;
    if (!nameOf(el)) out.push('name: no accessible name (label, aria-label or text): ' + desc(el));
  }

  // images and charts
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt') && !img.closest('[aria-hidden=true]')) out.push('image: <img> without alt: ' + desc(img) + ' ' + img.src);
  }
  for (const svg of document.querySelectorAll('body svg')) {
    if (svg.closest('[aria-hidden=true]') || svg.parentElement.closest('svg')) continue;
    if (!(svg.getAttribute('role') === 'img' && nameOf(svg)) && !svg.querySelector('title')) out.push('image: <svg> without a text alternative: ' + desc(svg));
  }
  for (const el of document.querySelectorAll('[role=img]')) {
    if (!nameOf(el)) out.push('image: role=img without a name: ' + desc(el));
  }
  for (const cv of document.querySelectorAll('canvas')) {
    if (cv.getAttribute('role') !== 'img' || !nameOf(cv)) { out.push('chart: canvas without role=img and a label: ' + desc(cv)); continue; }
    const eq = byIds((cv.getAttribute('aria-details') || '') + ' ' + (cv.getAttribute('aria-describedby') || ''));
    const table = eq.map((e) => e.tagName === 'TABLE' ? e : e.querySelector('table')).find(Boolean);
    if (!table) out.push('chart: ' + desc(cv) + ' has no table of its data tied to it (aria-details or aria-describedby)');
    else if (table.querySelectorAll('tbody tr').length < 1 || !table.querySelector('th')) out.push('chart: the table of ' + desc(cv) + ' has no header or no rows');
  }

  // colour contrast of visible text
  const rgba = (s) => {
    const m = /rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\)/.exec(s || '');
    if (!m) return null;
    let a = m[4] === undefined ? 1 : (m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]));
    return [+m[1], +m[2], +m[3], a];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3]));
  const background = (el) => {  // the colour behind el's text: its and its ancestors' backgrounds composed over white
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.backgroundImage && cs.backgroundImage !== 'none') return null;
      const c = rgba(cs.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255];
    for (const l of layers.reverse()) bg = over(l, bg);
    return bg;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const textEls = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.textContent.trim() && n.parentElement) textEls.add(n.parentElement);
  }
  document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=range]):not([type=file]),select,textarea')
    .forEach((e) => { if ((e.value || '').trim()) textEls.add(e); });
  const seen = new Set();
  for (const el of textEls) {
    if (el.closest('script,style,noscript,template,option,canvas,[hidden],[aria-hidden=true]')) continue;
    if (el.closest(':disabled')) continue;  // inactive controls are exempt (WCAG 1.4.3)
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || r.right < 0 || r.bottom < -window.scrollY) continue;  // visually hidden / off screen
    const cs = getComputedStyle(el);
    const fg = rgba(cs.color), bg = background(el);
    if (!fg || !bg) continue;
    let op = 1;
    for (let e = el; e; e = e.parentElement) op *= parseFloat(getComputedStyle(e).opacity);
    const c = ratio(over([fg[0], fg[1], fg[2], fg[3] * op], bg), bg);
    if (c < %MIN%) {
      const key = desc(el) + cs.color;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push('contrast: ' + c.toFixed(2) + ':1 (' + cs.color + ' on rgb(' + bg.map(Math.round).join(', ') + ')): ' + desc(el));
    }
  }
  return out;
}
""".replace("%MIN%", str(MIN_CONTRAST))

# After a Tab: what has focus, whether it shows it (its own or its label's styles differ from unfocused) and where.
FOCUS_JS = r"""
(lastKey) => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const path = [];
  for (let e = el; e && e !== document.body; e = e.parentElement) path.unshift(e.tagName + ':' + [...e.parentElement.children].indexOf(e));
  const subfields = el.tagName === 'INPUT' && ['date', 'time', 'datetime-local', 'month', 'week'].includes(el.type);
  // the next part of a date field: blurring it would send the next Tab back to its first part
  if (subfields && path.join('/') === lastKey) return {key: lastKey, desc: '', visible: true, subfields: true};
  const lab = el.closest('label') || (el.labels && el.labels[0]);
  const parts = [el, ...(lab ? [lab, ...lab.querySelectorAll('*')] : [])].filter((x, i, a) => a.indexOf(x) === i);
  const PROPS = ['outlineStyle', 'outlineWidth', 'outlineColor', 'boxShadow', 'borderTopColor', 'borderBottomWidth',
                 'backgroundColor', 'color', 'textDecorationLine'];
  const snap = () => parts.map((p) => { const cs = getComputedStyle(p); return PROPS.map((k) => cs[k]).join('|'); });
  const focused = snap();
  el.blur();
  const plain = snap();
  el.focus({preventScroll: true});
  const showing = parts.filter((p, i) => focused[i] !== plain[i]).filter((p) => {
    const cs = getComputedStyle(p), r = p.getBoundingClientRect();
    return parseFloat(cs.opacity) > 0 && r.width >= 4 && r.height >= 4 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  });
  let d = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : '');
  const t = (el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 30);
  if (t) d += ' "' + t + '"';
  return {key: path.join('/'), desc: d, visible: showing.length > 0, subfields: subfields};
}
"""

# every possible stop, and up to 5 more in each date or time field (its day, month, year ... parts)
COUNT_JS = """() => document.querySelectorAll('a[href],button,input,select,textarea,summary,[tabindex]').length
  + 5 * document.querySelectorAll('input[type=date],input[type=time],input[type=datetime-local],input[type=month],input[type=week]').length"""


def check_page(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The static checks (names, headings, lang, images and charts, contrast)."""
    return page.evaluate(CHECK_JS)


def walk_keyboard(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Tab from the top of the page through every stop and back round to the start: each stop must show focus
    and be on screen, and Tab must never stick on one element or cycle in part of the page (a trap)."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    limit = page.evaluate(COUNT_JS) + 5
    problems: list[str] = []
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUS_JS, seen[-1] if seen else None)
        if f is None:  # focus left the page's content: the walk went all the way round
            if not seen:
                problems.append("keyboard: Tab reaches nothing on the page")
            return problems
        if seen and f["key"] == seen[0]:
            return problems  # back at the first stop
        if seen and f["key"] == seen[-1] and f["subfields"]:
            continue  # a date or time field: Tab moves through its day, month and year parts
        if f["key"] in seen:
            problems.append(f"keyboard trap: Tab went back to {f['desc']} without leaving the page")
            return problems
        seen.append(f["key"])
        if not f["visible"]:
            problems.append(f"focus: no visible focus indicator on screen for {f['desc']}")
    problems.append(f"keyboard trap: {limit} Tabs never left the page (last: {seen[-1] if seen else None})")
    return problems


def title_of(page) -> str:  # type: ignore[no-untyped-def]
    return page.title()


def title_problems(path: str, title: str, h1: str) -> list[str]:
    m = re.fullmatch(r"(.+) · gutskin", title)
    if not m or m.group(1).strip().lower() in ("", "gutskin"):
        return [f"title: {title!r} does not say which page this is"]
    return []


ERROR_JS = r"""
(fields) => {
  const out = [];
  const errs = [...document.querySelectorAll('.error, [role=alert]')].filter((e) => e.checkVisibility() && e.textContent.trim());
  if (!errs.length) return ['error: no visible error message'];
  const err = errs[0];
  const live = err.closest('[role=alert],[role=status],[aria-live=assertive],[aria-live=polite]');
  const focused = document.activeElement && (document.activeElement === err || err.contains(document.activeElement));
  if (!live && !focused) out.push('error: "' + err.textContent.trim().slice(0, 60) + '" is neither live (role=alert / aria-live) nor focused');
  for (const name of fields) {
    const f = document.querySelector('form [name="' + name + '"]');
    if (!f) { out.push('error: no field ' + name); continue; }
    if (f.getAttribute('aria-invalid') !== 'true') out.push('error: field ' + name + ' is not aria-invalid="true"');
    const ids = (f.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    // tied to the first message, or (a form that lists every problem: a summary on top, each field's own
    // message next to it, 2026-12-07) to a visible error message of its own
    const tied = ids.map((i) => document.getElementById(i)).filter((d) => d && d.checkVisibility() && d.textContent.trim()
      && (d === err || d.contains(err) || err.contains(d) || d.matches('.error, .error-message, [role=alert]')));
    if (!tied.length)
      out.push('error: field ' + name + ' is not tied to the message (aria-describedby)');
    // the message speaks the form's words (docs/web.md "Refused forms speak the form's words"): not the field's code
    for (const m of [err, ...tied])
      if (new RegExp('(^|[;:] )' + name + '(:| at most)').test(m.textContent.trim()))
        out.push('error: the message names field ' + name + ' by its code: "' + m.textContent.trim().slice(0, 80) + '"');
  }
  if (/Input should be|Field required|value_error|invalid literal|type=/.test(err.textContent))
    out.push('error: the message has Python\'s words: "' + err.textContent.trim().slice(0, 80) + '"');
  return out;
}
"""


def refuse(page, base: str, path: str, fill: dict[str, str | bytes], form: str = "form") -> None:  # type: ignore[no-untyped-def]
    """Send a form with values the server refuses (the browser's own checks off: the server's answer is checked).
    A value b"..." is a file to upload under that name."""
    page.goto(base + path)
    settle(page)
    for name, value in fill.items():
        if isinstance(value, bytes):
            page.set_input_files(f"{form} [name={name}]", {"name": "profile.tsv", "mimeType": "text/plain", "buffer": value})
        else:
            page.fill(f"{form} [name={name}]", value)
    page.evaluate("(sel) => { const f = document.querySelector(sel); f.noValidate = true; }", form)
    if page.evaluate("(sel) => document.querySelector(sel).dataset.send === 'fetch'", form):
        # sent with fetch (app.js sentWithFetch): the refused form's answer replaces the body in place and, since
        # c245b48, keeps this page's address (no history entry, so no navigation to wait for)
        before = page.evaluate_handle("document.body")
        page.click(f"{form} button[type=submit]")
        page.wait_for_function("(body) => !body.isConnected", arg=before)
    else:
        with page.expect_navigation():
            page.click(f"{form} button[type=submit]")
    settle(page)


def test_every_page_passes_the_keyboard_walk_and_checks(server, browser) -> None:  # type: ignore[no-untyped-def]
    pages = seed(server, browser)
    base = server.base
    problems: list[str] = []
    titles: dict[tuple[str, str], str] = {}
    checked = 0
    charts: dict[tuple[str, str, str], int] = {}
    for persona, (page, paths) in pages.items():
        for width, (w, h) in WIDTHS.items():
            page.set_viewport_size({"width": w, "height": h})
            for path in paths:
                resp = page.goto(base + path)
                assert resp is not None and resp.status == (404 if path == "/no-such-page" else 200), (persona, path)
                settle(page)
                # insights and a simulation come in after the page (htmx polls): check them drawn, not "working out"
                page.wait_for_function("() => !document.querySelector('#insights-computing, #sim-running')", timeout=120_000)
                settle(page)
                charts[(persona, width, path)] = page.locator("canvas").count()
                where = f"[{persona} {width}] {path}"
                problems += [f"{where}: {p}" for p in check_page(page)]
                problems += [f"{where}: {p}" for p in walk_keyboard(page)]
                title = title_of(page)
                h1 = page.eval_on_selector_all("h1", "hs => hs.map(h => h.textContent.trim()).join(' ')")
                problems += [f"{where}: {p}" for p in title_problems(path, title, h1)]
                titles[(persona, path)] = title
                checked += 1
    # titles say where you are: two different pages never share a title, and a caregiver's pages on a child's
    # record name the child (a screen reader reads the title first)
    by_title: dict[str, list[str]] = {}
    for (persona, path), title in titles.items():
        by_title.setdefault(title, []).append(f"{persona} {path}")
    problems += [f"title: {t!r} on several pages: {', '.join(ps)}" for t, ps in by_title.items() if len(ps) > 1]
    problems += [f"title: {t!r} on the child's page {path} does not name the child (Mia)"
                 for (persona, path), t in titles.items() if persona == "caregiver" and "Mia" not in t]

    # refused forms: the error is announced and tied to the field it names
    anon = pages["anonymous"][0]
    patient = pages["patient"][0]
    clinician = pages["clinician"][0]
    plan = next(p for p in pages["clinician"][1] if p.startswith("/clinic/patients/") and p.endswith("/challenges"))
    for width, (w, h) in WIDTHS.items():
        for pg in (anon, patient, clinician):
            pg.set_viewport_size({"width": w, "height": h})
        cases = [
            (anon, "/login", {"email": "pat@example.org", "password": "not the password"}, "form[action='/login']", ["email", "password"]),
            (anon, "/register", {"display_name": "Al", "email": f"al-{width}@example.org", "password": "short"}, "form[action='/register']", ["password"]),
            (anon, "/register", {"display_name": "Al", "email": "pat@example.org", "password": "long enough password"}, "form[action='/register']", ["email"]),
            (patient, "/account", {"current_password": "not the password", "new_password": "a new password 123"},
             "form[action='/account/password']", ["current_password"]),
            (patient, "/account", {"current_password": PASSWORD, "new_password": "short"},
             "form[action='/account/password']", ["new_password"]),
            (clinician, "/clinic/simulator", {"patients": "0"}, "form[action='/clinic/simulator']", ["patients"]),
            (patient, "/data", {"display_name": "Zoe", "birth_year": "1800"}, "form[action='/profiles/child']", ["birth_year"]),
            (patient, "/caregivers", {"code": "NOT-A-CODE"}, "form[action='/caregivers/redeem']", ["code"]),
            (patient, "/appointments", {"reason": " "}, "form[action='/appointments']", ["reason"]),
            (patient, "/microbiome", {"file": b""}, "form[action='/microbiome']", ["file"]),
            # 2026-12-06, the forms the first pass left: a questionnaire scored with nothing answered (every
            # question marked; q0 checked here), the clinician's invite code, a challenge plan with a bad first day
            (patient, "/questionnaire/poem", {}, "form[action='/questionnaire/poem']", ["q0", "q6"]),
            (clinician, "/clinic", {"code": "NOT-A-CODE"}, "form[action='/clinic/link']", ["code"]),
            (clinician, plan, {"start": "06/12/2026", "doses": "0: 10 ml milk"}, "#plan-form", ["start"]),
        ]
        for pg, path, fill, form, fields in cases:
            refuse(pg, base, path, fill, form)
            where = f"[{width}] {path} refused ({', '.join(fields)})"
            problems += [f"{where}: {p}" for p in pg.evaluate(ERROR_JS, fields)]
            problems += [f"{where}: {p}" for p in check_page(pg)]
    assert checked == 2 * sum(len(paths) for _, paths in pages.values())
    # the charts were there to check: trends and forecasts for the patient and the clinic, at both widths
    for width in WIDTHS:
        assert charts[("patient", width, "/trends")] == 1 and charts[("patient", width, "/insights")] >= 1, charts
        assert charts[("clinician", width, pages["clinician"][1][1])] >= 2, charts
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


BAD_PAGE = """<!doctype html><html><head><title>Probe · gutskin</title>
<style>body{font:16px sans-serif} .faint{color:#aaa} #nofocus:focus{outline:none} </style></head><body>
<main><h1>One</h1><h1>Two</h1><h3>Skipped</h3>
<input type="text" id="unnamed">
<p class="faint">Faint text</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<canvas id="c" role="img" aria-label="A chart"></canvas>
<button id="nofocus">No ring</button>
<button id="trap">Trap</button>
<script>document.getElementById('trap').addEventListener('keydown', e => { if (e.key === 'Tab') e.preventDefault(); });</script>
</main></body></html>"""


def test_the_checker_reports_each_kind_of_fault(browser) -> None:  # type: ignore[no-untyped-def]
    """The checks can fail: a page with one fault of each kind is reported for each, naming the element."""
    page = browser.new_context(viewport={"width": 360, "height": 640}).new_page()
    page.set_content(BAD_PAGE)
    found = check_page(page)
    text = "\n".join(found)
    assert "lang: <html> has no valid lang" in text, text
    assert "headings: 2 h1 on the page" in text, text
    assert "headings: h3 after h1 skips a level: h3" in text, text
    assert "name: no accessible name (label, aria-label or text): input#unnamed" in text, text
    assert re.search(r"contrast: 2\.\d+:1 \(rgb\(170, 170, 170\) on rgb\(255, 255, 255\)\): p\.faint", text), text
    assert "image: <img> without alt" in text, text
    assert "chart: canvas#c has no table of its data tied to it" in text, text
    walked = walk_keyboard(page)
    assert any("no visible focus indicator on screen for button#nofocus" in p for p in walked), walked
    assert any(p.startswith("keyboard trap") for p in walked), walked
    assert title_problems("/", "gutskin · gutskin", "x") and not title_problems("/", "Today · gutskin", "x")
    # and a clean page passes
    page.set_content('<!doctype html><html lang="en"><head><title>Fine · gutskin</title></head><body><main><h1>Fine</h1>'
                     '<label>Name <input name="n"></label><button>Go</button><h2>More</h2>'
                     '<canvas id="k" role="img" aria-label="Itch by day" aria-details="kt"></canvas>'
                     '<table id="kt"><thead><tr><th>Day</th><th>Itch</th></tr></thead><tbody><tr><td>1</td><td>3</td></tr></tbody></table>'
                     '</main></body></html>')
    assert check_page(page) == [] and walk_keyboard(page) == []
    page.context.close()
