"""A patient's record as a FHIR R4B ``Bundle`` (type ``collection``), from plain data.

Pure mapping: :func:`build_bundle` takes the plain data that ``gutskin.clinic.fhir`` gathers
(after authorization) and returns the bundle as a JSON-able dict; every resource is validated
with the ``fhir.resources.R4B`` models before it is returned. Codes and systems:
:mod:`gutskin.interop.codes`; mapping table and choices: docs/interop.md.

Input (all keys but ``patient`` optional)::

    {"patient": {"external_id", "display_name", "birth_year", "sex", "region", "share_identity",
                 "identifiers": [{"system", "value"}] (other systems', exported with identity consent)},
     "days": [{"date", "itch", "sleep_loss", "flare", "poscorad", "poem", "notes", "factors": {...}, "author_role"}],
     "questionnaires": [{"id", "instrument", "version", "answered_on", "answers": payload, "total", "band",
                         "author_role", "respondent"}],
     "appointments": [{"id", "status", "scheduled_for", "reason", "clinician"}],
     "challenges": [{"id", "food", "verdict": "confirmed" | "refuted", "summary", "finished_on", "avoid", "recorder",
                     "reactions": [{"signs": [str], "onset": datetime (UTC) | date, "dose"}]}],
     "microbiome": [{"id", "collected_on": date | None, "reported_on": date (the upload's day in the patient's
                     zone), "method", "report": the stored report (gutskin.microbiome.report.sample_report)}],
     "as_of": date, "generated_at": datetime, "software_version": str}

``respondent`` of a questionnaire (who answered, 0017): ``self`` (``source`` the Patient), ``proxy``
(``source`` the RelatedPerson who answered for the child), None (not recorded: no ``source``).
``author_role`` (who entered the answer or the day): ``patient`` (the Patient), ``caregiver`` (the parent managing a child's profile: a RelatedPerson, v3 RoleCode
PRN), ``co_caregiver`` (another account keeping the child's diary with the parent: one
RelatedPerson per such account, told apart by the row's ``author_key``, never the parent's), or
None (not recorded: no author). The bundle ends with a Provenance naming gutskin (a
Device with its version) as the assembler of every exported resource.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from gutskin.interop import codes as C

DEFAULT_APPOINTMENT_MINUTES = 30
ACTIVE_TREATMENT_DAYS = 14  # a treatment used within this many days of ``as_of`` is "active"
#: who a clinician is in a pseudonymized bundle (Appointment participant, AllergyIntolerance recorder):
#: their role, as the visit report says it (interop.report.AUTHOR_WORDS), not a name or a number
PSEUDONYMOUS_CLINICIAN = "the clinic"


class FhirMappingError(ValueError):
    """A resource built from the data does not validate (a bug or impossible data)."""


def _uuid(external_id: str, key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{C.BASE}/{external_id}/{key}"))


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _instant(value: Any) -> str:
    """Naive datetimes are taken as UTC (the store keeps naive UTC times)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def canonical_version(version: str) -> str:
    """The version part of a questionnaire canonical (``url|version``) and the Questionnaire's
    ``version``: gutskin's recorded version string with every run of characters other than
    letters, digits and dots made one ``-`` (a canonical is a URI: no spaces), e.g.
    ``POEM (Charman 2004), 7 items 0-4, total 0-28`` -> ``POEM-Charman-2004-7-items-0-4-total-0-28``.
    The full string travels in the response's instrument-version extension."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", version).strip("-")


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def _category() -> list[dict[str, Any]]:
    return [{"coding": [{"system": C.OBS_CATEGORY, "code": "survey", "display": "Survey"}]}]


def _local(code: str) -> dict[str, str]:
    return {"system": C.OBSERVATION_SYSTEM, "code": code, "display": C.LOCAL_CODES[code][0]}


def _score_coding(instrument: str) -> list[dict[str, str]]:
    coding = [_local(C.score_code(instrument))]
    if instrument == "poem":
        coding.insert(0, {"system": C.LOINC, "code": C.POEM_TOTAL, "display": "Total score [POEM]"})
    return coding


def _score_quantity(value: float) -> dict[str, Any]:
    return {"value": _number(value), "unit": "score", "system": C.UCUM, "code": "{score}"}


def _factor_quantity(value: float, unit: str) -> dict[str, object]:
    """A factor's value with its unit as text and, where one exists, its UCUM code (°C -> Cel)."""
    q: dict[str, object] = {"value": _number(value), "unit": unit or "1"}
    if unit in C.FACTOR_UCUM:
        q["system"], q["code"] = C.UCUM, C.FACTOR_UCUM[unit]
    return q


def _findings(instrument: str, payload: Any, row_id: Any) -> list[dict[str, Any]]:
    """The components of a clinic assessment's findings: one per leaf of its scoring input (``bands``,
    the band set, travels as an extension), coded by the leaf's dotted path; a number as a quantity
    (:func:`codes.finding_unit`), an unrated one (null) as ``dataAbsentReason``."""
    out: list[dict[str, Any]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping):
            for k in sorted(node):
                if not path and k == "bands":
                    continue
                walk(node[k], f"{path}.{k}" if path else str(k))
            return
        comp: dict[str, Any] = {"code": {"coding": [{"system": C.ASSESSMENT_FINDING_SYSTEM, "code": path,
                                                     "display": C.finding_display(instrument, path)}]}}
        if node is None:
            comp["dataAbsentReason"] = {"text": "not rated"}
        elif isinstance(node, bool) or not isinstance(node, (int, float)) or not math.isfinite(node):
            raise FhirMappingError(f"assessment {row_id}: {path}: not a number")
        else:
            unit, code = C.finding_unit(path)
            comp["valueQuantity"] = {"value": _number(node), "unit": unit, "system": C.UCUM, "code": code}
        out.append(comp)

    if isinstance(payload, Mapping):
        walk(payload, "")
    return out


def _custom_factor_labels(data: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Neutral (code, label) of each custom factor for a pseudonymized bundle: a custom factor's name
    is typed by the patient ("food.grandma_ruths_cake") and may identify them. Numbered across the
    bundle in order of first use (diary days by date, then challenged foods): ``food.custom_1``,
    "custom factor 1"; a group outside gutskin's (typed too) becomes ``custom``. The code stays a valid
    factor name, so an import keeps the values apart and analysable."""
    from gutskin.diary.factors import GROUPS, VOCABULARY

    names: dict[str, None] = {}
    for d in sorted(data.get("days") or [], key=lambda d: str(d["date"])):
        names.update(dict.fromkeys(sorted(d.get("factors") or {})))
    names.update(dict.fromkeys(str(c["food"]) for c in data.get("challenges") or []))
    out: dict[str, tuple[str, str]] = {}
    for name in names:
        if name in VOCABULARY:
            continue
        group = name.split(".", 1)[0]
        n = len(out) + 1
        out[name] = (f"{group if group in GROUPS else 'custom'}.custom_{n}", f"custom factor {n}")
    return out


class _Builder:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        p = data["patient"]
        self.ext = str(p["external_id"])
        self.identity = bool(p.get("share_identity"))
        self.as_of = _date(data.get("as_of")) or dt.date.today()
        self.entries: list[dict[str, Any]] = []
        self.patient_ref = self.full_url("patient")
        self.author_refs: dict[str, str] = {"patient": self.patient_ref}
        self.clinic_ref: str | None = None  # the Organization "the clinic" (performer of its EASI and SCORAD)
        self.practitioner_refs: dict[str, str] = {}  # clinician_key -> Practitioner (identity shared only)
        self.custom = {} if self.identity else _custom_factor_labels(data)

    def factor(self, name: str) -> tuple[str, str]:
        """(code, label) of a factor as exported: a custom factor of a pseudonymized bundle by its
        neutral name (:func:`_custom_factor_labels`), any other by its own name and label."""
        from gutskin.diary.factors import known_factor

        if name in self.custom:
            return self.custom[name]
        return name, known_factor(name).label or name

    def person(self, name: str) -> str:
        """A clinician's name as exported: as typed with the patient's identity shared, else their
        role, "the clinic" (2026-12-07), the words the visit report uses for a clinician. Until then a
        numbered "clinician 1", which a reader took for a person's name or a code to look up; the
        number only told two clinicians apart, and who they are stays in gutskin."""
        if self.identity:
            return name
        return PSEUDONYMOUS_CLINICIAN

    def full_url(self, key: str) -> str:
        return f"urn:uuid:{_uuid(self.ext, key)}"

    def add(self, key: str, resource: dict[str, Any]) -> str:
        rid = _uuid(self.ext, key)
        resource = {"resourceType": resource.pop("resourceType"), "id": rid, **resource}
        self.entries.append({"fullUrl": f"urn:uuid:{rid}", "resource": resource})
        return f"urn:uuid:{rid}"

    def subject(self) -> dict[str, str]:
        return {"reference": self.patient_ref}

    # --- Patient ---------------------------------------------------------------------------
    def patient(self) -> None:
        p = self.data["patient"]
        res: dict[str, Any] = {
            "resourceType": "Patient",
            "identifier": [{"system": C.PATIENT_ID_SYSTEM, "value": self.ext}],
        }
        if self.identity:
            # other systems' identifiers of the person (a hospital's MRN, kept by the import since 0018):
            # identifying, so only with identity consent, as the name (a PSEUDED bundle carries gutskin's only)
            res["identifier"] += [{"system": str(x["system"]), "value": str(x["value"])}
                                  for x in p.get("identifiers") or []]
            if p.get("display_name"):
                res["name"] = [{"text": str(p["display_name"])}]
            if p.get("birth_year"):
                res["birthDate"] = f"{int(p['birth_year']):04d}"
            sex = (p.get("sex") or "").lower()
            if sex in ("female", "male", "other", "unknown"):
                res["gender"] = sex
            if p.get("region"):
                res["address"] = [{"text": str(p["region"])}]
        else:
            res["meta"] = {"security": [{"system": C.V3_OBSERVATION_VALUE, "code": "PSEUDED",
                                         "display": "pseudonymized"}]}
        self.add("patient", res)

    # --- Authors ---------------------------------------------------------------------------
    def authors(self) -> None:
        """A RelatedPerson for the parent when any answer or day was entered by them (one per
        bundle: who the account is stays in gutskin; its name is not exported)."""
        rows = [*(self.data.get("questionnaires") or []), *(self.data.get("days") or [])]
        # one RelatedPerson per co-caregiver, numbered in order of first entry (no account id exported)
        keys = list(dict.fromkeys(str(r.get("author_key")) for r in rows if r.get("author_role") == "co_caregiver"))
        for n, key in enumerate(keys, start=1):
            self.author_refs[f"co_caregiver/{key}"] = self.add(f"related-person/co-caregiver/{n}", {
                "resourceType": "RelatedPerson", "active": True, "patient": self.subject(),
                "relationship": [{"text": "another caregiver (keeps the child's diary with the parent in gutskin)"}],
            })
        # the parent: an author, or the proxy of an answer whose account is not known (respondent 'proxy'
        # with no RelatedPerson author, e.g. imported from a bundle naming none)
        if any(r.get("author_role") == "caregiver" or (r.get("respondent") == "proxy" and r.get("author_role")
                                                       not in ("caregiver", "co_caregiver")) for r in rows):
            self.author_refs["caregiver"] = self.add("related-person/caregiver", {
                "resourceType": "RelatedPerson", "active": True, "patient": self.subject(),
                "relationship": [{"coding": [{"system": C.V3_ROLE_CODE, "code": C.CAREGIVER_ROLE_CODE,
                                              "display": C.CAREGIVER_ROLE_DISPLAY}],
                                  "text": "parent (manages the child's profile in gutskin)"}],
            })

    def clinic(self) -> None:
        """Who measured the clinic's EASI and SCORAD (``performer`` of its examination Observations,
        2026-12-07; they had none): an Organization, "the clinic" (:data:`PSEUDONYMOUS_CLINICIAN`, the
        words the visit report and the pseudonymized Appointment use), in every bundle holding one,
        and with the patient's identity shared a Practitioner per clinician, by name as typed (the
        Appointment participant's name), one per account (``clinician_key``, not exported). An
        assessment imported from another system has no clinician here: the clinic alone."""
        rows = [q for q in self.data.get("questionnaires") or [] if q["instrument"] in C.ASSESSMENTS]
        if not rows:
            return
        self.clinic_ref = self.add("organization/clinic", {
            "resourceType": "Organization", "active": True, "name": PSEUDONYMOUS_CLINICIAN,
            "type": [{"coding": [{"system": C.ORGANIZATION_TYPE, "code": "prov", "display": "Healthcare Provider"}],
                      "text": "the clinic that shares this record in gutskin"}],
        })
        if not self.identity:
            return
        names = {str(q["clinician_key"]): str(q["clinician"]) for q in rows if q.get("clinician") and q.get("clinician_key")}
        for n, key in enumerate(dict.fromkeys(str(q.get("clinician_key")) for q in rows if str(q.get("clinician_key")) in names),
                                start=1):
            self.practitioner_refs[key] = self.add(f"practitioner/{n}", {
                "resourceType": "Practitioner", "active": True, "name": [{"text": names[key]}]})

    def measured_by(self, row: Mapping[str, Any]) -> list[dict[str, str]]:
        """The performer of a clinic assessment: its clinician (identity shared) and the clinic."""
        out = []
        ref = self.practitioner_refs.get(str(row.get("clinician_key")))
        if ref:
            out.append({"reference": ref, "display": str(row["clinician"])})
        if self.clinic_ref:
            out.append({"reference": self.clinic_ref, "display": PSEUDONYMOUS_CLINICIAN})
        return out

    def author(self, row: Mapping[str, Any]) -> dict[str, str] | None:
        """Reference to who entered ``row`` (None: not recorded, or a role gutskin does not export)."""
        role = str(row.get("author_role") or "")
        ref = self.author_refs.get(f"co_caregiver/{row.get('author_key')}" if role == "co_caregiver" else role)
        return {"reference": ref} if ref else None

    def source(self, row: Mapping[str, Any]) -> dict[str, str] | None:
        """Who answered a questionnaire (``respondent``, 2026-12-07): 'self' the Patient; 'proxy' the
        RelatedPerson who entered it (the parent or that co-caregiver), or the parent's RelatedPerson when
        the proxy's account is not known (an import without an author); None when not recorded (rows
        before 0017: the answers' source is not claimed, the author still says who entered them)."""
        respondent = row.get("respondent")
        if respondent == "self":
            return {"reference": self.patient_ref}
        if respondent == "proxy":
            who = self.author(row)
            if who and who["reference"] != self.patient_ref:
                return who
            return {"reference": self.author_refs["caregiver"]}
        return None

    # --- Questionnaires ----------------------------------------------------------------------
    def questionnaires(self) -> dict[int, str]:
        rows = sorted(self.data.get("questionnaires") or [], key=lambda q: (str(q["answered_on"]), q.get("id") or 0))
        # one Questionnaire per instrument and version: each response's canonical names its own
        versions: dict[tuple[str, str], str] = {}
        for q in rows:
            if q["instrument"] in C.QUESTIONNAIRES:
                full = str(q.get("version") or "")
                versions[(q["instrument"], canonical_version(full))] = full
        for (instrument, version), full in sorted(versions.items()):
            title, n, maximum, panel = C.QUESTIONNAIRES[instrument]
            items = [
                {"linkId": str(i + 1), "type": "integer", "repeats": True,
                 "text": C.POEM_ITEMS[i] if instrument == "poem" else f"Item {i + 1} (0-{maximum})"}
                for i in range(n)
            ]
            items.append({"linkId": "total", "type": "decimal", "readOnly": True, "text": "Total score",
                          "code": _score_coding(instrument)})
            res: dict[str, Any] = {"resourceType": "Questionnaire", "url": f"{C.QUESTIONNAIRE}/{instrument}",
                                   "name": instrument.upper(), "title": title, "status": "active", "item": items}
            if version:
                res["version"] = version
                res["description"] = f"gutskin's {full}"
            if panel:
                res["code"] = [{"system": C.LOINC, "code": panel, "display": "Patient-Oriented Eczema Measure [POEM]"}]
            self.add(f"questionnaire/{instrument}" + (f"|{version}" if version else ""), res)
        refs: dict[int, str] = {}
        for q in rows:
            instrument = q["instrument"]
            if instrument not in C.QUESTIONNAIRES:
                continue
            payload = q.get("answers") or {}
            answers = payload.get("answers") if isinstance(payload, Mapping) else payload
            items = []
            for i, a in enumerate(answers or []):
                item: dict[str, Any] = {"linkId": str(i + 1)}
                if instrument == "poem" and i < len(C.POEM_ITEMS):
                    item["text"] = C.POEM_ITEMS[i]
                if isinstance(a, bool):
                    raise FhirMappingError(f"questionnaire {q.get('id')}: answers[{i}]: not a number")
                if isinstance(a, (list, tuple)):
                    item["answer"] = [{"valueInteger": int(x)} for x in a]
                elif a is not None:
                    item["answer"] = [{"valueInteger": int(a)}]
                items.append(item)
            if q.get("total") is not None:
                # valueDecimal: the Questionnaire's total item is a decimal (a receiver checks the answer's
                # type against it; integer totals went out as valueInteger, the importer reads both)
                items.append({"linkId": "total", "text": "Total score",
                              "answer": [{"valueDecimal": _number(q["total"])}]})
            ext = []
            if q.get("version"):
                ext.append({"url": C.VERSION_EXTENSION, "valueString": str(q["version"])})
            if isinstance(payload, Mapping) and payload.get("bands"):
                ext.append({"url": C.BAND_SET_EXTENSION, "valueString": str(payload["bands"])})
            key = f"qr/{q.get('id', len(refs))}"
            version = canonical_version(str(q.get("version") or ""))
            res = {"resourceType": "QuestionnaireResponse",
                   "identifier": {"system": C.QR_ID_SYSTEM, "value": str(q.get("id", len(refs)))},
                   "questionnaire": f"{C.QUESTIONNAIRE}/{instrument}" + (f"|{version}" if version else ""),
                   "status": "completed",
                   "subject": self.subject(), "authored": _date(q["answered_on"]).isoformat(),  # type: ignore[union-attr]
                   "item": items}
            who = self.author(q)
            if who:  # the account's person who entered the answers
                res["author"] = who
            source = self.source(q)
            if source:  # who answered (0017): the Patient (self-report) or the RelatedPerson answering for them
                res["source"] = source
            if ext:
                res["extension"] = ext
            ref = self.add(key, res)
            refs[id(q)] = ref
            if q.get("total") is not None:
                obs: dict[str, Any] = {
                    "resourceType": "Observation", "status": "final", "category": _category(),
                    "code": {"coding": _score_coding(instrument), "text": f"{instrument.upper()} total score"},
                    "subject": self.subject(), "effectiveDateTime": _date(q["answered_on"]).isoformat(),  # type: ignore[union-attr]
                    "valueQuantity": _score_quantity(float(q["total"])), "derivedFrom": [{"reference": ref}],
                }
                if q.get("band"):
                    obs["interpretation"] = [{"text": str(q["band"])}]
                # a patient-reported score's performer (2026-12-07; none before): who answered (the Patient,
                # or the RelatedPerson answering for a child), else who entered the answers
                performer = source or who
                if performer:
                    obs["performer"] = [performer]
                self.add(f"{key}/score", obs)
        return refs

    # --- The clinic's assessments (EASI, SCORAD) ----------------------------------------------
    def assessments(self) -> None:
        """One examination Observation per clinician-recorded EASI or SCORAD (2026-12-06): the total
        (or, for a SCORAD whose itch and sleep were not rated, no total) with its band, the
        objective SCORAD as a component, the instrument version as an extension, the clinic (and, with
        the identity shared, the clinician) as performer (:meth:`clinic`); ``interpretation`` carries the band.
        Every finding the score is computed from (EASI: the age that chose the weights, each
        region's area and four signs; SCORAD: extent, six intensities, itch, sleeplessness) is a
        component coded by its path in the scoring input (:data:`codes.ASSESSMENT_FINDING_SYSTEM`;
        an unrated one has ``dataAbsentReason``), a chosen band set the band-set extension: the
        importer scores them again (since 2026-12-06; before, only the total left gutskin)."""
        from gutskin.instruments import score

        rows = sorted(self.data.get("questionnaires") or [], key=lambda q: (str(q["answered_on"]), q.get("id") or 0))
        for q in rows:
            instrument = q["instrument"]
            if instrument not in C.ASSESSMENTS:
                continue
            obs: dict[str, Any] = {
                "resourceType": "Observation", "status": "final",
                "category": [{"coding": [{"system": C.OBS_CATEGORY, "code": "exam", "display": "Exam"}]}],
                "code": {"coding": _score_coding(instrument), "text": f"{instrument.upper()} total score (clinician-assessed)"},
                "subject": self.subject(), "effectiveDateTime": _date(q["answered_on"]).isoformat(),  # type: ignore[union-attr]
            }
            performer = self.measured_by(q)
            if performer:
                obs["performer"] = performer
            payload = q.get("answers") or {}
            ext = []
            if q.get("version"):
                ext.append({"url": C.VERSION_EXTENSION, "valueString": str(q["version"])})
            if isinstance(payload, Mapping) and payload.get("bands"):
                ext.append({"url": C.BAND_SET_EXTENSION, "valueString": str(payload["bands"])})
            if ext:
                obs["extension"] = ext
            if q.get("total") is not None:
                obs["valueQuantity"] = _score_quantity(float(q["total"]))
                if q.get("band"):
                    obs["interpretation"] = [{"text": str(q["band"])}]
            else:
                obs["dataAbsentReason"] = {"text": "itch and sleeplessness not rated: objective SCORAD only"}
            if instrument == "scorad":
                try:
                    result = score("scorad", q.get("answers") or {})
                except (ValueError, TypeError, KeyError) as exc:
                    raise FhirMappingError(f"questionnaire {q.get('id')}: {exc}") from None
                if result.get("objective") is not None:
                    comp: dict[str, Any] = {"code": {"coding": [_local("objective-scorad")]},
                                            "valueQuantity": _score_quantity(float(result["objective"]))}
                    if result.get("objective_band"):
                        comp["interpretation"] = [{"text": str(result["objective_band"])}]
                    obs["component"] = [comp]
            findings = _findings(instrument, payload, q.get("id"))
            if findings:
                obs["component"] = [*obs.get("component", []), *findings]
            self.add(f"assessment/{q.get('id')}", obs)

    # --- Diary ------------------------------------------------------------------------------
    def diary(self) -> None:
        from gutskin.diary.factors import known_factor

        poem_from_qr: dict[str, int] = {}
        for q in sorted(self.data.get("questionnaires") or [], key=lambda q: (str(q["answered_on"]), q.get("id") or 0)):
            if q["instrument"] == "poem" and q.get("total") is not None:
                poem_from_qr[_date(q["answered_on"]).isoformat()] = int(round(float(q["total"])))  # type: ignore[union-attr]
        for d in sorted(self.data.get("days") or [], key=lambda d: str(d["date"])):
            day = _date(d["date"]).isoformat()  # type: ignore[union-attr]
            who = self.author(d)
            performer = {"performer": [who]} if who else {}

            def obs(key: str, code: dict[str, Any], value: dict[str, Any], day: str = day) -> None:
                self.add(f"day/{day}/{key}", {"resourceType": "Observation", "status": "final", "category": _category(),
                                              "code": code, "subject": self.subject(), "effectiveDateTime": day,
                                              **performer, **value})

            if d.get("itch") is not None:
                obs("itch", {"coding": [_local("itch-nrs")]}, {"valueInteger": int(d["itch"])})
            if d.get("sleep_loss") is not None:
                obs("sleep", {"coding": [_local("sleep-loss-nrs")]}, {"valueInteger": int(d["sleep_loss"])})
            if d.get("flare") is not None:
                obs("flare", {"coding": [_local("flare-day")]}, {"valueBoolean": bool(d["flare"])})
            if d.get("poscorad") is not None:
                obs("poscorad", {"coding": [_local("po-scorad")]}, {"valueQuantity": _score_quantity(float(d["poscorad"]))})
            if d.get("poem") is not None and poem_from_qr.get(day) != int(d["poem"]):
                obs("poem", {"coding": _score_coding("poem"), "text": "POEM total score (diary)"},
                    {"valueQuantity": _score_quantity(float(d["poem"]))})
            if d.get("notes") and self.identity:
                obs("notes", {"coding": [_local("diary-note")]}, {"valueString": str(d["notes"])})
            for name, value in sorted((d.get("factors") or {}).items()):
                f = known_factor(name)
                code, label = self.factor(name)
                obs(f"factor/{code}", {"coding": [{"system": C.FACTOR_SYSTEM, "code": code, "display": label}],
                                       "text": label},
                    {"valueQuantity": _factor_quantity(float(value), f.unit)})

    # --- Treatments -------------------------------------------------------------------------
    def treatments(self) -> None:
        from gutskin.diary.factors import known_factor

        used: dict[str, list[tuple[dt.date, float]]] = {}
        for d in self.data.get("days") or []:
            for name, value in (d.get("factors") or {}).items():
                if name.startswith("treat.") and value and value > 0:
                    used.setdefault(name, []).append((_date(d["date"]), float(value)))  # type: ignore[arg-type]
        for name, uses in sorted(used.items()):
            uses.sort()
            f = known_factor(name)
            first, last = uses[0][0], uses[-1][0]
            active = (self.as_of - last).days <= ACTIVE_TREATMENT_DAYS
            mean = sum(v for _, v in uses) / len(uses)
            unit = f" {f.unit}" if f.unit else ""
            period: dict[str, str] = {"start": first.isoformat()}
            if not active:
                period["end"] = last.isoformat()
            code, label = self.factor(name)
            self.add(f"treatment/{code}", {
                "resourceType": "MedicationStatement",
                "status": "active" if active else "completed",
                "medicationCodeableConcept": {"coding": [{"system": C.FACTOR_SYSTEM, "code": code, "display": label}],
                                              "text": label},
                "subject": self.subject(),
                "effectivePeriod": period,
                "dateAsserted": self.as_of.isoformat(),
                "informationSource": self.subject(),
                "dosage": [{"text": f"Used on {len(uses)} diary day{'' if len(uses) == 1 else 's'}, last {last.isoformat()}"
                                    + (f"; {mean:.1f}{unit} per day of use on average" if f.kind.value == "count" else "")}],
            })

    # --- Appointments -----------------------------------------------------------------------
    def appointments(self) -> None:
        for a in self.data.get("appointments") or []:
            if a.get("status") != "accepted" or not a.get("scheduled_for"):
                continue
            start = a["scheduled_for"]
            if isinstance(start, str):
                start = dt.datetime.fromisoformat(start)
            end = start + dt.timedelta(minutes=DEFAULT_APPOINTMENT_MINUTES)
            participants: list[dict[str, Any]] = [{"actor": self.subject(), "status": "accepted"}]
            if a.get("clinician"):
                participants.append({"actor": {"display": self.person(str(a["clinician"]))}, "status": "accepted"})
            res: dict[str, Any] = {
                "resourceType": "Appointment",
                "identifier": [{"system": C.APPOINTMENT_ID_SYSTEM, "value": str(a["id"])}],
                "status": "booked", "start": _instant(start), "end": _instant(end),
                "minutesDuration": DEFAULT_APPOINTMENT_MINUTES, "participant": participants,
            }
            if self.identity and a.get("reason"):
                res["description"] = str(a["reason"])[:500]
            self.add(f"appointment/{a['id']}", res)

    # --- Food challenges --------------------------------------------------------------------
    def challenges(self) -> None:
        """One AllergyIntolerance per food: the newest decision (a food challenged again, e.g. an egg
        allergy outgrown, updates the same resource; the earlier decisions are in its notes)."""
        from gutskin.diary.factors import known_factor

        by_food: dict[str, list[Mapping[str, Any]]] = {}
        for c in self.data.get("challenges") or []:
            if c.get("verdict") in ("confirmed", "refuted"):
                by_food.setdefault(str(c["food"]), []).append(c)
        for food, records in by_food.items():
            records = sorted(records, key=lambda c: (str(_date(c.get("finished_on")) or ""), c.get("id") or 0))
            c, earlier = records[-1], records[:-1]
            verdict = c["verdict"]
            try:
                known_factor(food)
                code_name, label = self.factor(food)
                coding = [{"system": C.FACTOR_SYSTEM, "code": code_name, "display": label}]
                if food in C.FOOD_SNOMED:
                    sct, display = C.FOOD_SNOMED[food]
                    coding.append({"system": C.SNOMED, "code": sct, "display": display})
            except ValueError:
                label, coding = (food if self.identity else "a food recorded in gutskin"), []
            code: dict[str, Any] = {"text": label}
            if coding:
                code["coding"] = coding
            res: dict[str, Any] = {
                "resourceType": "AllergyIntolerance",
                "identifier": [{"system": C.ALLERGY_ID_SYSTEM, "value": str(c["id"])}],
                "clinicalStatus": {"coding": [{"system": C.ALLERGY_CLINICAL,
                                               "code": "active" if verdict == "confirmed" else "inactive"}]},
                "verificationStatus": {"coding": [{"system": C.ALLERGY_VERIFICATION, "code": verdict}]},
                "category": ["food"], "code": code, "patient": self.subject(),
                # the avoid list, explicit (the note below says it in words for a receiving EHR)
                "extension": [{"url": C.AVOID_LIST_EXTENSION, "valueBoolean": bool(c.get("avoid"))}],
            }
            if c.get("finished_on"):
                res["recordedDate"] = _date(c["finished_on"]).isoformat()  # type: ignore[union-attr]
            if c.get("recorder"):
                res["recorder"] = {"display": self.person(str(c["recorder"]))}
            if verdict == "confirmed" and c.get("reactions"):
                # the signs recorded during the challenge (patient's safety report, clinic dose), as text:
                # gutskin's safety list is not coded; onset an instant (UTC) or the day
                reactions = []
                for r in c["reactions"]:
                    reaction: dict[str, Any] = {"manifestation": [{"text": str(x)} for x in r["signs"]]}
                    onset = r.get("onset")
                    if isinstance(onset, dt.datetime):
                        reaction["onset"] = _instant(onset)
                    elif onset is not None:
                        reaction["onset"] = _date(onset).isoformat()  # type: ignore[union-attr]
                    if r.get("dose") and self.identity:
                        reaction["description"] = f"after a clinic dose of {r['dose']}"
                    elif r.get("dose"):  # the amount is typed by the clinician ("2 g of grandma's cake")
                        reaction["description"] = ("after a clinic dose" + (f", step {r['step']}" if r.get("step") is not None
                                                   else "") + " (amount recorded in gutskin)")
                    reactions.append(reaction)
                res["reaction"] = reactions
            notes = []
            if c.get("summary"):
                notes.append(str(c["summary"]))
            if c.get("avoid"):
                notes.append("On the patient's avoid list.")
            for e in reversed(earlier):
                when = _date(e.get("finished_on"))
                notes.append(f"Earlier: {e['verdict']}" + (f" on {when.isoformat()}" if when else "")
                             + (f" ({e['summary']})" if e.get("summary") else "") + ".")
            if notes:
                res["note"] = [{"text": t} for t in notes]
            self.add(f"allergy/{coding[0]['code'] if coding else food}", res)

    # --- Microbiome results -----------------------------------------------------------------
    def microbiome(self) -> None:
        """Each stool sample (2026-12-07) as a ``Specimen`` (SNOMED CT 119339001 *Stool specimen*,
        collected on the sample's day) and its results as laboratory Observations referencing it: one
        per diversity metric of the stored report (gutskin's microbiome code system; the percentile
        among the report's reference group as a component where it compared one) and one per
        eczema-linked taxon looked for (its share of the sample in ``%``, or SNOMED CT *Not detected*;
        a taxon the profile could not assess is left out). ``effectiveDateTime``: the collection day,
        else the upload's day in the patient's zone (``clinic.fhir.patient_day``). The sample's name
        and file name (typed by a lab or the patient) are not exported; every other string is gutskin's."""
        lab = [{"coding": [{"system": C.OBS_CATEGORY, "code": "laboratory", "display": "Laboratory"}]}]
        for m in sorted(self.data.get("microbiome") or [], key=lambda m: (str(_date(m.get("collected_on")) or ""), m["id"])):
            report = m.get("report") if isinstance(m.get("report"), Mapping) else {}
            collected = _date(m.get("collected_on"))
            day = (collected or _date(m.get("reported_on")))
            if day is None:
                continue
            specimen: dict[str, Any] = {
                "resourceType": "Specimen",
                "identifier": [{"system": C.MICROBIOME_SAMPLE_ID_SYSTEM, "value": str(m["id"])}],
                "type": {"coding": [{"system": C.SNOMED, "code": C.STOOL_SPECIMEN[0], "display": C.STOOL_SPECIMEN[1]}],
                         "text": "stool"},
                "subject": self.subject(),
            }
            if collected is not None:
                specimen["collection"] = {"collectedDateTime": collected.isoformat()}
            else:
                specimen["note"] = [{"text": "collection day not given; the results are dated by the day they were "
                                             "brought into gutskin"}]
            spec_ref = self.add(f"microbiome/{m['id']}/specimen", specimen)
            method = {"text": C.SEQUENCING_METHODS.get(str(m.get("method") or "unknown"), C.SEQUENCING_METHODS["unknown"])}
            diversity = report.get("diversity") if isinstance(report.get("diversity"), Mapping) else {}
            rank = str(diversity.get("rank") or (report.get("profile") or {}).get("rank") or "feature")
            counted = C.RANK_PLURAL.get(rank, "features")
            comparison = report.get("reference_comparison") if isinstance(report.get("reference_comparison"), Mapping) else {}
            percentiles = (comparison.get("percentiles") or {}) if comparison.get("comparable") else {}

            def obs(key: str, fields: dict[str, Any], day: dt.date = day, spec_ref: str = spec_ref,
                    method: dict[str, str] = method) -> None:
                self.add(f"microbiome/{m['id']}/{key}", {
                    "resourceType": "Observation", "status": "final", "category": lab, **fields,
                    "subject": self.subject(), "effectiveDateTime": day.isoformat(),
                    "specimen": {"reference": spec_ref}, "method": method})

            values = diversity.get("values") if isinstance(diversity.get("values"), Mapping) else {}
            for key, (code, display, unit) in C.MICROBIOME_METRICS.items():
                v = values.get(key)
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    continue  # not assessable for this profile (Chao1 of relative abundances, Pielou of one feature)
                words, ucum = unit or (counted, "{" + counted + "}")
                fields: dict[str, Any] = {
                    "code": {"coding": [{"system": C.MICROBIOME_SYSTEM, "code": code, "display": display}],
                             "text": display},
                    "valueQuantity": {"value": _number(round(float(v), 6)), "unit": words, "system": C.UCUM, "code": ucum}}
                pct = percentiles.get(key) if isinstance(percentiles, Mapping) else None
                if isinstance(pct, Mapping) and isinstance(pct.get("percentile"), (int, float)):
                    fields["component"] = [{
                        "code": {"coding": [{"system": C.MICROBIOME_SYSTEM, "code": C.REFERENCE_PERCENTILE,
                                             "display": "Percentile among the reference group"}],
                                 "text": f"percentile of the value rarefied to {pct.get('depth')} reads among "
                                         f"{pct.get('reference_name')}"},
                        "valueQuantity": {"value": _number(round(float(pct["percentile"]), 1)), "unit": "percentile",
                                          "system": C.UCUM, "code": "{percentile}"}}]
                obs(code, fields)
            for t in report.get("taxa") or []:
                if not isinstance(t, Mapping) or t.get("status") not in ("found", "not detected") or not t.get("id"):
                    continue
                name = str(t.get("taxon") or t["id"])
                display = f"{name}: share of the stool sample"
                fields = {"code": {"coding": [{"system": C.LINKED_TAXON_SYSTEM, "code": str(t["id"]), "display": display}],
                                   "text": display}}
                if t["status"] == "found" and isinstance(t.get("relative_abundance"), (int, float)):
                    fields["valueQuantity"] = {"value": _number(round(100 * float(t["relative_abundance"]), 6)),
                                               "unit": "%", "system": C.UCUM, "code": "%"}
                elif t["status"] == "not detected":
                    fields["valueCodeableConcept"] = {
                        "coding": [{"system": C.SNOMED, "code": C.NOT_DETECTED[0], "display": C.NOT_DETECTED[1]}],
                        "text": "not detected (below what the test can detect)"}
                else:
                    continue
                said = ("studies have reported lower diversity within it (not its amount)" if t.get("measure") == "diversity"
                        else "studies disagree on whether it is more or less common" if t.get("direction") == "inconsistent"
                        else f"studies have reported it {t.get('direction')}")
                notes = [f"Eczema-linked taxon: {said} in people with eczema ({t.get('evidence')} evidence); "
                         "an association, not a cause."]
                if t["status"] == "found" and t.get("reason"):
                    notes.append(f"The share is a lower bound: {t['reason']}.")
                fields["note"] = [{"text": x} for x in notes]
                obs(f"taxon/{t['id']}", fields)

    # --- Provenance -------------------------------------------------------------------------
    def provenance(self, generated: Any, version: str) -> None:
        """gutskin (a Device: the software and its version) assembled every resource of this export,
        recorded at the bundle's time. Who entered each answer and day is on the resource itself
        (QuestionnaireResponse.author, Observation.performer)."""
        targets = [{"reference": e["fullUrl"]} for e in self.entries]
        device = self.add(f"device/gutskin/{version}", {
            "resourceType": "Device", "status": "active",
            "deviceName": [{"name": "gutskin", "type": "user-friendly-name"}],
            "type": {"text": "software: eczema diary and clinic application"},
            "version": [{"value": version}],
        })
        self.add(f"provenance/{_instant(generated)}", {
            "resourceType": "Provenance", "target": targets, "recorded": _instant(generated),
            "agent": [{"type": {"coding": [{"system": C.PROVENANCE_PARTICIPANT, "code": "assembler",
                                            "display": "Assembler"}]},
                       "who": {"reference": device, "display": f"gutskin {version}"}}],
        })


def _software_version() -> str:
    from gutskin import __version__

    return __version__


def build_bundle(data: Mapping[str, Any]) -> dict[str, Any]:
    """The patient's record as a validated FHIR R4B Bundle (type ``collection``), a JSON-able dict.

    Resource ids and ``fullUrl`` (``urn:uuid:``) are UUID5 of the patient identifier and the
    object, so exporting the same data twice gives the same bundle (except ``timestamp``).
    Raises :class:`FhirMappingError` if a resource does not validate.
    """
    b = _Builder(data)
    b.patient()
    b.authors()
    b.clinic()
    b.questionnaires()
    b.assessments()
    b.diary()
    b.treatments()
    b.appointments()
    b.challenges()
    b.microbiome()
    generated = data.get("generated_at") or dt.datetime.now(dt.UTC)
    b.provenance(generated, str(data.get("software_version") or _software_version()))
    bundle = {
        "resourceType": "Bundle",
        "id": _uuid(b.ext, f"bundle/{_instant(generated)}"),
        "type": "collection",
        "timestamp": _instant(generated),
        "entry": b.entries,
    }
    validate_bundle(bundle)
    return bundle


_UUID_TEXT = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_UUID_RE = re.compile(_UUID_TEXT)
_URN_UUID_RE = re.compile("urn:uuid:" + _UUID_TEXT)
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT32 = (-(2**31), 2**31 - 1)


def _number_kind(x: int | float) -> tuple[object, ...]:
    """What decides a number's validity as any FHIR number type (integer, positiveInt, unsignedInt,
    decimal): whole or not, its sign, the 32-bit range, finite."""
    if isinstance(x, int):
        return ("int", (x > 0) - (x < 0), _INT32[0] <= x <= _INT32[1])
    if not math.isfinite(x):
        return ("float", repr(x))
    return ("float", (x > 0) - (x < 0), x.is_integer(), _INT32[0] <= x <= _INT32[1])


_URN_UUID, _UUID, _DAY = ("urn-uuid",), ("uuid",), ("day",)


def _shape(x: object) -> object:
    """The resource with the values that differ from one diary day to the next replaced by their
    kind: UUIDs (``id``) and ``urn:uuid:`` URLs, real calendar days ``YYYY-MM-DD`` and numbers (by
    :func:`_number_kind`). Any other string is kept as it is. Two resources of one shape are valid
    or invalid together: fhir.resources checks these primitives by their form only (the id, uri,
    date and dateTime patterns; integer range and sign; decimal finite), and the rest is equal.
    (Exact types, not ``isinstance``: this runs over every node of a bundle.)"""
    t = type(x)
    if t is str:
        n = len(x)  # type: ignore[arg-type]
        if n == 45 and _URN_UUID_RE.fullmatch(x):  # type: ignore[arg-type]
            return _URN_UUID
        if n == 36 and _UUID_RE.fullmatch(x):  # type: ignore[arg-type]
            return _UUID
        if n == 10 and _DAY_RE.fullmatch(x):  # type: ignore[arg-type]
            try:
                dt.date.fromisoformat(x)  # type: ignore[arg-type]
            except ValueError:
                return ("str", x)
            return _DAY
        return x
    if t is dict:
        return tuple([(k, _shape(v)) for k, v in x.items()])  # type: ignore[attr-defined]
    if t is list:
        return ("[]", *[_shape(v) for v in x])  # type: ignore[attr-defined]
    if t is bool or x is None:
        return ("const", x)
    if t is int or t is float:
        return _number_kind(x)  # type: ignore[arg-type]
    return ("other", id(x))  # not plain JSON (a subclass, a Mapping): validated on its own


def one_per_shape(entries: Sequence[Any]) -> list[int]:
    """Indices of the first entry of each :func:`_shape`: the entries the R4B models must see.

    A 4-year diary is some 25,000 Observations of about ten shapes; validating each one took 10 s
    of a 12 s FHIR download (the years-of-data walk, 2026-12-06). Validating one entry per shape
    decides the same, as :func:`_shape` says why."""
    seen: set[object] = set()
    keep = []
    for i, e in enumerate(entries):
        key = _shape(e)
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return keep


_VALID_SHAPES: set[bytes] = set()
"""Shapes (:func:`_shape`, kept as a 16-byte BLAKE2b digest of their ``repr``: a shape of a diary
day is a nested tuple of some kilobytes) of entries the R4B models accepted in this process: an entry of a shape
seen valid is valid (the same reasoning as :func:`one_per_shape`, across bundles). Every factor's
Observation is a shape of its own: a 5-year diary with 30 factors is some 340 shapes, and
validating them took about 1.5 s of each of its FHIR downloads (bench.pages_long_record,
2026-12-06); a second download, of this record or another with the same kinds of entries,
validates only the shapes not seen. Bounded: emptied when it holds :data:`_VALID_SHAPES_MAX`
(free text, such as a diary note shared with identity, makes a shape per text)."""
_VALID_SHAPES_MAX = 20_000
_shapes_lock = threading.Lock()


def _plain(x: object) -> bool:
    """Plain JSON of exact types only (what :func:`_shape` describes by value, not by ``id``)."""
    t = type(x)
    if t is dict:
        return all(type(k) is str and _plain(v) for k, v in x.items())  # type: ignore[attr-defined]
    if t is list:
        return all(_plain(v) for v in x)  # type: ignore[attr-defined]
    return t in (str, int, float, bool) or x is None


def validate_bundle(bundle: Mapping[str, Any]) -> None:
    """Validate the bundle and each entry's resource with the R4B models (FhirMappingError naming
    the field): one entry of each shape (:func:`one_per_shape`), which decides for the others, and
    of those only the shapes not already accepted in this process (:data:`_VALID_SHAPES`)."""
    from pydantic import ValidationError

    from fhir.resources.R4B.bundle import Bundle

    entries = bundle.get("entry")
    keep: list[int] | None = None
    shapes: list[bytes] = []
    if isinstance(entries, list):
        keep, shapes = [], []
        for i in one_per_shape(entries):
            if not _plain(entries[i]):  # its shape names an object by id(): never remembered
                keep.append(i)
                continue
            shape = hashlib.blake2b(repr(_shape(entries[i])).encode(), digest_size=16).digest()
            if shape not in _VALID_SHAPES:
                keep.append(i)
                shapes.append(shape)
    if keep is None:
        checked: Mapping[str, Any] = bundle
    elif keep:
        checked = {**bundle, "entry": [entries[i] for i in keep]}  # type: ignore[index]
    else:  # every entry of a shape accepted before: the bundle's own fields only
        checked = {k: v for k, v in bundle.items() if k != "entry"}
    try:
        Bundle.model_validate(checked)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        if keep is not None and len(loc) >= 2 and loc[0] == "entry" and isinstance(loc[1], int) and loc[1] < len(keep):
            loc[1] = keep[loc[1]]  # the entry's place in the whole bundle
        raise FhirMappingError(f"{'.'.join(str(x) for x in loc)}: {err['msg']}") from None
    with _shapes_lock:
        if len(_VALID_SHAPES) + len(shapes) > _VALID_SHAPES_MAX:
            _VALID_SHAPES.clear()
        _VALID_SHAPES.update(shapes)


def resource_types(bundle: Mapping[str, Any]) -> dict[str, int]:
    """Count of entries per resource type (for summaries and tests)."""
    out: dict[str, int] = {}
    for e in bundle.get("entry") or []:
        t = e["resource"]["resourceType"]
        out[t] = out.get(t, 0) + 1
    return out


__all__: Sequence[str] = ("FhirMappingError", "build_bundle", "resource_types", "validate_bundle")
