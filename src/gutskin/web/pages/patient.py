"""Patient and caregiver pages: Today, questionnaires, Trends, Sharing, Appointments, My data."""

from __future__ import annotations

import datetime as dt
from functools import partial
import re
from urllib.parse import quote
import os

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from gutskin.clinic import (access, accounts, appointments, audit, challenges, diary, export, microbiome, questionnaires,
                            sharing, summary, zones)
from gutskin.clinic.errors import ClinicError, Forbidden, InvalidInput, NotFound
from gutskin.diary.csvio import DiaryCsvError, diary_text
from gutskin.diary.factors import VOCABULARY, FactorKind, known_factor
from gutskin.web import security
from gutskin.web.pages.code_flash import forget_code, put_code, take_code
from gutskin.web.pages.common import (TZ_COOKIE, local_today, page_day, read_note, redirect, render, require_user, signed_note,
                                      verify_csrf, viewer_zone, viewing)
from gutskin.web.errors import status_for
from gutskin.web.deps import settings_of, unit_of_work
from gutskin.web.idguard import form_id

router = APIRouter(include_in_schema=False)

DEFAULT_CHIPS = ("food.dairy", "food.egg", "food.wheat", "food.fermented", "env.pollen", "env.dust", "env.pet",
                 "life.sweat", "gut.probiotic", "treat.emollient", "treat.tcs", "treat.antihistamine")
SCALE_INPUTS = ("life.stress", "gut.bristol", "gut.bloating")
CHIP_DAYS = 60
"""The diary form offers as chips the factors used within this many days of its day, before or after it."""
FIRST_DAY = dt.date(1900, 1, 1)
"""The earliest day the diary form opens (0001-01-01 was a 500: the form looks 60 days back)."""
DAY_READINGS = ("env.pollen", "env.humidity", "env.temperature")
"""Measurements of one day (pollen count, weather), not habits: a new day is never prefilled with them."""
PREFILL_HABITS_DAYS = 7
"""A new day copies habits (foods, treatments, pets) from the last logged day only if it is at most
this many days back, and the day's own states (itch, sleep loss, stress, stool, bloating) only from
the day before: a quick Save after a month away stored that month-old itch as today's."""


def _pid(session, actor, patient: int | None) -> int:  # type: ignore[no-untyped-def]
    """The page's profile: the default one, or ``?patient=`` the account manages or helps keep as a
    co-caregiver (what only the managing account may do is refused by the use case: 404)."""
    if patient is None:
        return access.default_patient(session, actor).id
    return access.patient_for_entry(session, actor, patient).id


def _profiles(session, actor) -> list[dict]:  # type: ignore[no-untyped-def]
    """The profile switcher: the profiles the account manages, then the children it helps keep
    (``co_caregiver``: no Delete for those on My data)."""
    managed = [{"id": p.id, "name": p.display_name or "Me", "relationship": p.relationship, "co_caregiver": False,
                "time_zone": zones.patient_zone(session, p.id), "birth_year": p.birth_year}
               for p in access.owned_patients(session, actor)]
    return managed + [{"id": p.id, "name": p.display_name or p.external_id, "relationship": p.relationship,
                       "co_caregiver": True, "time_zone": zones.patient_zone(session, p.id)}
                      for p in access.caregiving_patients(session, actor)]


def _parse_day(value: str | None, today: dt.date) -> dt.date:
    """The diary's day: ``today`` when none is given, else exactly YYYY-MM-DD (422 naming ``date``).
    A bad value fell back to today before 2026-12-06 (a save posted with one was stored on today)
    and ``2025-W14-2`` or ``20250401`` were read as 1 April 2025."""
    if not (value or "").strip():
        return today
    return page_day(value, "date")  # type: ignore[arg-type]


def _as_chip(name: str, entry: dict[str, float]) -> bool:
    """A factor the form can show as an on/off chip without changing its value: not a scale,
    and not holding an amount other than 0/1 on this day (pollen 0.9, emollient twice)."""
    f = known_factor(name)
    return name not in SCALE_INPUTS and f.kind != FactorKind.scale and entry.get(name, 0) in (0, 1)


def _chips(used: set[str], entry: dict[str, float]) -> list[dict]:
    names = list(dict.fromkeys([*DEFAULT_CHIPS, *sorted(used), *sorted(entry)]))
    chips = []
    for n in names:
        if not _as_chip(n, entry):
            continue
        f = known_factor(n)
        chips.append({"name": n, "label": f.label, "group": f.group, "on": bool(entry.get(n, 0)), "recorded": n in entry})
    return chips


def _amounts(entry: dict[str, float], blank: tuple[str, ...] = ()) -> list[dict]:
    """The day's other values (amounts, humidity, temperature...), as number fields: a save
    without changes must give back exactly what was stored. ``blank``: readings the previous
    day had, offered empty (an empty field stores nothing)."""
    out = []
    for n in sorted({*entry, *blank}):
        if n in SCALE_INPUTS or (n in entry and _as_chip(n, entry)) or (n not in entry and _as_chip(n, {})):
            continue
        f = known_factor(n)
        out.append({"name": n, "label": f.label, "unit": f.unit, "value": f"{entry[n]:g}" if n in entry else "",
                    "min": "" if f.minimum is None else f"{f.minimum:g}", "max": "" if f.maximum is None else f"{f.maximum:g}"})
    return out


def _scales(entry: dict[str, float]) -> list[dict]:
    out = []
    for n in SCALE_INPUTS:
        f = VOCABULARY[n]
        out.append({"name": n, "label": f.label, "min": int(f.minimum or 0), "max": int(f.maximum or 10),
                    "value": "" if n not in entry else f"{entry[n]:g}"})  # 3.5 stays 3.5 (a save must not round it)
    return out


def _posted_entry(form: dict[str, str], stored: dict) -> dict:
    """The form again after a refused save: what was typed where it reads, the stored value where
    it does not, and every recorded 0 kept -- so the next save loses nothing (a re-render once
    dropped the day's recorded zeros and the field that was wrong)."""
    def val(v: str | None, cast, fallback):  # type: ignore[no-untyped-def]
        if v in (None, ""):
            return None
        try:
            return cast(v)
        except ValueError:
            return fallback

    factors = dict(stored.get("factors") or {})
    for key, v in form.items():
        if key.startswith("f:"):
            parsed = val(v, float, factors.get(key[2:]))
            if parsed is None:
                factors.pop(key[2:], None)
            else:
                factors[key[2:]] = parsed
        elif key.startswith("r:") and f"f:{key[2:]}" not in form:
            factors[key[2:]] = 0.0
    return {"itch": None if _untouched(form, "itch") else val(form.get("itch"), int, stored.get("itch")),
            "sleep_loss": None if _untouched(form, "sleep_loss") else val(form.get("sleep_loss"), int, stored.get("sleep_loss")),
            "flare": _flare(form), "notes": form.get("notes") or "", "factors": factors,
            "custom_name": form.get("custom_name") or "", "custom_group": form.get("custom_group") or "food"}


def _untouched(form: dict[str, str], name: str) -> bool:
    """A score slider never moved: the form's ``<name>_unset`` marker (on a day without that score;
    static/app.js removes it when the slider is touched) with the slider still at 0. Without script
    (app.js blocked, or not loaded on a bad connection) the marker stays: a slider moved to 6 is a 6
    (it was stored as "not recorded" before 2026-12-06, so itch and sleep could not be logged at
    all), and a 0 is recorded with the ``<name>_zero`` box the page shows only then (``<noscript>``)."""
    return (form.get(f"{name}_unset") == "1" and (form.get(name) or "0") == "0"
            and form.get(f"{name}_zero") != "1")


def _flare(form: dict[str, str]) -> bool | None:
    """Ticked: a flare; unticked: no flare, on a day first logged on this form (the box asked the
    question) or whose flare was recorded; else (a stored day whose flare was never recorded, an API
    or CSV entry without it) not recorded, so saving it unchanged keeps it exactly. The form says which
    with ``flare_recorded`` (templates/today.html)."""
    if form.get("flare") == "1":
        return True
    return False if form.get("flare_recorded") == "1" else None


CUSTOM_GROUPS = (("food", "Food or drink"), ("env", "Environment (places, animals, weather)"),
                 ("life", "Lifestyle (stress, sport, sleep...)"), ("gut", "Gut (stool, supplements)"),
                 ("treat", "Skin care or treatment"))
"""The categories a person can file their own factor under (``group`` of ``group.name``)."""


def _custom_factor(text: str, group: str = "food") -> str:
    """A factor name from plain words in the chosen category: "Café latte" -> food.cafe_latte,
    ("sun-cream!", "treat") -> treat.sun_cream (accents folded, anything else an underscore).
    A typed full name of a known category ("env.mould") keeps its category; any other dot is
    just punctuation ("St. John's wort" -> food.st_john_s_wort, once the group "st")."""
    import unicodedata

    def slug(part: str) -> str:
        ascii_ = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode().lower()
        return re.sub(r"[^a-z0-9]+", "_", ascii_).strip("_")

    groups = [g for g, _ in CUSTOM_GROUPS]
    if group not in groups:
        raise InvalidInput(f"custom_group: choose one of {', '.join(groups)}")
    typed_group, dot, rest = text.partition(".")
    if dot and typed_group.strip().lower() in groups:
        group, text = typed_group.strip().lower(), rest
    name = slug(text)
    if not name:
        raise InvalidInput("custom_name: use letters or digits, e.g. tomato")
    from gutskin.diary.factors import MAX_FACTOR_NAME

    limit = MAX_FACTOR_NAME - len(group) - 1  # the stored name is group.name (diary.factors.MAX_FACTOR_NAME)
    if len(name) > limit:  # was the store's "factors.food.xxx…: factor name 'xxx…'…" with the code name
        raise InvalidInput(f"custom_name: at most {limit} characters, this one has {len(name)}")
    return f"{group}.{name}"


@router.get("/today", response_class=HTMLResponse)
def today(request: Request, date: str | None = None, patient: int | None = None, saved: str | None = None) -> Response:
    # "Saved." only after this session's save of this day (a signed note): a link cannot claim it
    note = read_note(request, saved) if date else None
    return _today_page(request, date, patient, int(note == f"saved {date}"), deleted=note == f"deleted {date}")


class DayChanged(Exception):
    """The day was saved or deleted elsewhere (another phone, another tab) since the form was opened; ``version``: what is stored now."""

    def __init__(self, version: str) -> None:
        super().__init__(version)
        self.version = version


def _stored_words(entry: dict) -> str:
    """What is stored on a day, in a line: "itch 6, sleep loss 2, flare, Dairy, Pollen 40 grains/m³, notes: …"."""
    from gutskin.web.pages.common import factor_text

    parts = [f"{label} {entry[k]}" for k, label in (("itch", "itch"), ("sleep_loss", "sleep loss")) if entry.get(k) is not None]
    if entry.get("flare") is not None:
        parts.append("flare" if entry["flare"] else "no flare")
    parts += [factor_text(n, v) for n, v in sorted(entry.get("factors", {}).items()) if v]  # type: ignore[union-attr]
    if entry.get("notes"):
        parts.append(f"notes: {entry['notes']}")
    return ", ".join(parts) or "nothing but the day itself"


def _today_page(request: Request, date: str | None, patient: int | None, saved: int = 0,
                error: str | None = None, posted: dict | None = None, deleted: bool = False,
                changed: str | None = None, delete_refused: str | None = None,
                error_field: str | None = None) -> Response:
    """The diary form; after a refused save, ``error`` and what was typed (``posted``), ``error_field`` the
    form field the error is about (marked aria-invalid, described by the message); ``changed``:
    the save was refused because the day changed since the form was opened (the version stored now);
    ``delete_refused``: the same for the page's Delete (the version stored now; nothing was deleted)."""
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = _pid(s, u.actor, patient)
        local = local_today(request, s, pid)  # the browser's day, else the profile's (no JavaScript: no tz cookie)
        day = _parse_day(date, local)
        if day > local or day < FIRST_DAY:  # nobody logs tomorrow (the form would only refuse it on save), nor in 1066
            return redirect("/today" + (f"?patient={patient}" if patient else ""))
        # one read of the diary, audited once: the 60 days either side of this one (up to today) and the day
        # itself. The chips are the factors used in that window: a factor added today (a custom "Tomato") is
        # offered when the person goes back to fill the days they missed, where it was missing before
        # 2026-12-06 (only the days before the page's day were read), so it had to be typed again on each
        recent = diary.list_days(s, u.actor, pid, day - dt.timedelta(days=CHIP_DAYS), min(local, day + dt.timedelta(days=CHIP_DAYS)))
        existing = [d for d in recent if d["date"] == day.isoformat()]
        prefilled_from, readings_left, avoid_left, states_left = None, (), (), False
        if posted is not None:
            entry = _posted_entry(posted, existing[0] if existing else {})
        elif existing:
            entry = existing[0]
        else:
            last = diary.last_logged_day(s, u.actor, pid, before=day)
            entry = {"itch": None, "sleep_loss": None, "flare": None, "notes": "", "factors": {}}
            gap = (day - dt.date.fromisoformat(str(last["date"]))).days if last else None
            if gap is not None and gap > PREFILL_HABITS_DAYS:
                last = None  # weeks back: a blank form, not an old day's values saved as today's
            if last:
                prefilled_from = last["date"]
                states_left = gap != 1  # itch, sleep, stress, stool are that day's, copied only from yesterday
                # a food to avoid today (a challenge's elimination or baseline, a confirmed allergy) is not
                # copied: pressing Save logged it eaten, a lapse that cost the challenge its baseline days
                avoid = challenges.foods_to_avoid(s, pid, day)
                kept = {k: v for k, v in last["factors"].items()  # type: ignore[union-attr]
                        if k not in DAY_READINGS and k not in avoid and not (states_left and k in SCALE_INPUTS)}
                readings_left = tuple(k for k in last["factors"] if k in DAY_READINGS)  # type: ignore[union-attr]
                avoid_left = tuple(challenges.food_label(k) for k in last["factors"] if k in avoid)  # type: ignore[union-attr]
                entry = {"itch": None if states_left else last["itch"],
                         "sleep_loss": None if states_left else last["sleep_loss"], "flare": None, "notes": "",
                         "factors": kept}
        used = {k for d in recent for k in d["factors"]}  # type: ignore[attr-defined]
        due = questionnaires.due(s, pid, day)
        author = diary.day_author(s, u.actor, pid, day) if existing else None
        if changed is not None:  # the version stored now: a second Save replaces it knowingly
            base = changed
            if existing:
                error = (f"Not saved: {(author + ' saved this day') if author else 'this day was saved'} "
                         f"(in another tab or on another phone) while you were editing it. Stored now: "
                         f"{_stored_words(existing[0])}. What you typed is below: press Save again to replace "
                         f"the stored entry with it, or open the day again to keep the stored one.")
            else:
                error = ("Not saved: this day was deleted (in another tab or on another phone) while you were "
                         "editing it. What you typed is below: press Save again to log it.")
        elif delete_refused is not None and existing:  # Delete on a page opened before the day was saved again: nothing deleted
            base = delete_refused
            error = (f"Not deleted: {(author + ' saved this day') if author else 'this day was saved'} (in another tab "
                     f"or on another phone) since you opened it. Stored now: {_stored_words(existing[0])}. Nothing was "
                     f"deleted; the stored entry is shown below. To delete it anyway, press Delete again.")
        elif posted is not None and posted.get("base"):
            base = posted["base"]  # a refused save keeps the version the form was opened with
        else:
            base = diary.day_version(s, u.actor, pid, day)
        ctx = {
            "day": day.isoformat(), "prev_day": (day - dt.timedelta(days=1)).isoformat(),
            "next_day": (day + dt.timedelta(days=1)).isoformat() if day < local else None,
            "entry": entry, "exists": bool(existing), "prefilled_from": prefilled_from,
            "readings_left": readings_left, "avoid_left": avoid_left, "states_left": states_left,
            "chips": _chips(used, entry["factors"]), "scales": _scales(entry["factors"]),  # type: ignore[arg-type]
            "amounts": _amounts(entry["factors"], readings_left),  # type: ignore[arg-type]
            "due": due, "saved": bool(saved), "deleted": deleted, "patient": patient, "profiles": _profiles(s, u.actor),
            "current_patient": pid, "date_defaulted": not date, "error": error, "custom_groups": CUSTOM_GROUPS,
            "error_field": error_field if error else None,
            "viewing": viewing(s, u, patient),
            "author": author, "base": base, "today": local.isoformat(),
            "profile_zone": zones.patient_zone(s, pid),  # what a page without JavaScript goes by
            # the profile's appointment requests under way (2026-12-07): its managing account only, audited
            "requests_under_way": appointments.home_requests(s, u.actor, pid),
            # a diary with no day at all: the page says where to start (new-user walk, 2026-12-07: a new account
            # landed on a bare form); read only when the 60 days around this one are empty
            "first_day": not recent and posted is None and diary.last_logged_day(s, u.actor, pid) is None,
        }
        if saved:  # a day just saved may be a late reaction to a challenge's dose: the step it holds is said here,
            # where the flare was logged (2026-12-07: only the Challenge page said so, and the patient might not open it)
            zone = viewer_zone(request)
            ctx["held_steps"] = challenges.held_steps(s, u.actor, pid, local, zone.key if zone else None)
        status = 409 if changed is not None or delete_refused is not None else 422 if error else 200
        return render(request, "today.html", ctx, user=u, status=status)


def _save_today(request: Request, form: dict[str, str], patient: int | None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        verify_csrf(request, u, form.get("csrf_token"))
        pid = _pid(s, u.actor, patient)
        day = _parse_day(form.get("date"), local_today(request, s, pid))
        def number(name: str, value: str) -> float:
            try:
                return float(value)
            except ValueError:
                raise InvalidInput(f"{name}: expected a number, got {value[:20]!r}") from None

        factors: dict[str, float] = {}
        for key, value in form.items():
            if key.startswith("f:") and value not in ("", None):
                factors[key[2:]] = number(f"factors.{key[2:]}", value)
            elif key.startswith("r:") and f"f:{key[2:]}" not in form:
                factors[key[2:]] = 0.0  # a chip that was recorded and is now off: "not today", not "not recorded"
        custom_name = (form.get("custom_name") or "").strip()
        if custom_name:
            factors[_custom_factor(custom_name, form.get("custom_group") or "food")] = number(
                "custom_value", form.get("custom_value") or "1")

        def num(name: str) -> int | None:
            v = form.get(name)
            if v in (None, "") or _untouched(form, name):  # the slider was never moved
                return None
            try:
                return int(v)
            except ValueError:
                raise InvalidInput(f"{name}: expected a whole number 0-10, got {v[:20]!r}") from None

        entry = diary.DayInput(
            itch=num("itch"), sleep_loss=num("sleep_loss"), flare=_flare(form),
            notes=(form.get("notes") or "").strip() or None, factors=factors,
        )
        try:  # the page's form carries the day's version it was opened with: was the day changed since?
            diary.put_day(s, u.actor, pid, day, entry, expect=form.get("base"),  # (the API's If-Match, one check)
                          zone=request.cookies.get(TZ_COOKIE))  # the browser's zone becomes the profile's: its "today"
        except diary.DayChanged as exc:  # (the same entry stored already, e.g. Save sent again after a time-out: no conflict)
            raise DayChanged(exc.version) from None
    q = f"&patient={patient}" if patient else ""
    note = quote(signed_note(request, f"saved {day.isoformat()}", "/today"))
    return redirect(f"/today?date={day.isoformat()}&saved={note}{q}")


@router.post("/today")
async def save_today(request: Request, patient: int | None = None) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        done = await run_in_threadpool(_save_today, request, form, patient)
        if request.headers.get("x-gutskin-save") == "fetch":  # app.js's Save: the saved page in this answer
            # (a redirect made a second request, and app.js loaded the page a third time: two audited
            # reads per Save, and a connection lost after the save left the phone unsure it was saved)
            where = done.headers["location"]
            page = await run_in_threadpool(_today_page, request, form.get("date"), patient, 1)
            page.headers["X-Gutskin-Location"] = where  # the saved day's address, for the browser's history
            return page
        return done
    except DayChanged as exc:  # someone else saved the day since this form was opened: nothing written
        return await run_in_threadpool(_today_page, request, form.get("date"), patient, 0, None, form, False, exc.version)
    except (NotFound, Forbidden):
        raise  # not yours: 404 / 403 as everywhere
    except ClinicError as exc:  # the same form again, with what was typed and what is wrong
        return await run_in_threadpool(partial(_today_page, error_field=_error_field(str(exc), form)), request,
                                       form.get("date"), patient, 0, f"Could not save: {_in_words(str(exc))}", form)


def _error_field(message: str, form: dict[str, str]) -> str | None:
    """The diary form's field a refused save is about, from the message's "field: " prefix (the
    convention of clinic.errors.InvalidInput): "factors.life.stress: ..." is the field f:life.stress,
    a typed factor of one's own ("factors.food.tomato" made from "tomato") the "Add your own factor" field."""
    field, sep, _ = message.partition(": ")
    if not sep:
        return None
    if field in ("itch", "sleep_loss", "notes", "custom_name", "custom_group"):
        return field
    if field == "custom_value":
        return "custom_name"
    if field.startswith("factors."):
        name = field[len("factors."):]
        if f"f:{name}" in form:
            return f"f:{name}"
        typed = (form.get("custom_name") or "").strip()
        try:
            if typed and _custom_factor(typed, form.get("custom_group") or "food") == name:
                return "custom_name"
        except ClinicError:
            return "custom_name"
    return None


def _in_words(message: str) -> str:
    """A refused field as the form names it: "factors.life.stress: expected a value from 0 to 10"
    reads "Stress: expected …" (the label next to the field; the API keeps the field path)."""
    field, sep, rest = message.partition(": ")
    names = {"itch": "Worst itch", "sleep_loss": "Sleep loss", "notes": "Notes", "custom_name": "Add your own factor"}
    if sep and field.startswith("factors."):
        try:
            return f"{known_factor(field[len('factors.'):]).label}: {rest}"
        except ValueError:  # not a factor name at all (too long, no group): as it was
            return message
    return f"{names[field]}: {rest}" if sep and field in names else message


@router.post("/today/delete")
def delete_today(request: Request, date: str = Form(""), csrf_token: str = Form(""), base: str = Form(""),
                 patient: int | None = None) -> Response:
    """Delete one day of the diary (a day logged by mistake, or on the wrong date): the Today page
    had no way to, only the API. A day that is not (or no longer) there is already deleted: a
    double click or the back button ends on the same page, not on an error.

    The form carries the version of the day it showed (``base``, as the Save does): a day saved
    again since (the co-caregiver's phone, another tab) is not deleted; the page answers 409 naming
    who saved it and what is stored (the API's If-Match, :func:`diary.delete_day`'s ``expect``).
    A post without ``base`` (a page cached from before 2026-12-06) deletes as before."""
    day = page_day(date, "date")  # exactly YYYY-MM-DD (fromisoformat also read 2025-W14-2 and 20250401)
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            pid = _pid(s, u.actor, patient)  # someone else's profile: 404 here
            try:
                diary.delete_day(s, u.actor, pid, day, expect=base.strip() or None)
            except NotFound:
                pass  # the day has no entry (any more)
    except diary.DayChanged as exc:  # rolled back: nothing deleted; the page reads (and audits) the stored day
        return _today_page(request, day.isoformat(), patient, delete_refused=exc.version)
    q = f"&patient={patient}" if patient else ""
    note = quote(signed_note(request, f"deleted {day.isoformat()}", "/today"))
    return redirect(f"/today?date={day.isoformat()}&saved={note}{q}")


QUESTIONS = {
    "poem": (
        "POEM — over the last week, on how many days has your skin been…",
        ["itchy", "disturbing your sleep (nights)", "bleeding", "weeping or oozing clear fluid", "cracked",
         "flaking off", "feeling dry or rough"],
        ["No days", "1–2 days", "3–4 days", "5–6 days", "Every day"],
    ),
    "recap": (
        "RECAP — over the last week…",
        ["How has your eczema been?", "How many days has your skin been intensely itchy?",
         "How bothered have you been by your eczema?", "How many nights has your sleep been affected?",
         "How much has your eczema affected your day-to-day activities?",
         "How much has your eczema affected your moods or emotions?",
         "How acceptable would it be if your eczema remained as it has been over the last week?"],
        ["0", "1", "2", "3", "4"],
    ),
}

_DAYS = ["No days", "1–2 days", "3–4 days", "5–6 days", "Every day"]
_NIGHTS = ["No nights", "1–2 nights", "3–4 nights", "5–6 nights", "Every night"]
_AMOUNT = ["Not at all", "A little bit", "Quite a lot", "A huge amount", "Completely"]
ITEM_OPTIONS = {
    "recap": [["Very good", "Good", "OK", "Bad", "Very bad"], _DAYS, _AMOUNT, _NIGHTS, _AMOUNT, _AMOUNT,
              ["Completely acceptable", "Mostly acceptable", "Quite acceptable", "Not very acceptable",
               "Not at all acceptable"]],
}
"""Words for each answer, item by item, from the anchor sets of the Nottingham RECAP scoring table
(reference instruments.md §5: very good…very bad, no days…every day, not at all…completely,
completely…not at all acceptable; "nights" for the sleep item). The form offered bare 0–4 before
session 8. The item texts are gutskin's paraphrase, not the official sheet (docs/instruments.md)."""

BLANKS_ALLOWED = 1
"""POEM and RECAP score one unanswered item as 0 and cannot be scored with two (instruments.md §4,
§5); the official sheets tell people to leave out a question they cannot answer."""


def _item_options(instrument: str, n_items: int, options: list[str]) -> list[list[str]]:
    return ITEM_OPTIONS.get(instrument) or [options] * n_items


PROXY_QUESTIONS = {
    "poem": (
        "POEM for your child — over the last week, on how many days has your child's skin been…",
        ["itchy", "disturbing their sleep (nights)", "bleeding", "weeping or oozing clear fluid", "cracked",
         "flaking off", "feeling dry or rough"],
    ),
    "recap": (
        "RECAP for your child — over the last week…",
        ["How has your child's eczema been?", "How many days has your child's skin been intensely itchy?",
         "How bothered has your child been by their eczema?", "How many nights has your child's sleep been affected?",
         "How much has the eczema affected your child's day-to-day activities?",
         "How much has the eczema affected your child's moods or emotions?",
         "How acceptable would it be if your child's eczema remained as it has been over the last week?"],
    ),
}
"""The caregiver (proxy) wording on a child's profile: POEM and RECAP are validated for proxy
completion about the child. A parent asked about "your sleep" on the child's record answered about
their own nights (the questions read the same as on their own profile)."""


def _questions(instrument: str, relationship: str, respondent: str | None = "proxy") -> tuple[str, list[str], list[str]]:
    """The wording of the version answered: the proxy's on a child's profile when the parent answers
    for the child, the self-report's when the child answers (or on one's own profile)."""
    title, items, options = QUESTIONS[instrument]
    if relationship == "child" and respondent == "proxy":
        title, items = PROXY_QUESTIONS[instrument]
    return title, items, options


def _respondent_choice(form_value: str | None) -> str | None:
    """'self' or 'proxy' as chosen on the form (the "Who is answering?" step), else None."""
    return form_value if form_value in ("self", "proxy") else None


def _unknown_questionnaire(instrument: str) -> HTTPException:
    # the address's text is not repeated: a link put its own words on the site's page ("there is no
    # 'CALL 555 0100 NOW' questionnaire", fourth security review)
    return HTTPException(404, "there is no such questionnaire to answer here; "
                              f"the diary asks {' and '.join(q.upper() for q in QUESTIONS)} weekly")


@router.get("/questionnaire/{instrument}", response_class=HTMLResponse)
def questionnaire_form(request: Request, instrument: str, patient: int | None = None,
                       respondent: str | None = None) -> Response:
    return _questionnaire_page(request, instrument, patient, respondent=respondent)


def _questionnaire_page(request: Request, instrument: str, patient: int | None, answers: list | None = None,
                        error: str | None = None, blank_ok: str = "", replace_ok: str = "", status: int = 422,
                        respondent: str | None = None) -> Response:
    """The form; on a child's profile it first asks who is answering (the child: the self-report
    version, or the parent for the child: the proxy version, worded about "your child"), then shows
    the questions of that version with the choice kept (a hidden ``respondent``) and a link to change it."""
    if instrument not in QUESTIONS:
        raise _unknown_questionnaire(instrument)
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = _pid(s, u.actor, patient)
        profile = access.patient_for_entry(s, u.actor, pid)
        child = profile.relationship == "child"
        chosen = _respondent_choice(respondent) if child else None
        title, items, options = _questions(instrument, profile.relationship, chosen)
        ask_who = child and chosen is None
        # today's answer, if any: answering again replaces it, which the form now says first
        today_answer = None if ask_who or error else questionnaires.answered_today(s, u.actor, pid, instrument,
                                                                                     local_today(request, s, pid))
        bands = _result_bands(instrument)
        return render(request, "questionnaire.html", {"instrument": instrument, "title": title,
                                                      "today_answer": today_answer,
                                                      "top": bands[-1][1] if bands else None,
                                                      "items": [] if ask_who else items,
                                                      "item_options": _item_options(instrument, len(items), options),
                                                      "patient": patient, "blank_ok": blank_ok, "replace_ok": replace_ok,
                                                      "answers": answers or [], "error": error,
                                                      "ask_who": ask_who, "respondent": chosen,
                                                      "child_name": profile.display_name or "your child",
                                                      "viewing": viewing(s, u, patient)},
                      user=u, status=status if error else 200)


def _save_questionnaire(request: Request, instrument: str, form: dict[str, str], patient: int | None) -> Response:
    _, items, options = QUESTIONS[instrument]
    offered = {str(k): k for k in range(len(options))}
    answers = [offered.get(form.get(f"q{i}", "")) for i in range(len(items))]
    tampered = [i + 1 for i in range(len(items)) if form.get(f"q{i}", "") not in ("", *offered)]
    blank = [i + 1 for i, a in enumerate(answers) if a is None]
    blank_key = ",".join(map(str, blank))
    # one question may be left blank, as on the paper sheet, but only when the person says so: the
    # form first asks (a missed question is usually a slip) and scores on the second press
    confirmed = not tampered and len(blank) <= BLANKS_ALLOWED and (not blank or form.get("blank_ok") == blank_key)
    replace = form.get("replace_ok", "")
    respondent = _respondent_choice(form.get("respondent"))
    child = False
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, form.get("csrf_token"))
            pid = _pid(s, u.actor, patient)
            child = access.patient_for_entry(s, u.actor, pid).relationship == "child"
            if child and respondent is None:  # the questions were not asked in a version: ask who answers first
                confirmed = False
            if confirmed:  # answered on the person's own day (a POEM total goes on that diary day)
                result = questionnaires.submit(s, u.actor, pid, instrument, {"answers": answers},
                                               answered_on=local_today(request, s, pid),
                                               replace=int(replace) if replace.isascii() and replace.isdigit() else None,
                                               respondent=respondent if child else None)
                child = access.patient_for_entry(s, u.actor, pid).relationship == "child"
                shown = viewing(s, u, patient)
                return render(request, "questionnaire_result.html", {"instrument": instrument, "result": result,
                                                                     "bands": _result_bands(instrument),
                                                                     "patient": patient, "child": child, "viewing": shown,
                                                                     "managed_by": _managed_by(s, u, pid, shown)}, user=u)
    except questionnaires.AnsweredByAnother as exc:  # the other caregiver's answer of the day: asked first, kept
        return _questionnaire_page(request, instrument, patient, answers, str(exc), blank_ok=form.get("blank_ok", ""),
                                   replace_ok=str(exc.row_id), status=409, respondent=respondent)
    except InvalidInput as exc:  # e.g. a self-report for a child too young to answer it: the choice is asked again
        if not str(exc).startswith("respondent:"):
            raise
        return _questionnaire_page(request, instrument, patient, None, _respondent_words(str(exc)), status=422)
    if child and respondent is None:
        return _questionnaire_page(request, instrument, patient, None,
                                   "Who is answering? Choose before the questions: the two versions are worded "
                                   "differently and their scores are not interchangeable.")
    # the same form again with the answers given (after the transaction): nothing stored half-answered
    if tampered or len(blank) > BLANKS_ALLOWED:
        message = (f"Please answer every question (not yet: {', '.join(map(str, blank))})."
                   + (" One may be left blank if you cannot answer it; with two or more blank the score cannot be worked out."
                      if len(blank) > BLANKS_ALLOWED else ""))
        return _questionnaire_page(request, instrument, patient, answers, message, respondent=respondent)
    return _questionnaire_page(request, instrument, patient, answers,
                              f"Question {blank[0]} is not answered. Answer it, or press Score again to leave it blank "
                              f"(a blank question counts as 0, as on the paper {instrument.upper()}).", blank_ok=blank_key,
                              respondent=respondent)


def _respondent_words(message: str) -> str:
    """The service's refusal of a choice (``respondent: ...``) in the form's words: the codes 'self'
    and 'proxy' are the radio's two answers."""
    text = message.removeprefix("respondent:").strip()
    return "Who is answering? " + text.replace(": choose 'proxy'", ": choose “I am answering for them”")


def _managed_by(s, u, pid: int, shown: object) -> str | None:  # type: ignore[no-untyped-def]
    """Who manages a child's profile, for a co-caregiver's severe result: only that parent can request
    an appointment, and the link the page gave ("request an appointment") answered the co-caregiver
    404 (family walk, 2026-12-06). None for the managing account and on one's own profile."""
    if not getattr(shown, "co_caregiver", False):
        return None
    from gutskin.clinic import caregivers

    return next((str(c["managed_by"]) for c in caregivers.caregiving(s, u.actor) if c["patient_id"] == pid), "its parent")


def _result_bands(instrument: str) -> tuple[tuple[int, int, str], ...]:
    """The band set a weekly questionnaire's score is read in (the instrument's default), for the
    result page's line on what the score means: "Score 14 — moderate" said neither out of what nor
    what the other bands are (2026-12-06)."""
    import importlib

    if instrument not in ("poem", "recap"):
        return ()
    module = importlib.import_module(f"gutskin.instruments.{instrument}")  # the package's poem is the function
    return module.BANDS[module.DEFAULT_BANDS]


@router.post("/questionnaire/{instrument}", response_class=HTMLResponse)
async def questionnaire_submit(request: Request, instrument: str, patient: int | None = None) -> Response:
    if instrument not in QUESTIONS:
        raise _unknown_questionnaire(instrument)
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_save_questionnaire, request, instrument, form, patient)


@router.get("/trends", response_class=HTMLResponse)
def trends(request: Request, weeks: int = 12, patient: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = _pid(s, u.actor, patient)
        data = summary.trends(s, u.actor, pid, weeks, today=local_today(request, s, pid))
        micro = microbiome.latest_summary(s, u.actor, pid)
        dates = data["dates"]  # type: ignore[index]
        # who logged each day, as /today says it: names only here, never in the chart data (the clinic's page shares it)
        logged_by = {day.isoformat(): name for day, who in diary.day_authors(
            s, u.actor, pid, dt.date.fromisoformat(dates[0]), dt.date.fromisoformat(dates[-1])).items()
            if (name := diary.shown_author(who))}
        return render(request, "trends.html", {"data": data, "weeks": data["weeks"], "logged_by": logged_by,
                                               "patient": patient, "readonly": False, "micro": micro,
                                               "viewing": viewing(s, u, patient),
                                               "micro_link": f"/microbiome/{micro['id']}" + (f"?patient={patient}" if patient else "")
                                               if micro else None}, user=u)


def _sharing_ctx(request: Request, s, u, pid: int) -> dict:  # type: ignore[no-untyped-def]
    """Who has access, and the recent access in plain words in the person's zone."""
    from gutskin.web.pages.access_words import access_rows

    zone = viewer_zone(request)
    log = access_rows(audit.access_log(s, u.actor, pid, 500, with_object_id=True), u.user.email, zone,
                      sharing.sharing_partners(s, u.actor, pid))[:50]
    def local(stamp: object) -> str:  # "2026-12-06T09:30:00Z" -> the viewer's "2026-12-06 10:30"
        at = dt.datetime.fromisoformat(str(stamp).removesuffix("Z")).replace(tzinfo=dt.UTC)
        return (at.astimezone(zone) if zone else at).strftime("%Y-%m-%d %H:%M")

    invites = [{**i, "made": local(i["created_at"]), "until": local(i["expires_at"])}
               for i in sharing.list_invites(s, u.actor, pid)]
    # a child's co-caregivers see its record too: without them the page said "Nobody else can see
    # your record" after the clinic was revoked, while another caregiver still kept the diary
    from gutskin.clinic import caregivers

    child = access.patient_for_write(s, u.actor, pid).relationship == "child"  # the managing account (as list_access)
    helpers = caregivers.list_caregivers(s, u.actor, pid) if child else []
    return {"access": sharing.list_access(s, u.actor, pid), "invites": invites, "log": log,
            "helpers": [{**h, "since_day": local(h["since"])[:10]} for h in helpers],
            "ended": [{**e, "from_day": local(e["since"])[:10], "until_day": local(e["until"])[:10]}
                      for e in sharing.ended_access(s, u.actor, pid)],
            "zone": zone.key if zone else "UTC", "invite_days": sharing.INVITE_DAYS,
            # a profile handed over by a parent: who kept it and which clinicians still see it (clinic/handover.py)
            "handover": _handover_note(s, u, pid, local)}


def _handover_note(s, u, pid: int, local) -> dict | None:  # type: ignore[no-untyped-def]
    from gutskin.clinic import handover

    note = handover.handed_over(s, u.actor, pid)
    return {**note, "day": local(note["at"])[:10]} if note else None


@router.get("/sharing", response_class=HTMLResponse)
def sharing_page(request: Request, patient: int | None = None, stopped: str | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = _pid(s, u.actor, patient)
        note = read_note(request, stopped)
        ctx = {**_sharing_ctx(request, s, u, pid), "patient": patient, "stopped": int(note) if note and note.isdigit() else 0,
               "viewing": viewing(s, u, patient)}
        made = take_code(request, pid)  # the code just made, shown once (PRG: a reload made a second one)
        listed = [i for i in ctx["invites"] if made and i["id"] == made[0]]  # still unused
        ctx["invite"] = {**listed[0], "code": made[1]} if made and listed else None
        page = render(request, "sharing.html", ctx, user=u)
        forget_code(request, page)
        return page


@router.post("/sharing/invite", response_class=HTMLResponse)
def sharing_invite(request: Request, csrf_token: str = Form(""), patient: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        pid = _pid(s, u.actor, patient)
        invite = sharing.create_invite(s, u.actor, pid)
    # Post/Redirect/Get: the code on the POST's own page was made again by a reload or Back and
    # resubmit (two live codes); it rides to the GET in a sealed, session-bound cookie, never the URL
    resp = redirect("/sharing" + (f"?patient={patient}" if patient else ""))
    put_code(request, resp, "/sharing", pid, int(invite["id"]), str(invite["code"]))
    return resp


@router.post("/sharing/invites/{invite_id}/cancel")
def sharing_invite_cancel(request: Request, invite_id: int, csrf_token: str = Form(""), patient: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        sharing.cancel_invite(s, u.actor, _pid(s, u.actor, patient), invite_id)
    return redirect("/sharing" + (f"?patient={patient}" if patient else ""))


@router.post("/sharing/revoke/{consent_id}")
def sharing_revoke(request: Request, consent_id: int, csrf_token: str = Form(""), patient: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        stopped = sharing.revoke(s, u.actor, _pid(s, u.actor, patient), consent_id)
    q = [f"patient={patient}"] if patient else []
    if stopped:  # signed: a link cannot claim that challenges were stopped
        q.append(f"stopped={quote(signed_note(request, str(stopped), '/sharing'))}")
    return redirect("/sharing" + ("?" + "&".join(q) if q else ""))


def _appointments_view(request: Request, s, u, patient: int | None, **extra) -> Response:  # type: ignore[no-untyped-def]
    pid = _pid(s, u.actor, patient)
    status = extra.pop("status", 200)
    choices = appointments.recipient_choices(s, u.actor, pid)
    return render(request, "appointments.html", {"requests": appointments.my_requests(s, u.actor, pid), "patient": patient,
                                                  "shared": (shared := sharing.is_shared(s, u.actor, pid)),
                                                  # "share ... again" only to a record shared once (not to a new patient)
                                                  "shared_before": not shared and bool(sharing.ended_access(s, u.actor, pid)),
                                                  "choices": choices,
                                                  **_request_problems(extra.pop("problems", None), len(choices) > 1),
                                                  "viewing": viewing(s, u, patient), **extra},
                  status=status, user=u)


def _request_problems(problems: list[str] | None, choose: bool) -> dict[str, object]:
    """A refused new request's problems for its form (_field_error.html's summary, as the EASI, SCORAD and
    challenge plan forms): (field, message) pairs in the service's order, field "" for a message that
    names none of the form's fields (the tick boxes are there only when there is a choice), and each
    field's first message."""
    fields = ("reason", "urgency", "preferred_times") + (("to",) if choose else ())
    pairs = [(m.split(":", 1)[0] if m.split(":", 1)[0] in fields else "", m) for m in problems or []]
    return {"request_problems": pairs, "request_errors": {f: m for f, m in reversed(pairs) if f}}


@router.get("/appointments", response_class=HTMLResponse)
def appointments_page(request: Request, patient: int | None = None, sent: str | None = None) -> Response:
    note = read_note(request, sent)  # signed: a link cannot make the page say "Request sent"
    sent_id = int(note[5:]) if note and note.startswith("sent ") and note[5:].isdigit() else None
    with unit_of_work(request) as s:
        return _appointments_view(request, s, require_user(request, s, "patient"), patient, sent_id=sent_id)


@router.post("/appointments", response_class=HTMLResponse)
def appointments_request(request: Request, reason: str = Form(""), urgency: str = Form("routine"),
                         preferred_times: str = Form(""), csrf_token: str = Form(""), patient: int | None = None,
                         to: list[str] = Form([])) -> Response:
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            zone = viewer_zone(request)  # the browser's zone: the clinic reads the preferred times in it
            # to: the clinicians ticked (consent ids) when more than one is linked (0012)
            chosen = [i for i in (form_id(t, "to") for t in to) if i is not None]
            made = appointments.request_appointment(s, u.actor, _pid(s, u.actor, patient), reason, urgency, preferred_times,
                                                    zone.key if zone else None, chosen)
    except (NotFound, Forbidden):
        raise
    except ClinicError as exc:  # the form again with what was typed, and every problem (a list on top, each by its field)
        with unit_of_work(request) as s:
            return _appointments_view(request, s, require_user(request, s, "patient"), patient,
                                      problems=getattr(exc, "problems", None) or [str(exc)],
                                      typed={"reason": reason, "urgency": urgency, "preferred_times": preferred_times,
                                             "to": to},
                                      status=status_for(exc))
    # "Request sent to …" at the top: the page came back with the form empty and the request below
    # the fold, and a screen reader said nothing, so people sent it twice (2026-12-06)
    note = quote(signed_note(request, f"sent {made['id']}", "/appointments"))
    return redirect(f"/appointments?sent={note}" + (f"&patient={patient}" if patient else ""))


@router.post("/appointments/{request_id}", response_class=HTMLResponse)
def appointments_answer(request: Request, request_id: int, action: str = Form(""), note: str = Form(""),
                        csrf_token: str = Form(""), patient: int | None = None) -> Response:
    """Confirm the clinic's proposed time, ask for another one, or withdraw the request."""
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            appointments.answer(s, u.actor, _pid(s, u.actor, patient), request_id, action, note)
    except (NotFound, Forbidden):
        raise
    except ClinicError as exc:  # shown on the request it belongs to, with the note kept
        with unit_of_work(request) as s:
            return _appointments_view(request, s, require_user(request, s, "patient"), patient, error=str(exc),
                                      error_for=request_id, typed_note=note, status=status_for(exc))
    return redirect("/appointments" + (f"?patient={patient}" if patient else ""))


@router.post("/appointments/{request_id}/send", response_class=HTMLResponse)
def appointments_send(request: Request, request_id: int, to: list[str] = Form([]), csrf_token: str = Form(""),
                      patient: int | None = None) -> Response:
    """Send an open request to a clinician linked since it was made (the ticked consent ids)."""
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            chosen = [i for i in (form_id(t, "to") for t in to) if i is not None]
            appointments.send_to(s, u.actor, _pid(s, u.actor, patient), request_id, chosen)
    except (NotFound, Forbidden):
        raise
    except ClinicError as exc:  # shown on the request it belongs to
        with unit_of_work(request) as s:
            return _appointments_view(request, s, require_user(request, s, "patient"), patient, error=str(exc),
                                      error_for=request_id, status=status_for(exc))
    return redirect("/appointments" + (f"?patient={patient}" if patient else ""))


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request, imported: str | None = None, removed: str | None = None,
              zone_set: str | None = None, year_set: str | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        note = read_note(request, imported)  # signed: a link cannot make the page say "Imported 500 days"
        rows = int(note) if note and note.isdigit() else None
        gone = read_note(request, removed)  # signed too: "the profile is deleted" only after one was
        zoned = read_note(request, zone_set)  # signed: "zone 12" after that profile's zone was saved
        yeared = read_note(request, year_set) or ""  # signed: "year 12" after that profile's birth year was saved
        return render(request, "data.html", {"profiles": _profiles(s, u.actor), "imported": rows,
                                             "removed": bool(gone and gone.startswith("removed")),
                                             "zone_saved_for": int(zoned[5:]) if zoned and zoned.startswith("zone ")
                                             and zoned[5:].isdigit() else None,
                                             "year_saved_for": int(yeared[5:]) if yeared.startswith("year ")
                                             and yeared[5:].isdigit() else None},
                      user=u)


@router.post("/profiles/{patient_id}/birth_year", response_class=HTMLResponse)
def profile_birth_year(request: Request, patient_id: int, year: str = Form(""), csrf_token: str = Form("")) -> Response:
    """The managing account corrects a profile's birth year (:func:`accounts.set_birth_year`); the
    field is ``year``, not ``birth_year``: the add-a-child form on the same page has that one."""
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            access.patient_for_write(s, u.actor, patient_id)  # not yours or co-cared: 404 before the value is read
            year = year.strip()
            if not (year.isascii() and year.isdigit() and len(year) == 4):
                raise InvalidInput("birth_year: expected a year like 2019")
            accounts.set_birth_year(s, u.actor, patient_id, int(year))
    except (NotFound, Forbidden):
        raise
    except ClinicError as exc:  # My data again, the reason on that profile's form
        return _data_again(request, exc, "year", patient_id)
    return redirect(f"/data?year_set={quote(signed_note(request, f'year {patient_id}', '/data'))}#birth-{patient_id}")


@router.post("/profiles/{patient_id}/time_zone", response_class=HTMLResponse)
def profile_time_zone(request: Request, patient_id: int, time_zone: str = Form(""), csrf_token: str = Form("")) -> Response:
    """The zone a profile's days are lived in, chosen by its managing account or a co-caregiver
    (2026-12-06): a visit from another zone no longer changes it (two caregivers flipped it), and
    pages without JavaScript, reminders and the clinic's panel take the profile's today from it."""
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            zones.set_profile_zone(s, u.actor, patient_id, time_zone)  # not yours: 404, nothing written
    except (NotFound, Forbidden):
        raise
    except ClinicError as exc:  # My data again, the reason on that profile's zone form
        return _data_again(request, exc, "zone", patient_id)
    return redirect(f"/data?zone_set={quote(signed_note(request, f'zone {patient_id}', '/data'))}#zone-{patient_id}")


@router.post("/data/import", response_class=HTMLResponse)
async def data_import(request: Request, file: UploadFile = File(...), patient: str = Form(""),
                      csrf_token: str = Form("")) -> Response:
    """A person imports their own diary CSV (the interchange format, e.g. from another app or an
    earlier export) into one of their profiles: all rows or none."""
    limit = settings_of(request).upload_max_bytes
    data = await file.read(limit + 1)

    def work() -> Response:
        pid = None  # the profile chosen, kept on the form after an error
        try:
            with unit_of_work(request) as s:
                u = require_user(request, s, "patient")
                verify_csrf(request, u, csrf_token)
                pid = _pid(s, u.actor, form_id(patient, "patient"))
            if len(data) > limit:
                raise InvalidInput(f"file: larger than {limit // 1_000_000} MB")
            # bytes that are not UTF-8 are kept as surrogates for the reader, which names their line
            # (a Latin-1 "é" in a note was "file: not UTF-8 text" with no line before session 8); UTF-16
            # with a BOM (Excel's "Unicode Text") is decoded as such since 2026-12-07
            source = diary_text(data, os.path.basename(file.filename or "diary.csv"))  # named in error messages
            summary = diary.import_diary_csv(request.app.state.engine, u.actor, source, into=pid)
        except (ClinicError, DiaryCsvError) as exc:
            with unit_of_work(request) as s:
                u = require_user(request, s, "patient")
                status = status_for(exc) if isinstance(exc, ClinicError) else 422
                # the profile chosen stays chosen: it fell back to the first (the caregiver's own), so
                # a second try with a corrected file of the child's diary went into the parent's
                return render(request, "data.html", {"profiles": _profiles(s, u.actor), "import_error": str(exc),
                                                     "import_into": pid}, status=status, user=u)
        return redirect(f"/data?imported={quote(signed_note(request, str(summary.rows), '/data'))}")

    return await run_in_threadpool(work)


@router.get("/data/diary.csv")
def data_csv(request: Request, patient: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        pid = _pid(s, u.actor, patient)
        text = export.diary_csv(s, u.actor, pid)
        name = export.diary_file_name(s, u.actor, pid, local_today(request, s, pid))
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/data/archive.json")
def data_json(request: Request) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        body = export.archive_json(s, u.actor)
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="gutskin-archive.json"'})


@router.post("/data/delete", response_class=HTMLResponse)
def data_delete(request: Request, password: str = Form(""), csrf_token: str = Form("")) -> Response:
    with unit_of_work(request) as s:  # counted first, in its own transaction (a failed check rolls back)
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        accounts.record_password_recheck(s, u.actor)
    try:
        with unit_of_work(request) as s:
            check = accounts.check_password_recheck(s, require_user(request, s, "patient").actor)
        accounts.verify_password_recheck(check, password)  # argon2 in no transaction
        with unit_of_work(request) as s:
            accounts.finish_delete_account(s, require_user(request, s, "patient").actor, check)
    except ClinicError as exc:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            return render(request, "data.html", {"profiles": _profiles(s, u.actor), "error": str(exc)}, status=status_for(exc), user=u)
    resp = redirect("/?deleted=1")
    resp.delete_cookie(security.SESSION_COOKIE)
    resp.headers["Clear-Site-Data"] = security.CLEAR_SITE_DATA  # drafts in every tab (security.CLEAR_SITE_DATA)
    return resp


@router.post("/profiles/{patient_id}/delete", response_class=HTMLResponse)
def delete_profile(request: Request, patient_id: int, password: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Delete a child's profile (or one added by mistake) with its records: My data listed no
    profile and had no way to remove one, short of deleting the whole account."""
    with unit_of_work(request) as s:  # the password re-check is counted first, in its own transaction
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        access.patient_for_write(s, u.actor, patient_id)  # not yours: 404, and nothing counted
        accounts.record_password_recheck(s, u.actor)
    try:
        with unit_of_work(request) as s:
            check = accounts.check_delete_child_profile(s, require_user(request, s, "patient").actor, patient_id)
        accounts.verify_password_recheck(check, password)  # argon2 in no transaction
        with unit_of_work(request) as s:
            accounts.finish_delete_child_profile(s, require_user(request, s, "patient").actor, patient_id, check)
    except (NotFound, Forbidden):
        raise
    except ClinicError as exc:  # My data again, the reason on that profile's form
        return _data_again(request, exc, "profile", patient_id)
    # no name in the note: a signed note is readable, and the address of the next page stays in the
    # browser's history and the operator's proxy logs after the profile was erased (stranger walk)
    return redirect(f"/data?removed={quote(signed_note(request, 'removed', '/data'))}")


@router.post("/profiles/child")
def add_child(request: Request, display_name: str = Form(""), birth_year: str = Form(""), csrf_token: str = Form("")) -> Response:
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            year = birth_year.strip()
            if year and not (year.isascii() and year.isdigit() and len(year) <= 4):  # "²" passed isdigit and crashed int()
                raise InvalidInput("birth_year: expected a year like 2019")
            p = accounts.add_child_profile(s, u.actor, display_name, int(year) if year else None)
            pid = p.id
    except (NotFound, Forbidden):
        raise
    except ClinicError as exc:  # My data again: the reason next to the form, what was typed kept
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            return render(request, "data.html", {"profiles": _profiles(s, u.actor), "child_error": str(exc),
                                                 "child": {"display_name": display_name, "birth_year": birth_year}},
                          status=status_for(exc), user=u)
    return redirect(f"/today?patient={pid}")


def _data_again(request: Request, exc: ClinicError, form: str, patient_id: int) -> Response:
    """My data again after a refused per-profile form (``form``: year, zone, profile): the reason
    next to that profile's form, the field focused (docs/web.md)."""
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        return render(request, "data.html", {"profiles": _profiles(s, u.actor), f"{form}_error": str(exc),
                                             f"{form}_error_for": patient_id}, status=status_for(exc), user=u)
