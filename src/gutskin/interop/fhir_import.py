"""Read a gutskin FHIR bundle back into plain diary days and questionnaire responses.

Pure: :func:`parse_bundle` validates the whole bundle (R4B models, then gutskin's codes,
references and value ranges, and re-scores every questionnaire with ``gutskin.instruments``)
and returns plain data, or raises :class:`BundleError` naming the failing resource and field.
Nothing is half-read: the caller (``gutskin.clinic.fhir.import_bundle``) stores the result in
one transaction. QuestionnaireResponses, Observations and AllergyIntolerances are imported; the
Patient must carry gutskin's identifier; Questionnaire, MedicationStatement and Appointment
entries are validated and then ignored (they are derived from the diary or managed in the
clinic), as are the export's Device and Provenance. An AllergyIntolerance (a food allergy
confirmed or refuted by a clinician) comes back as one allergy record: the food from the
gutskin factor coding, ``verificationStatus`` confirmed/refuted, the avoid list from the avoid-list extension (the note
"On the patient's avoid list." in bundles exported before it), ``recordedDate`` (2026-12-06; before, a confirmed allergy and
the avoid list were lost on the way). A RelatedPerson (the
parent who answered for a child) is read only to know who answered: a response's ``author``
and a diary Observation's ``performer`` give the answer's or the day's ``author_role``
(``patient`` or ``caregiver``; None without one). Any other resource type marks a foreign
bundle and is refused. The clinic's EASI and SCORAD (examination Observations) are rebuilt from
their finding components and scored again; a stated total, band or objective SCORAD the findings
do not give is refused (2026-12-06; skipped before). The Patient's identity, when the bundle
carries it, is returned for a profile the import creates. Bundles as other systems send them
(2026-12-07): a transaction or batch (POST/PUT), a searchset (its OperationOutcome entries skipped
unless they report an error; refused when it has a next page), references to the Patient by
``Patient?identifier=<system>|<value>``, an NRS as a ``valueQuantity`` of ``{score}``, a day as an
``effectivePeriod`` within it (:data:`BUNDLE_TYPES`, :func:`_effective_day`, :func:`_nrs`).
Microbiome results (a stool sample's Specimen and its laboratory Observations, exported since
2026-12-07) are validated and counted under ``ignored`` (:data:`MICROBIOME_SKIPPED`), not imported.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gutskin.diary.csvio import identifier_problem
from gutskin.interop import codes as C

IMPORTED = ("QuestionnaireResponse", "Observation", "AllergyIntolerance")
#: the care context an EHR sends with a patient's data (2026-12-07): the Patient's managing organization
#: and general practitioner, the visit an Observation was recorded in. Validated and counted under
#: ``ignored``: gutskin keeps no such records, and a diary value or an answer they entered is still refused
#: (``performer`` and ``author`` must be the Patient or a RelatedPerson of it). The clinic's EASI and SCORAD
#: name their performer among them (gutskin's Organization "the clinic" and Practitioner, 2026-12-07)
CONTEXT = ("Organization", "Practitioner", "PractitionerRole", "Encounter")
IGNORED = ("Questionnaire", "MedicationStatement", "Appointment", "RelatedPerson", "Device", "Provenance", "Specimen",
           *CONTEXT)
#: the ``ignored`` key of the microbiome results (2026-12-07): validated and named as skipped, not imported
#: (the bundle carries results, not the taxonomic profile a gutskin sample is: re-upload the lab's file)
MICROBIOME_SKIPPED = "Observation (microbiome result)"
#: the note gutskin's export puts on an AllergyIntolerance whose food is on the patient's avoid list
AVOID_NOTE = "On the patient's avoid list."
ALLOWED = ("Patient", *IMPORTED, *IGNORED)
#: bundle types read (2026-12-07; "collection" only before): gutskin writes a collection; an EHR
#: sends the same resources as a transaction or batch (POST/PUT entries, ``urn:uuid:`` fullUrls,
#: conditional references ``Patient?identifier=<system>|<value>``) or passes on a FHIR server's
#: search result (a searchset: OperationOutcome entries are skipped unless they report an error;
#: a result with a ``next`` page is refused as partial)
BUNDLE_TYPES = ("collection", "transaction", "batch", "searchset")
#: what gutskin reads, in words, for a refusal a person (not only an integrator) reads (2026-12-07)
_WHAT_IS_READ = ("gutskin imports diary days (itch, sleep, flares, factors), questionnaire answers and the clinic's "
                 "findings, as a gutskin export or an EHR's bundle of the same resources (type collection, "
                 "transaction, batch or searchset) holds them; nothing was imported")
#: the other bundle types, in words: a patient portal's summary (an International Patient Summary is a
#: document) was refused "type: expected one of collection, ..., got 'document'" (real-files walk, 2026-12-07)
_OTHER_BUNDLES = {
    "document": "a FHIR document (a Composition with what it cites: a patient summary such as the International "
                "Patient Summary, or a discharge letter), not a record of diary data",
    "message": "a FHIR message between two systems' interfaces (a MessageHeader first), not a record of diary data",
    "history": "the version history of resources (deleted versions too), not their current record: fetch them as "
               "a search result (a searchset) instead",
    "transaction-response": "a server's answer to a transaction (outcomes, not the data sent)",
    "batch-response": "a server's answer to a batch (outcomes, not the data sent)",
}
#: resources an EHR may send that gutskin keeps no record of, in words (the refusal names what the entry is)
_OTHER_RESOURCES = {
    "Condition": "a diagnosis", "MedicationRequest": "a prescription", "Immunization": "a vaccination",
    "Procedure": "a procedure", "DiagnosticReport": "a laboratory or imaging report",
    "DocumentReference": "a document", "Composition": "a document's table of contents", "Binary": "a file",
    "Coverage": "an insurance", "CarePlan": "a care plan", "Goal": "a goal of care", "Consent": "a consent",
    "FamilyMemberHistory": "a relative's history", "ServiceRequest": "an order or referral",
    "MedicationAdministration": "a dose given", "MedicationDispense": "a dispensed medicine",
    "Medication": "a medicine", "Location": "a place", "Claim": "a claim", "Flag": "an alert flag",
}
MAX_NOTES = 4000


class BundleError(ValueError):
    """A bundle that cannot be imported: ``where`` (``entry[3] Observation/<id>``), ``field``, ``message``."""

    def __init__(self, where: str, field: str, message: str) -> None:
        self.where, self.field, self.message = where, field, message
        super().__init__(f"{where}: {field}: {message}")


@dataclass
class ParsedBundle:
    #: the Patient's gutskin identifier; None for a Patient of another system (read only when the
    #: import names its target: ``parse_bundle(..., target_named=True)``, 2026-12-07)
    patient_identifier: str | None
    days: dict[dt.date, dict[str, Any]] = field(default_factory=dict)
    questionnaires: list[dict[str, Any]] = field(default_factory=list)
    #: the clinic's EASI and SCORAD (rows of ``questionnaires``' shape, ``author_role`` "clinician")
    assessments: list[dict[str, Any]] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    #: food allergies decided by a clinician (AllergyIntolerance): ``{"food", "status" (confirmed |
    #: refuted), "avoid", "recorded_on" (date)}``, one per food (2026-12-06)
    allergies: list[dict[str, Any]] = field(default_factory=list)
    #: the Patient's identity when the bundle carries it (exported with the patient's consent, no
    #: PSEUDED mark): ``{"display_name", "birth_year", "sex", "region"}`` (None where not given);
    #: None for a pseudonymous bundle. Given to a profile the import creates (2026-12-06).
    identity: dict[str, Any] | None = None
    #: a Patient of another system (no gutskin identifier; 2026-12-07): ``{"identifiers": ["<system>|<value>",
    #: ...], "display_name", "birth_year", "sex"}`` (None where not given), for the identity check of
    #: the target the operator named and for a profile the import creates; None for a gutskin Patient
    foreign: dict[str, Any] | None = None
    #: the Patient's identifiers of other systems (2026-12-07, migration 0018): ``[{"system", "value"}]``,
    #: one per system, gutskin's own, ``use`` "old" and those without a system left out
    #: (:func:`other_identifiers`), kept on the profile by the import and checked on a later one
    other_identifiers: list[dict[str, str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"patient": self.patient_identifier, "days": len(self.days),
                "questionnaires": len(self.questionnaires), "assessments": len(self.assessments),
                "allergies": len(self.allergies), "ignored": dict(sorted(self.ignored.items()))}


def _where(i: int, res: Any) -> str:
    if isinstance(res, Mapping):
        rt = res.get("resourceType", "?")
        rid = res.get("id")
        return f"entry[{i}] {rt}" + (f"/{rid}" if rid else "")
    return f"entry[{i}]"


def _empty_day() -> dict[str, Any]:
    return {"itch": None, "sleep_loss": None, "flare": None, "poscorad": None, "poem": None, "notes": None,
            "factors": {}, "author_role": None, "author_ref": None}


def _reference(element: Any) -> Any:
    """A Reference's ``reference``; a conditional one (``Patient?identifier=…``) URL-decoded."""
    ref = element.get("reference") if isinstance(element, Mapping) else None
    if isinstance(ref, str) and "?" in ref:
        from urllib.parse import unquote

        return unquote(ref)
    return ref


def _day_of(value: Any, where: str, fld: str) -> dt.date:
    if not isinstance(value, str) or len(value) < 10:
        raise BundleError(where, fld, "expected a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise BundleError(where, fld, f"expected a date YYYY-MM-DD, got {value!r}") from None


def _effective_day(res: Mapping[str, Any], where: str) -> dt.date:
    """An Observation's diary day: ``effectiveDateTime`` (its date as written, at the offset it
    states), or an ``effectivePeriod`` within one day (2026-12-07: other systems write a day's
    value as a period; it was "effectiveDateTime: expected a date"). A period over several days
    is refused: a diary value belongs to one day."""
    if res.get("effectiveDateTime") is None and isinstance(res.get("effectivePeriod"), Mapping):
        period = res["effectivePeriod"]
        start = _day_of(period.get("start"), where, "effectivePeriod.start")
        if period.get("end") is not None and _day_of(period["end"], where, "effectivePeriod.end") != start:
            raise BundleError(where, "effectivePeriod", f"spans {str(period.get('start'))[:10]} to "
                              f"{str(period['end'])[:10]}; a diary value belongs to one day")
        return start
    if res.get("effectiveDateTime") is None:
        given = next((k for k in res if k.startswith("effective")), None)
        raise BundleError(where, given or "effectiveDateTime", "expected effectiveDateTime (a date YYYY-MM-DD) "
                          "or an effectivePeriod within one day" + (f", got {given}" if given else ""))
    return _day_of(res.get("effectiveDateTime"), where, "effectiveDateTime")


_SCORE_UNITS = ("{score}", "1", "{#}", "score", "{points}", "points")


def _nrs(res: Mapping[str, Any], where: str) -> float:
    """An NRS as gutskin writes it (``valueInteger``) or as other systems do (a ``valueQuantity`` of a
    score unit, 2026-12-07); any other value kind is refused by name."""
    if isinstance(res.get("valueInteger"), int) and not isinstance(res.get("valueInteger"), bool):
        return float(res["valueInteger"])
    q = res.get("valueQuantity")
    if isinstance(q, Mapping):
        for k in ("code", "unit"):
            if q.get(k) is not None and q[k] not in _SCORE_UNITS:
                raise BundleError(where, f"valueQuantity.{k}", f"expected a score (UCUM {{score}}), got {q[k]!r}")
        v = _quantity_or_int(res, where)
        if v != round(v):
            raise BundleError(where, "valueQuantity.value", f"expected an integer 0-10, got {v:g}")
        return v
    given = next((k for k in res if k.startswith("value")), None)
    raise BundleError(where, given or "valueInteger", "expected an integer 0-10 (valueInteger or valueQuantity)"
                      + (f", got {given}" if given else ""))


def _structure(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, Mapping):
        raise BundleError("Bundle", "resourceType", "expected a JSON object with resourceType 'Bundle'")
    if data.get("resourceType") != "Bundle":
        raise BundleError("Bundle", "resourceType", f"expected 'Bundle', got {data.get('resourceType')!r}")
    kind = data.get("type")
    if kind not in BUNDLE_TYPES:
        what = _OTHER_BUNDLES.get(kind) if isinstance(kind, str) else None
        raise BundleError("Bundle", "type", (f"this file is {what}; {_WHAT_IS_READ} (" if what else "")
                          + f"expected one of {', '.join(BUNDLE_TYPES)}, got {kind!r}" + (")" if what else ""))
    if kind == "searchset":
        for k, link in enumerate(data.get("link") or []):
            if isinstance(link, Mapping) and link.get("relation") == "next":
                raise BundleError("Bundle", f"link[{k}]", "the search result has a next page: this bundle is only "
                                  "part of it (fetch every page, or a larger _count, and import one bundle)")
    entries = data.get("entry")
    if not isinstance(entries, list) or not entries:
        raise BundleError("Bundle", "entry", "the bundle has no entries")
    for i, e in enumerate(entries):
        if not isinstance(e, Mapping) or not isinstance(e.get("resource"), Mapping):
            raise BundleError(f"entry[{i}]", "resource", "missing")
        rt = e["resource"].get("resourceType")
        if kind in ("transaction", "batch"):
            method = (e.get("request") or {}).get("method") if isinstance(e.get("request"), Mapping) else None
            if method not in ("POST", "PUT"):
                raise BundleError(_where(i, e["resource"]), "request.method",
                                  f"expected POST or PUT (data to store), got {method!r}")
        if rt == "OperationOutcome":
            # a server's messages (a searchset's search.mode "outcome"): warnings and information are
            # skipped; an error or fatal issue means the data may be incomplete
            for k, issue in enumerate(e["resource"].get("issue") or []):
                if isinstance(issue, Mapping) and issue.get("severity") in ("error", "fatal"):
                    said = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or issue.get("code")
                    raise BundleError(_where(i, e["resource"]), f"issue[{k}]",
                                      f"the sending system reported an {issue.get('severity')}: {str(said)[:200]}")
            continue
        if kind == "searchset" and (e.get("search") or {}).get("mode") == "outcome":
            raise BundleError(_where(i, e["resource"]), "search.mode", "'outcome' is for an OperationOutcome")
        if rt not in ALLOWED:
            what = f" ({_OTHER_RESOURCES[rt]})" if isinstance(rt, str) and rt in _OTHER_RESOURCES else ""
            raise BundleError(_where(i, e["resource"]), "resourceType",
                              f"{rt!r}{what} is not part of a gutskin bundle: send a bundle without the {rt} "
                              f"entries; {_WHAT_IS_READ} (expected one of {', '.join(ALLOWED)})")
    return list(entries)


def _validate_models(data: Mapping[str, Any], entries: list[dict[str, Any]]) -> None:
    from pydantic import ValidationError

    from fhir.resources.R4B.bundle import Bundle

    from gutskin.interop.fhir import one_per_shape

    # one entry of each shape decides for the others (gutskin.interop.fhir.one_per_shape): a 4-year
    # bundle's 25,000 Observations took 10 s to validate one by one
    raw = data.get("entry")
    keep = one_per_shape(raw) if isinstance(raw, list) else None
    try:
        Bundle.model_validate(data if keep is None else {**data, "entry": [raw[i] for i in keep]})  # type: ignore[index]
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        if keep is not None and len(loc) >= 2 and loc[0] == "entry" and isinstance(loc[1], int) and loc[1] < len(keep):
            loc[1] = keep[loc[1]]  # the entry's place in the whole bundle
        if len(loc) >= 2 and loc[0] == "entry" and isinstance(loc[1], int) and loc[1] < len(entries):
            i = loc[1]
            rest = loc[3:] if len(loc) > 2 and loc[2] == "resource" else loc[2:]
            where = _where(i, entries[i].get("resource"))
        else:
            where, rest = "Bundle", loc
        path = ".".join(str(x) if not isinstance(x, int) else f"[{x}]" for x in rest).replace(".[", "[") or "(resource)"
        raise BundleError(where, path, err["msg"]) from None


def _codings(res: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((res.get("code") or {}).get("coding") or [])


def _quantity_or_int(res: Mapping[str, Any], where: str) -> float:
    if "valueInteger" in res:
        return float(res["valueInteger"])
    q = res.get("valueQuantity")
    if isinstance(q, Mapping) and q.get("value") is not None:
        v = float(q["value"])
        if not math.isfinite(v):
            raise BundleError(where, "valueQuantity.value", "not a finite number")
        return v
    raise BundleError(where, "valueQuantity", "missing value")


def _in_range(v: float, name: str, where: str, fld: str, integer: bool = True) -> float:
    lo, hi = C.RANGES[name]
    if integer and v != round(v):
        raise BundleError(where, fld, f"expected an integer {lo:g}-{hi:g}, got {v:g}")
    if not lo <= v <= hi:
        raise BundleError(where, fld, f"expected a value {lo:g}-{hi:g}, got {v:g}")
    return v


_PATH_PART = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _stated(res: Mapping[str, Any], where: str, fld: str) -> float | None:
    """A quantity's value, or None when the element says the value is absent (``dataAbsentReason``)."""
    if res.get("valueQuantity") is None and res.get("dataAbsentReason") is not None:
        return None
    q = res.get("valueQuantity")
    if not isinstance(q, Mapping) or q.get("value") is None:
        raise BundleError(where, fld, "expected valueQuantity (or dataAbsentReason)")
    v = float(q["value"])
    if not math.isfinite(v):
        raise BundleError(where, f"{fld}.value", "not a finite number")
    return v


def _differs(stated: float | None, computed: Any) -> bool:
    if stated is None or computed is None:
        return stated is not None or computed is not None
    return abs(float(computed) - stated) > 1e-9


def _assessment(res: Mapping[str, Any], where: str, instrument: str, day: dt.date,
                clinic_refs: set[str] = frozenset()) -> dict[str, Any] | None:  # type: ignore[assignment]
    """The clinic's EASI or SCORAD from its examination Observation: the scoring input rebuilt from the
    finding components (:data:`codes.ASSESSMENT_FINDING_SYSTEM`), scored again with
    ``gutskin.instruments``; the stated total, band and objective SCORAD must be what the findings
    score. None when the Observation has no findings (an export before 2026-12-06: the total alone
    cannot be checked or shown as the clinic's record; counted under ``ignored``)."""
    from gutskin.instruments import score

    # the performer (gutskin exports the clinic's Organization and, with the identity shared, the clinician's
    # Practitioner since 2026-12-07; none before): the clinic's people, never the patient or a caregiver.
    # Not kept: the clinician belongs to the other system (the row's role stays "clinician")
    for k, who in enumerate(res.get("performer") or []):
        ref = who.get("reference") if isinstance(who, Mapping) else None
        if ref not in clinic_refs:
            raise BundleError(where, f"performer[{k}].reference", "a clinic assessment is the clinic's record: its "
                              "performer must be an Organization, Practitioner or PractitionerRole of the bundle (the "
                              f"patient or a caregiver cannot have recorded it), got {str(ref)[:80]!r}")
    payload: dict[str, Any] = {}
    objective: tuple[int, float | None] | None = None
    found = False
    for k, comp in enumerate(res.get("component") or []):
        fld = f"component[{k}]"
        codings = (comp.get("code") or {}).get("coding") or []
        path = next((c.get("code") for c in codings if c.get("system") == C.ASSESSMENT_FINDING_SYSTEM), None)
        if path is None:
            if any(c.get("system") == C.OBSERVATION_SYSTEM and c.get("code") == "objective-scorad" for c in codings) \
                    and instrument == "scorad" and objective is None:
                objective = (k, _stated(comp, where, fld))
                continue
            raise BundleError(where, f"{fld}.code", "expected a finding of gutskin's assessment-finding system "
                              "(or, once for SCORAD, the objective SCORAD)")
        parts = str(path).split(".")
        if not all(_PATH_PART.fullmatch(x) for x in parts) or len(parts) > 3 or parts[0] == "bands":
            raise BundleError(where, f"{fld}.code", f"not a finding of {instrument.upper()}: {str(path)[:60]!r}")
        node = payload
        for x in parts[:-1]:
            node = node.setdefault(x, {})
            if not isinstance(node, dict):
                raise BundleError(where, f"{fld}.code", f"{path!r} conflicts with another finding")
        if parts[-1] in node:
            raise BundleError(where, f"{fld}.code", f"a second {path!r} finding")
        node[parts[-1]] = _stated(comp, where, fld)
        found = True
    if not found:
        return None
    version = _bands_and_version(res, payload)
    payload = _whole_numbers(payload)
    try:
        result = score(instrument, payload)
    except (ValueError, TypeError, KeyError) as exc:
        raise BundleError(where, "component", f"the findings do not score as {instrument.upper()}: {exc}") from None
    total, name = result.get("total"), instrument.upper()
    stated = _stated(res, where, "valueQuantity")
    if _differs(stated, total):
        raise BundleError(where, "valueQuantity.value", f"stated {name} total {'none' if stated is None else f'{stated:g}'}"
                          f" but the findings score {'none' if total is None else f'{float(total):g}'}")
    band = next((x.get("text") for x in res.get("interpretation") or [] if isinstance(x, Mapping)), None)
    if band is not None and band != result.get("band"):
        raise BundleError(where, "interpretation", f"stated {name} band {band!r} but the findings score {result.get('band')!r}")
    if objective is not None and _differs(objective[1], result.get("objective")):
        raise BundleError(where, f"component[{objective[0]}].valueQuantity.value",
                          f"stated objective SCORAD {objective[1]} but the findings score {result.get('objective')}")
    return {"instrument": instrument, "version": version or str(result.get("version", "")), "answered_on": day,
            "answers": payload, "total": total, "band": result.get("band"), "author_role": "clinician"}


_SEXES = ("female", "male", "other", "unknown")


def _identity(res: Mapping[str, Any], where: str) -> dict[str, Any] | None:
    """The Patient's name, birth year, sex and region as gutskin exports them with identity consent
    (``name[0].text``, ``birthDate`` (the year), ``gender``, ``address[0].text``), or None for a
    pseudonymous bundle (``meta.security`` PSEUDED). Checked as the profile's columns would be."""
    if any(isinstance(x, Mapping) and x.get("code") == "PSEUDED" for x in (res.get("meta") or {}).get("security") or []):
        return None
    name = next((n.get("text") for n in res.get("name") or [] if isinstance(n, Mapping) and n.get("text")), None)
    region = next((a.get("text") for a in res.get("address") or [] if isinstance(a, Mapping) and a.get("text")), None)
    for fld, value, most in (("name[0].text", name, 120), ("address[0].text", region, 64)):
        if value is not None and len(value) > most:
            raise BundleError(where, fld, f"at most {most} characters, this one has {len(value)}")
    born = res.get("birthDate")
    year = None
    if born is not None:
        if not (isinstance(born, str) and len(born) >= 4 and born[:4].isdigit()):
            raise BundleError(where, "birthDate", f"expected a year YYYY, got {born!r}")
        year = int(born[:4])
    sex = res.get("gender")
    if sex is not None and sex not in _SEXES:
        raise BundleError(where, "gender", f"expected one of {', '.join(_SEXES)}, got {sex!r}")
    return {"display_name": name, "birth_year": year, "sex": sex, "region": region}


def _allergy(res: Mapping[str, Any], where: str) -> dict[str, Any]:
    """One AllergyIntolerance as gutskin writes it: a food of gutskin's factor system, verification
    confirmed or refuted, ``recordedDate``; on the avoid list as its avoid-list extension says, or,
    in a bundle without one (exported before 2026-12-06), when a note says so."""
    from gutskin.diary.factors import known_factor, parse_factor_name

    if list(res.get("category") or []) != ["food"]:
        raise BundleError(where, "category", f"expected ['food'], got {res.get('category')!r}")
    foods = [c.get("code") for c in _codings(res) if c.get("system") == C.FACTOR_SYSTEM]
    if len(foods) != 1:
        raise BundleError(where, "code.coding", f"expected one food of {C.FACTOR_SYSTEM}, found {len(foods)}")
    food = foods[0]
    try:
        parse_factor_name(str(food))
        known_factor(str(food))
    except ValueError as exc:
        raise BundleError(where, "code.coding.code", str(exc)) from None
    if not str(food).startswith("food."):
        raise BundleError(where, "code.coding.code", f"expected a food (food.*), got {food!r}")
    status = [c.get("code") for c in (res.get("verificationStatus") or {}).get("coding") or []
              if c.get("system") == C.ALLERGY_VERIFICATION]
    if len(status) != 1 or status[0] not in ("confirmed", "refuted"):
        raise BundleError(where, "verificationStatus", f"expected one of confirmed, refuted, got {status!r}")
    clinical = [c.get("code") for c in (res.get("clinicalStatus") or {}).get("coding") or []
                if c.get("system") == C.ALLERGY_CLINICAL]
    want = "active" if status[0] == "confirmed" else "inactive"
    if clinical != [want]:
        raise BundleError(where, "clinicalStatus", f"a {status[0]} allergy is {want!r}, got {clinical!r}")
    day = _day_of(res.get("recordedDate"), where, "recordedDate")
    flags = [x for x in res.get("extension") or [] if isinstance(x, Mapping) and x.get("url") == C.AVOID_LIST_EXTENSION]
    if len(flags) > 1 or (flags and not isinstance(flags[0].get("valueBoolean"), bool)):
        raise BundleError(where, "extension", f"expected one {C.AVOID_LIST_EXTENSION} with valueBoolean")
    if flags:  # the explicit flag (exports since 2026-12-06) decides, whatever the notes say
        avoid = bool(flags[0]["valueBoolean"])
    else:  # a bundle exported before: the note's exact words
        avoid = any(isinstance(n, Mapping) and n.get("text") == AVOID_NOTE for n in res.get("note") or [])
    return {"food": str(food), "status": status[0], "avoid": avoid, "recorded_on": day}


def _bands_and_version(res: dict[str, Any], payload: dict[str, Any]) -> str:
    """Put the resource's band-set extension into ``payload["bands"]`` and return its instrument
    version extension ("" when absent): the same two extensions on a questionnaire's
    QuestionnaireResponse and on a clinic assessment's Observation."""
    version = ""
    for x in res.get("extension") or []:
        if x.get("url") == C.BAND_SET_EXTENSION:
            payload["bands"] = x.get("valueString")
        elif x.get("url") == C.VERSION_EXTENSION:
            version = str(x.get("valueString") or "")
    return version


def _whole_numbers(node: Any) -> Any:
    """Whole floats as ints (the stored input has ``2``, not ``2.0``; SCORAD's intensity grades must be integers)."""
    if isinstance(node, dict):
        return {k: _whole_numbers(v) for k, v in node.items()}
    if isinstance(node, float) and node.is_integer():
        return int(node)
    return node


def load_bundle_text(text: str) -> Any:
    """The JSON of a bundle file, or :class:`BundleError` saying what the file is when it is not a
    JSON bundle: FHIR XML and NDJSON (a bulk-data export, one resource per line) are refused by name
    (2026-12-07; both were "not JSON (Expecting value: line 1 column 1)" / "(Extra data …)")."""
    import json

    text = text.removeprefix("\ufeff")
    head = text.lstrip()[:1]
    if head == "<":
        raise BundleError("file", "format", "FHIR XML is not supported: send the Bundle as FHIR JSON "
                          "(application/fhir+json)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [x for x in text.splitlines() if x.strip()]
        if len(lines) > 1 and head == "{" and lines[0].rstrip().endswith("}"):
            try:
                json.loads(lines[0])
                json.loads(lines[1])
            except json.JSONDecodeError:
                pass
            else:
                raise BundleError("file", "format", "NDJSON (one resource per line, a bulk-data export) is not "
                                  "supported: send one Bundle as FHIR JSON") from None
        raise BundleError("file", "format", f"not JSON ({exc})") from None


def _foreign_identity(res: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Who a Patient of another system is: its identifiers (``system|value``), its name (``text``, else
    the given names and the family name of the official, else the first, name), birth year and sex.
    Address and contact details are not read (an EHR's address is a postal address, not gutskin's
    region). Checked as a profile's columns would be."""
    idents = [f"{x.get('system') or '(no system)'}|{x.get('value')}" for x in res.get("identifier") or []
              if isinstance(x, Mapping) and x.get("value")]
    names = [n for n in res.get("name") or [] if isinstance(n, Mapping)]
    chosen = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    name = None
    if chosen is not None:
        name = chosen.get("text") or " ".join([*(chosen.get("given") or []), *([chosen["family"]] if chosen.get("family") else [])])
        name = " ".join(str(name).split()) or None
    if name is not None and len(name) > 120:
        raise BundleError(where, "name", f"at most 120 characters, this one has {len(name)}")
    born = res.get("birthDate")
    year = int(born[:4]) if isinstance(born, str) and len(born) >= 4 and born[:4].isdigit() else None
    sex = res.get("gender") if res.get("gender") in _SEXES else None
    return {"identifiers": idents, "display_name": name, "birth_year": year, "sex": sex}


#: the longest system URI and value kept of another system's identifier (``patient_identifiers``)
MAX_IDENTIFIER = 255


def other_identifiers(res: Mapping[str, Any], where: str) -> list[dict[str, str]]:
    """A Patient's identifiers of other systems, to keep on the profile (2026-12-07, migration 0018):
    ``[{"system", "value"}]`` in the bundle's order. Left out: gutskin's own (the profile's identifier),
    one whose ``use`` is "old" (no longer the patient's), one without a system or a value (nothing to
    match a later bundle's by). Refused, naming ``identifier[k]``: a system or value longer than
    :data:`MAX_IDENTIFIER` characters or holding a character a name cannot hold (a control, a
    text-direction mark: they are shown on the clinician's page), and two values for one system
    (which one is the patient's cannot be told)."""
    from gutskin.diary.names import NameRefused, clean_name

    out: list[dict[str, str]] = []
    for k, x in enumerate(res.get("identifier") or []):
        if not isinstance(x, Mapping) or x.get("use") == "old" or x.get("system") == C.PATIENT_ID_SYSTEM:
            continue
        if not x.get("system") or not x.get("value"):
            continue
        pair = {}
        for part in ("system", "value"):
            text = str(x[part])
            try:
                text = clean_name(f"identifier {part}", text)
            except NameRefused as exc:
                raise BundleError(where, f"identifier[{k}].{part}", str(exc).split(": ", 1)[-1]) from None
            if len(text) > MAX_IDENTIFIER:
                raise BundleError(where, f"identifier[{k}].{part}",
                                  f"at most {MAX_IDENTIFIER} characters, this one has {len(text)}")
            pair[part] = text
        same = next((y for y in out if y["system"] == pair["system"]), None)
        if same is not None:
            if same["value"] != pair["value"]:
                raise BundleError(where, f"identifier[{k}]", f"a second value for system {pair['system']!r} "
                                  f"({same['value']!r} and {pair['value']!r}): mark the one no longer used "
                                  "with use 'old'")
            continue
        out.append(pair)
    return out


def parse_bundle(data: Any, *, target_named: bool = False) -> ParsedBundle:
    """Validate a gutskin bundle and return its diary days and questionnaire responses.

    ``target_named``: the import names the patient to import into (``gutskin import fhir FILE
    --patient ID``). Then a Patient of another system (an EHR's, a research app's: no gutskin
    identifier) is read, its identity returned as :attr:`ParsedBundle.foreign` for the caller to
    check against that patient (2026-12-07; refused before, also with ``--patient``). Without a
    named target such a bundle is refused, saying to name one.

    Raises :class:`BundleError` for the first problem found (resource and field named).
    """
    from gutskin.diary.factors import known_factor, out_of_range, parse_factor_name
    from gutskin.instruments import score

    entries = _structure(data)
    _validate_models(data, entries)

    # The one Patient, with gutskin's identifier.
    patients = [(i, e) for i, e in enumerate(entries) if e["resource"]["resourceType"] == "Patient"]
    if not patients:  # the Patient only inside a resource ("contained", referenced "#id"): say where (2026-12-07)
        inside = next((i for i, e in enumerate(entries) for c in e["resource"].get("contained") or []
                       if isinstance(c, Mapping) and c.get("resourceType") == "Patient"), None)
        if inside is not None:
            raise BundleError(_where(inside, entries[inside]["resource"]), "contained",
                              "the Patient is contained in this resource, not an entry of the bundle: send the "
                              "Patient as an entry of its own, referenced by the others; nothing was imported")
    if len(patients) != 1:
        raise BundleError("Bundle", "entry", f"expected exactly one Patient, found {len(patients)}")
    pi, pe = patients[0]
    pres = pe["resource"]
    ident = next((x.get("value") for x in pres.get("identifier") or [] if x.get("system") == C.PATIENT_ID_SYSTEM), None)
    foreign = None
    if not ident:
        foreign = _foreign_identity(pres, _where(pi, pres))
        if not target_named:
            shown = ", ".join(x[:80] for x in foreign["identifiers"][:3]) or "none"
            raise BundleError(_where(pi, pres), "identifier",
                              f"no identifier with system {C.PATIENT_ID_SYSTEM}: a Patient of another system "
                              f"(identifiers: {shown}), not of a gutskin export; name the gutskin patient to import "
                              "it into: gutskin import fhir FILE --patient ID (identifier p-... or numeric id)")
    problem = identifier_problem(ident) if isinstance(ident, str) else None
    if problem:  # the CSV's rule: a stored identifier must export again (one starting with '=' could not)
        raise BundleError(_where(pi, pres), "identifier.value", problem)
    patient_refs = {r for r in (pe.get("fullUrl"), f"Patient/{pres.get('id')}" if pres.get("id") else None) if r}
    # a transaction's conditional reference to the Patient by any of its identifiers (2026-12-07)
    patient_refs |= {f"Patient?identifier={x.get('system')}|{x.get('value')}" for x in pres.get("identifier") or []
                     if isinstance(x, Mapping) and x.get("system") and x.get("value")}
    # a foreign Patient's identity is checked against the named target (gutskin.clinic.fhir), never
    # taken as a gutskin identity shared with consent
    identity = _identity(pres, _where(pi, pres)) if foreign is None else None

    def check_subject(i: int, res: Mapping[str, Any], key: str = "subject") -> None:
        ref = _reference(res.get(key))
        if ref not in patient_refs:
            raise BundleError(_where(i, res), f"{key}.reference", f"must reference the bundle's Patient, got {ref!r}")

    # who may have entered answers and days: the Patient, or a RelatedPerson of this Patient
    author_roles = dict.fromkeys(patient_refs, "patient")
    # which co-caregiver: its number among the bundle's other caregivers ("1", "2", in bundle order,
    # as the export numbers them), kept as the rows' ``author_ref`` (2026-12-06, migration 0016)
    co_numbers: dict[str, str] = {}
    for i, e in enumerate(entries):
        res = e["resource"]
        if res["resourceType"] == "RelatedPerson":
            check_subject(i, res, "patient")
            # the parent (v3 RoleCode PRN) or another caregiver of the child (gutskin's co-caregiver)
            parent = any(c.get("code") == "PRN" for rel in res.get("relationship") or []
                         for c in (rel.get("coding") or []) if isinstance(c, dict))
            refs = [r for r in (e.get("fullUrl"), f"RelatedPerson/{res['id']}" if res.get("id") else None) if r]
            author_roles.update(dict.fromkeys(refs, "caregiver" if parent else "co_caregiver"))
            if not parent:
                n = str(len(set(co_numbers.values())) + 1)
                co_numbers.update(dict.fromkeys(refs, n))

    # the clinic's people an assessment's performer may name (its Organization, Practitioner, PractitionerRole)
    clinic_refs = {r for e in entries if e["resource"]["resourceType"] in ("Organization", "Practitioner", "PractitionerRole")
                   for r in (e.get("fullUrl"), f"{e['resource']['resourceType']}/{e['resource'].get('id')}"
                             if e["resource"].get("id") else None) if r}

    def author_role(i: int, res: Mapping[str, Any], fld: str, ref: Any) -> str | None:
        if ref is None:
            return None
        if ref not in author_roles:
            raise BundleError(_where(i, res), fld, f"must reference the bundle's Patient or a RelatedPerson of it, got {ref!r}")
        return author_roles[ref]

    def respondent_of(i: int, res: Mapping[str, Any], instrument: str) -> str | None:
        """Who answered (``source``, 2026-12-07): the Patient 'self', a RelatedPerson of it 'proxy',
        none: not recorded. A proxy answer of a self-report-only instrument (CDLQI, DLQI, ADCT) is
        refused, as the app refuses it."""
        from gutskin.instruments.respondents import allowed

        src = res.get("source")
        if src is None:
            return None
        role = author_role(i, res, "source.reference", src.get("reference") if isinstance(src, Mapping) else None)
        respondent = None if role is None else "self" if role == "patient" else "proxy"
        if respondent is not None and respondent not in allowed(instrument):
            raise BundleError(_where(i, res), "source.reference",
                              f"a RelatedPerson answered {instrument.upper()}, a self-report (completed by the person "
                              "themselves): it has no version for a parent or caregiver to answer")
        return respondent

    out = ParsedBundle(patient_identifier=ident, identity=identity, foreign=foreign,
                       other_identifiers=other_identifiers(pres, _where(pi, pres)))
    qr_totals: dict[str, float | None] = {}
    poem_qr: dict[dt.date, int] = {}
    poem_author: dict[dt.date, tuple[str | None, str | None]] = {}

    for i, e in enumerate(entries):
        res = e["resource"]
        rt = res["resourceType"]
        where = _where(i, res)
        if rt in IGNORED or rt == "OperationOutcome":  # a server's messages: errors were refused
            out.ignored[rt] = out.ignored.get(rt, 0) + 1
            continue
        if rt == "AllergyIntolerance":
            check_subject(i, res, "patient")
            a = _allergy(res, where)
            if any(x["food"] == a["food"] for x in out.allergies):
                raise BundleError(where, "code.coding", f"a second AllergyIntolerance for {a['food']} "
                                  "(gutskin writes one per food, from the newest decision)")
            out.allergies.append(a)
            continue
        if rt != "QuestionnaireResponse":
            continue
        q = str(res.get("questionnaire") or "")
        # a versioned canonical (``…/poem|<version>``, since the author change) or a bare one (older bundles)
        url = q.split("|", 1)[0]
        instrument = url[len(C.QUESTIONNAIRE) + 1:] if url.startswith(C.QUESTIONNAIRE + "/") else ""
        if instrument not in C.QUESTIONNAIRES:
            raise BundleError(where, "questionnaire", f"not a gutskin questionnaire: {q!r}")
        if res.get("status") != "completed":
            raise BundleError(where, "status", f"expected 'completed', got {res.get('status')!r}")
        check_subject(i, res)
        if res.get("authored") is None:  # optional in FHIR, needed here: say so (2026-12-07; "expected a date")
            raise BundleError(where, "authored", "missing: the day it was answered is needed to place it in the record "
                              "(another system may leave this optional field out; add it, a date YYYY-MM-DD); "
                              "nothing was imported")
        answered_on = _day_of(res.get("authored"), where, "authored")
        n = C.QUESTIONNAIRES[instrument][1]
        answers: list[Any] = [None] * n
        stated_total: float | None = None
        seen: set[str] = set()
        for j, item in enumerate(res.get("item") or []):
            link = item.get("linkId")
            fld = f"item[{j}]"
            if link in seen:
                raise BundleError(where, f"{fld}.linkId", f"duplicate linkId {link!r}")
            seen.add(link)
            values = []
            for k, a in enumerate(item.get("answer") or []):
                if "valueInteger" in a:
                    values.append(a["valueInteger"])
                elif "valueDecimal" in a and link == "total":
                    values.append(float(a["valueDecimal"]))
                else:
                    raise BundleError(where, f"{fld}.answer[{k}]", "expected valueInteger")
            if link == "total":
                if len(values) != 1:
                    raise BundleError(where, f"{fld}.answer", "the total needs exactly one answer")
                stated_total = float(values[0])
                continue
            if not (isinstance(link, str) and link.isdigit() and 1 <= int(link) <= n):
                raise BundleError(where, f"{fld}.linkId", f"expected an item number 1-{n} or 'total', got {link!r}")
            answers[int(link) - 1] = None if not values else values[0] if len(values) == 1 else values
        payload: dict[str, Any] = {"answers": answers}
        version = _bands_and_version(res, payload)
        try:
            result = score(instrument, payload)
        except (ValueError, TypeError, KeyError) as exc:
            raise BundleError(where, "item", str(exc)) from None
        total = result.get("total")
        if stated_total is not None and (total is None or abs(float(total) - stated_total) > 1e-9):
            raise BundleError(where, "item[total]", f"stated total {stated_total:g} but the answers score {total}")
        out.questionnaires.append({"instrument": instrument, "version": version or str(result.get("version", "")),
                                   "answered_on": answered_on, "answers": payload, "total": total,
                                   "band": result.get("band"),
                                   "author_role": author_role(i, res, "author.reference",
                                                              (res.get("author") or {}).get("reference")),
                                   "author_ref": co_numbers.get((res.get("author") or {}).get("reference")),
                                   "respondent": respondent_of(i, res, instrument)})
        qr_totals[e.get("fullUrl") or ""] = None if total is None else float(total)
        if res.get("id"):
            qr_totals[f"QuestionnaireResponse/{res['id']}"] = None if total is None else float(total)
        if instrument == "poem" and total is not None:
            poem_qr[answered_on] = int(round(float(total)))
            poem_author[answered_on] = (out.questionnaires[-1]["author_role"], out.questionnaires[-1]["author_ref"])

    explicit_poem: set[dt.date] = set()
    assessed: set[tuple[str, dt.date]] = set()
    for i, e in enumerate(entries):
        res = e["resource"]
        if res["resourceType"] != "Observation":
            continue
        where = _where(i, res)
        if res.get("status") not in ("final", "amended", "corrected"):
            raise BundleError(where, "status", f"expected 'final', got {res.get('status')!r}")
        check_subject(i, res)
        day = _effective_day(res, where)
        codings = _codings(res)
        if any(c.get("system") in (C.MICROBIOME_SYSTEM, C.LINKED_TAXON_SYSTEM) for c in codings):
            # a stool test's result (2026-12-07): named as skipped; its Specimen is counted as ignored too
            out.ignored[MICROBIOME_SKIPPED] = out.ignored.get(MICROBIOME_SKIPPED, 0) + 1
            continue
        local = next((c.get("code") for c in codings if c.get("system") == C.OBSERVATION_SYSTEM), None)
        factor = next((c.get("code") for c in codings if c.get("system") == C.FACTOR_SYSTEM), None)
        loinc = next((c.get("code") for c in codings if c.get("system") == C.LOINC), None)
        if local is None and factor is None and loinc == C.POEM_TOTAL:
            local = "poem-total"
        if local is None and factor is None:
            # name what it is (its codes and text) and the fix (2026-12-07: "foreign observation" alone)
            named = "; ".join(f"{c.get('system')}|{c.get('code')}" + (f" {c.get('display')!r}" if c.get("display") else "")
                              for c in codings[:3] if isinstance(c, Mapping))
            text = (res.get("code") or {}).get("text")
            shown = ", ".join(x for x in (str(text)[:80] if text else "", named[:200]) if x) or "no code"
            raise BundleError(where, "code.coding", f"no gutskin code and no known LOINC code (foreign observation: "
                              f"{shown}): gutskin keeps no record of it; send a bundle without this Observation "
                              "(gutskin reads diary values, questionnaire scores and the clinic's EASI and SCORAD as "
                              "Observations); nothing was imported")
        if local is not None and local not in C.LOCAL_CODES:
            raise BundleError(where, "code.coding", f"unknown gutskin code {local!r}")
        derived = [d.get("reference") for d in res.get("derivedFrom") or []]
        if derived:
            ref = derived[0]
            if ref not in qr_totals:
                raise BundleError(where, "derivedFrom[0].reference", f"no QuestionnaireResponse {ref!r} in the bundle")
            if local is None or not local.endswith("-total") or local in C.ASSESSMENT_CODES:
                raise BundleError(where, "code.coding", "only questionnaire scores may be derived from a QuestionnaireResponse")
            v = _quantity_or_int(res, where)
            if qr_totals[ref] is None or abs(qr_totals[ref] - v) > 1e-9:  # type: ignore[operator]
                raise BundleError(where, "valueQuantity.value", f"{v:g} differs from the response's score {qr_totals[ref]}")
            # who answered (the score's performer since 2026-12-07): the Patient or a RelatedPerson of it;
            # the response says it (source, author), this is checked, not kept twice
            for k, who in enumerate(res.get("performer") or []):
                author_role(i, res, f"performer[{k}].reference", who.get("reference") if isinstance(who, Mapping) else None)
            continue
        if local in C.ASSESSMENT_CODES:  # the clinic's EASI/SCORAD, re-scored from its findings
            instrument = local[: -len("-total")]
            a = _assessment(res, where, instrument, day, clinic_refs)
            if a is None:
                key = "Observation (clinic assessment without findings)"
                out.ignored[key] = out.ignored.get(key, 0) + 1
            elif (instrument, day) in assessed:
                raise BundleError(where, "effectiveDateTime", f"a second {instrument.upper()} on {day.isoformat()} "
                                  "(the clinic keeps one per day)")
            else:
                assessed.add((instrument, day))
                out.assessments.append(a)
            continue
        d = out.days.setdefault(day, _empty_day())
        performers = res.get("performer") or []
        role = author_role(i, res, "performer[0].reference", performers[0].get("reference")) if performers else None
        if role is not None:
            ref = co_numbers.get(performers[0].get("reference"))
            if d["author_role"] is not None and (d["author_role"], d["author_ref"]) != (role, ref):
                raise BundleError(where, "performer", f"{day.isoformat()} was entered by one person; "
                                  f"another observation of that day names "
                                  + ("another caregiver" if d["author_role"] == role else f"a {d['author_role']}"))
            d["author_role"], d["author_ref"] = role, ref

        def put(key: str, value: Any, fld: str, d: dict[str, Any] = d, where: str = where) -> None:
            if d[key] is not None:
                raise BundleError(where, fld, f"a second {key} value for {day.isoformat()}")
            d[key] = value

        if factor is not None:
            try:
                parse_factor_name(factor)
                f = known_factor(factor)
            except ValueError as exc:
                raise BundleError(where, "code.coding.code", str(exc)) from None
            v = _quantity_or_int(res, where)
            problem = out_of_range(f, v)
            if problem:
                raise BundleError(where, "valueQuantity.value", f"{factor}: {problem}, got {v:g}")
            if factor in d["factors"]:
                raise BundleError(where, "code", f"a second {factor} value for {day.isoformat()}")
            d["factors"][factor] = v
        elif local in ("itch-nrs", "sleep-loss-nrs"):
            name = C.DIARY_CODES[local]
            fld = "valueInteger" if "valueInteger" in res else "valueQuantity.value"
            put(name, int(_in_range(_nrs(res, where), name, where, fld)), fld)
        elif local == "flare-day":
            if not isinstance(res.get("valueBoolean"), bool):
                raise BundleError(where, "valueBoolean", "expected true or false")
            put("flare", res["valueBoolean"], "valueBoolean")
        elif local == "po-scorad":
            put("poscorad", _in_range(_quantity_or_int(res, where), "poscorad", where, "valueQuantity.value", integer=False),
                "valueQuantity")
        elif local == "poem-total":
            put("poem", int(_in_range(_quantity_or_int(res, where), "poem", where, "valueQuantity.value")), "valueQuantity")
            explicit_poem.add(day)
        elif local == "diary-note":
            text = res.get("valueString")
            if not isinstance(text, str) or len(text) > MAX_NOTES:
                raise BundleError(where, "valueString", f"expected text of at most {MAX_NOTES} characters")
            put("notes", text, "valueString")
        else:
            raise BundleError(where, "derivedFrom", f"a {local} score needs the QuestionnaireResponse it came from")

    # As when a patient answers POEM in the app: the (last) POEM total also goes on that diary day.
    for day, total in poem_qr.items():
        d = out.days.setdefault(day, _empty_day())
        if day not in explicit_poem:
            d["poem"] = total
            if d["author_role"] is None:  # as in the app, the one who answered POEM wrote it on the day
                d["author_role"], d["author_ref"] = poem_author[day]
    return out  # it may hold nothing to import (a Patient alone): the import refuses it (clinic.fhir.import_bundle)


def imports_anything(parsed: ParsedBundle) -> bool:
    """Whether an import of ``parsed`` would store something: a diary day, a questionnaire answer, a
    clinic assessment or a food allergy."""
    return bool(parsed.days or parsed.questionnaires or parsed.assessments or parsed.allergies)


#: what gutskin reads from a bundle, in words, for the refusal of a bundle with none of it (2026-12-07)
READS = ("gutskin reads Observations of diary days (itch, sleep loss, flare, PO-SCORAD, POEM, notes and factors such "
         "as foods and exposures) and of the clinic's EASI and SCORAD, QuestionnaireResponses to its questionnaires "
         "(POEM, RECAP, ADCT, DLQI ...) and AllergyIntolerances of foods decided by a clinician")


def _counted(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _entries(bundle: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [e for e in bundle.get("entry") or [] if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping)]


def holds(bundle: Mapping[str, Any]) -> str:
    """A bundle's entries in words, by resource type in the order first seen: "1 Patient, 2 Appointments
    and 3 Observations (microbiome results)"."""
    counts: dict[str, int] = {}
    for e in _entries(bundle):
        res = e["resource"]
        rt = str(res.get("resourceType"))
        if rt == "Observation" and any(isinstance(c, Mapping) and c.get("system") in (C.MICROBIOME_SYSTEM,
                                                                                     C.LINKED_TAXON_SYSTEM)
                                       for c in _codings(res)):
            rt = MICROBIOME_SKIPPED
        counts[rt] = counts.get(rt, 0) + 1
    parts = [("1 Observation (microbiome result)" if n == 1 else f"{n} Observations (microbiome results)")
             if rt == MICROBIOME_SKIPPED else _counted(n, rt) for rt, n in counts.items()]
    if not parts:
        return "no entries"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def nothing_to_import(bundle: Mapping[str, Any]) -> str:
    """The refusal of a bundle that would import nothing (a Patient alone, appointments, microbiome
    results): it was imported as nothing, silently ("days": 0, ..., 2026-12-07). ``bundle`` is one
    :func:`parse_bundle` read."""
    entries = _entries(bundle)
    micro = any(e["resource"].get("resourceType") == "Specimen" for e in entries) or "microbiome" in holds(bundle)
    return (f"this bundle holds {holds(bundle)} and nothing gutskin can import: {READS}"
            + ("; a stool test's microbiome results are not imported (upload the lab's file on the Gut microbiome page)"
               if micro else "")
            + "; nothing was imported")


__all__ = ["BundleError", "ParsedBundle", "holds", "imports_anything", "load_bundle_text", "nothing_to_import",
           "parse_bundle"]
