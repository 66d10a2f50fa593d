"""A refused form's message in the words of the form (docs/web.md "Refused forms speak the form's words").

The use cases and the API name a refused field by its code ("sleep_loss: expected an integer 0-10,
got 11", "given_at: expected a date and time", "q0: ..."): API clients rely on those names and the
JSON bodies keep them. A page shows the same message through :func:`say` (the ``say`` filter of the
templates), which reads it as the person filling in the form would:

* the leading field code (and one after a ``"; "``) becomes the label printed next to that field on
  the form ("Sleep loss: ...", "First day: ...", "Given at: ..."); a question ``q0`` is "Question 1",
  a diary factor ``factors.life.stress`` (and ``food.egg`` inside a sentence) its chip's label; a code
  the form has no field for ("status:", "simulations:") is dropped and the sentence starts with
  a capital letter;
* Python's and Pydantic's phrases ("Input should be a valid integer", "Field required",
  "invalid literal for int() with base 10", "Value error, ") and the terse "expected an integer
  0-10, got 11" become plain English ("must be a whole number from 0 to 10, not 11");
* "expected one of home, supervised" (stored values, not what the form shows) becomes
  "choose one of the options offered".

Only what is shown changes: templates still mark the field (``_field_error.html``) from the message's
code prefix, so marking and wording cannot disagree about which field is meant.
"""

from __future__ import annotations

import re

# Each form's fields, as the label on the form reads (the template beside it); "*" is every form.
LABELS: dict[str, dict[str, str]] = {
    "*": {"email": "Email", "password": "Password", "display_name": "Name or initials", "code": "Code",
          "reason": "Reason", "message": "Message", "time": "Time", "file": "File", "date": "Day",
          "notes": "Notes", "patient": "Profile", "day": "Day", "safety": "Safety check", "symptoms": "Symptoms",
          "simulations": "Simulations", "csrf_token": "Form", "zone": "Time zone", "time_zone": "Time zone"},
    "register": {"display_name": "Name or initials", "email": "Email", "password": "Password"},
    "login": {"email": "Email", "password": "Password"},
    "account": {"current_password": "Current password", "new_password": "New password",
                "password": "New password", "display_name": "Your name"},
    "diary": {"itch": "Worst itch", "sleep_loss": "Sleep loss", "notes": "Notes",
              "custom_name": "Add your own factor", "custom_group": "Category of your factor",
              "custom_value": "Add your own factor", "date": "Day", "poscorad": "PO-SCORAD",
              "poem": "POEM", "flare": "Flare today"},
    "appointment": {"reason": "Reason", "urgency": "Urgency", "preferred_times": "Preferred times",
                    "to": "Send to", "message": "Message", "time": "Time", "action": "Answer",
                    "note": "When would suit you instead"},
    "clinic_appointment": {"time": "Time", "message": "Message", "action": "Answer"},
    "clinic_link": {"code": "Invite code"},
    "caregiver": {"code": "Caregiver code", "email": "Email"},
    "child": {"display_name": "Child's name or initials", "birth_year": "Birth year"},
    "import": {"file": "Diary file (CSV)", "patient": "Profile"},
    "time_zone": {"time_zone": "Time zone"},
    "profile": {"password": "Your password", "confirm": "Confirmation"},
    "microbiome": {"file": "Profile file", "sample_id": "Sample ID", "method": "Method",
                   "kind": "The numbers in the file are", "taxonomy": "Taxonomy file",
                   "collected_on": "Collected on"},
    "simulator": {"arms": "Arms", "arm": "Arms", "patients": "Virtual patients", "weeks": "Weeks",
                  "seed": "Seed"},
    "challenge_plan": {"food": "Food", "custom_food": "Another food, in words", "kind": "Kind",
                       "released_for_home": "Released for home reintroduction", "start": "First day",
                       "elimination_days": "Elimination days", "elimination_max_days": "Elimination maximum",
                       "baseline_days": "Baseline days", "observation_hours": "Observation window after each dose",
                       "doses": "Dose steps", "instructions": "Instructions for the patient"},
    "challenge": {"step": "Step", "given_at": "Given at", "amount": "Amount", "symptoms": "Symptoms seen",
                  "immediate_outcome": "Immediate outcome", "stop_reason": "Stopping reason",
                  "outcome": "Outcome", "note": "Note", "reason": "Reason", "extra_days": "Extend elimination by",
                  "baseline_extra_days": "Extend the baseline by", "food": "Food"},
    # the clinician's EASI and SCORAD (clinic_assessment.html): codes are the instruments' field paths
    "easi": {"assessed_on": "Date of the visit", "age_years": "Age in years",
             **{f"regions.{r}.{f}": f"{rl}, {fl}" for r, rl in (("head_neck", "Head and neck"), ("upper_limbs", "Upper limbs"),
                                                               ("trunk", "Trunk"), ("lower_limbs", "Lower limbs"))
                for f, fl in (("area_percent", "area affected (%)"), ("erythema", "erythema"),
                              ("induration", "induration / papulation"), ("excoriation", "excoriation"),
                              ("lichenification", "lichenification"))}},
    "scorad": {"assessed_on": "Date of the visit", "extent_percent": "Extent (%)",
               "itch": "Itch, last 3 days", "sleep_loss": "Sleeplessness, last 3 nights",
               **{f"intensity.{g}": label for g, label in (
                   ("erythema", "Erythema"), ("oedema_papulation", "Oedema / papulation"),
                   ("oozing_crusting", "Oozing / crusting"), ("excoriation", "Excoriation"),
                   ("lichenification", "Lichenification"), ("dryness", "Dryness"))}},
    "patient_challenge": {"safety": "Safety check", "symptoms": "Signs", "symptom": "Signs",
                          "reason": "Reason", "checked": "I have checked for each of these signs"},
}

_FACTOR = re.compile(r"(?<![\w.])((?:food|env|life|gut|treat)\.[a-z0-9_]+)\b")
# a field code where a message names its field: at the start, or after "; " (a second field)
_CODE = re.compile(r"(^|; |^Could not save: )([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*(?:\[\d+\](?:\.[a-z_]+)?)?)"
                   r"(?=(?:: | line \d+: | at most ))")

# (pattern, replacement) in order; Python's and Pydantic's phrases and the terse "expected X, got Y"
_PHRASES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.I), r) for p, r in [
    (r"Value error, ", ""),
    (r"^(Dose steps) (line \d+:)", r"\1, \2"),
    (r"invalid literal for int\(\) with base 10: ('[^']*'|\"[^\"]*\")", r"expected a whole number, not \1"),
    (r"could not convert string to float: ('[^']*'|\"[^\"]*\")", r"expected a number, not \1"),
    (r"Input should be a valid integer(, unable to parse string as an integer| , got a number with a fractional part|, got a number with a fractional part)?",
     "must be a whole number"),
    (r"Input should be a valid number(, unable to parse string as a number)?", "must be a number"),
    (r"Input should be a valid date(time)?(, [^;]*)?", "must be a date"),
    (r"Input should be a valid boolean(, [^;]*)?", "must be yes or no"),
    (r"Input should be a valid string", "must be text"),
    (r"Input should be greater than or equal to ", "must be at least "),
    (r"Input should be less than or equal to ", "must be at most "),
    (r"Input should be greater than ", "must be more than "),
    (r"Input should be less than ", "must be less than "),
    (r"Input should be ('[^']*'(?:, '[^']*')*(?: or '[^']*')?)", "choose one of the options offered"),
    (r"Input should be ", "must be "),
    (r"String should have at most (\d+) characters?", r"must be at most \1 characters"),
    (r"String should have at least (\d+) characters?", r"must be at least \1 characters"),
    (r"String should match pattern '[^']*'", "is not in the expected form"),
    (r"List should have at most (\d+) items?[^;]*", r"at most \1"),
    (r"\bField required\b", "is required"),
    (r"expected an integer (-?\d+)\s*-\s*(-?\d+), got (\S+)", r"must be a whole number from \1 to \2, not \3"),
    (r"expected a whole number (-?\d+)\s*-\s*(-?\d+), got ('[^']*'|\S+)", r"must be a whole number from \1 to \2, not \3"),
    (r"expected a value from (-?[\d.]+) to (-?[\d.]+), got (\S+)", r"must be from \1 to \2, not \3"),
    (r"expected a number, got ('[^']*'|\S+)", r"must be a number, not \1"),
    (r"expected a number (-?[\d.]+)\s*-\s*(-?[\d.]+), got (\S+)", r"must be a number from \1 to \2, not \3"),
    (r"expected an integer\b", "expected a whole number"),
    (r"(?:expected|choose) one of [a-z0-9_]+(?:, [a-z0-9_]+)+(?=$|[;.])", "choose one of the options offered"),
]]


def _label(code: str, labels: dict[str, str]) -> str | None:
    if code in labels:
        return labels[code]
    if code.endswith("_id"):  # a record's number in the page's address or a hidden field
        return "The link or form you used"
    if (m := re.fullmatch(r"q(\d+)", code)) is not None:
        return f"Question {int(m.group(1)) + 1}"
    if code.startswith("factors."):
        return _factor_label(code[len("factors."):])
    if (m := re.fullmatch(r"doses\[(\d+)\](?:\.([a-z_]+))?", code)) is not None:
        part = {"amount": ", amount", "day_offset": ", day"}.get(m.group(2) or "", "")
        return f"Dose step {int(m.group(1)) + 1}{part}"
    if code.startswith(("food.", "env.", "life.", "gut.", "treat.")):
        return _factor_label(code)
    return None


def _factor_label(name: str) -> str | None:
    from gutskin.diary.factors import known_factor

    try:
        return known_factor(name).label
    except ValueError:
        return None


def say(message: object, form: str | None = None) -> str:
    """``message`` (a use case's or the page's "field: what is wrong") in the words of ``form``'s
    labels (:data:`LABELS`), without Python's or Pydantic's phrases. Idempotent on its own output."""
    text = "" if message is None else str(message)
    if not text:
        return text
    labels = {**LABELS["*"], **LABELS.get(form or "", {})}

    def code(m: re.Match[str]) -> str:
        lead, name = m.group(1), m.group(2)
        label = _label(name, labels)
        if label is not None:
            return lead + label
        if re.fullmatch(r"[a-z]+(?:_[a-z0-9]+)*", name) is None:  # "d.csv: line 1": a file's name, kept
            return m.group(0)
        return lead + "\x00"  # a code the form has no field for: dropped below

    text = _CODE.sub(code, text)
    text = re.sub(r"(^|; |^Could not save: )\x00(?:: )?", lambda m: m.group(1) + "\x01", text)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    if form != "import":  # a diary file's messages name its columns as the file must write them (food.dairy)
        text = _FACTOR.sub(lambda m: (_factor_label(m.group(1)) or m.group(1)).lower(), text)
    # a dropped code: the sentence after it starts with a capital
    return re.sub(r"\x01(.)", lambda m: m.group(1).upper(), text).replace("\x01", "")


def _install() -> None:
    from gutskin.web.pages.common import TEMPLATES

    TEMPLATES.env.filters["say"] = say


_install()
