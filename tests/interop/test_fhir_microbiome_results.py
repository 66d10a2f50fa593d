"""Microbiome results in the FHIR bundle (2026-12-07). The export carried no stool test at all: a
clinic's EHR received the diary and the scores but not the diversity or the eczema-linked taxa shown
on the patient's microbiome page and in the visit report.

Each sample is now a ``Specimen`` (SNOMED CT 119339001 *Stool specimen*, collected on the sample's
day) with laboratory Observations referencing it: every diversity metric of the stored report (gutskin's
microbiome code system; the reference percentile as a component where the report compared one) and
every eczema-linked taxon looked for (its share in ``%``, or SNOMED CT *Not detected*), dated by the
collection day, else by the upload's day in the patient's zone. Values are read back from the stored
report, every resource validates with the R4B models one by one, the sample's own name and file name
stay out, a second sample of the same kind adds one shape to validate (its Specimen), and the importer
names the results as skipped in its summary and stores no sample. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from gutskin.clinic import microbiome
from gutskin.clinic.actors import SYSTEM
from gutskin.clinic.fhir import export_bundle, import_bundle, resolve_patient
from gutskin.interop import codes as C
from gutskin.interop.fhir import one_per_shape
from gutskin.store.db import transaction
from gutskin.store.models import MicrobiomeSample, Patient

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "stool-genus.csv"
#: a lab's sample name and a file name that identify the child: never in a bundle
SAMPLE_NAME, FILE_NAME = "Zoe_Lindqvist_stool_2026", "Stuhlprobe Zoë Lindqvist.csv"


def _table() -> bytes:
    """The example genus table with the lab's sample name as its column."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    return "\n".join([f"Taxon,{SAMPLE_NAME}", *lines[1:]]).encode("utf-8")


def _upload(engine, people, collected_on: dt.date | None, method: str, created_at: dt.datetime | None = None) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        out = microbiome.upload_sample(s, people.owner, people.owner_pid, FILE_NAME, _table(), method=method,
                                       collected_on=collected_on)
        if created_at is not None:
            s.get(MicrobiomeSample, out["id"]).created_at = created_at
        return int(out["id"])


def _export(engine, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return export_bundle(s, people.owner, people.owner_pid)


def _results(bundle: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Specimens by their gutskin sample id, and the Observations referencing each."""
    specimens = {e["fullUrl"]: e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Specimen"}
    by_id = {next(i["value"] for i in r["identifier"] if i["system"] == C.MICROBIOME_SAMPLE_ID_SYSTEM): r
             for r in specimens.values()}
    obs: dict[str, list[dict[str, Any]]] = {k: [] for k in by_id}
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Observation" and "specimen" in r:
            sample = next(i["value"] for i in specimens[r["specimen"]["reference"]]["identifier"])
            obs[sample].append(r)
    return by_id, obs


def test_each_sample_is_a_stool_specimen_with_its_results(engine, people) -> None:  # type: ignore[no-untyped-def]
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.specimen import Specimen

    with transaction(engine) as s:  # a patient in Kiritimati (UTC+14): 12:00 UTC is the next day there
        s.get(Patient, people.owner_pid).time_zone = "Pacific/Kiritimati"
    dated = _upload(engine, people, dt.date(2026, 9, 10), "16S")
    undated = _upload(engine, people, None, "shotgun", created_at=dt.datetime(2026, 11, 3, 12, 0))
    bundle = _export(engine, people)
    specimens, obs = _results(bundle)
    assert set(specimens) == {str(dated), str(undated)}
    for sp in specimens.values():
        Specimen.model_validate(sp)
        assert sp["type"]["coding"] == [{"system": C.SNOMED, "code": "119339001", "display": "Stool specimen"}]
    assert specimens[str(dated)]["collection"] == {"collectedDateTime": "2026-09-10"}
    assert "collection" not in specimens[str(undated)]
    with transaction(engine) as s:
        reports = {str(r.id): r.diversity for r in s.scalars(select(MicrobiomeSample))}
    for sample, day, method in ((str(dated), "2026-09-10", "16S rRNA gene sequencing"),
                                (str(undated), "2026-11-04", "shotgun metagenomic sequencing")):
        report = reports[sample]
        values = {k: v for k, v in report["diversity"]["values"].items() if v is not None}
        metrics = {o["code"]["coding"][0]["code"]: o for o in obs[sample]
                   if o["code"]["coding"][0]["system"] == C.MICROBIOME_SYSTEM}
        assert set(metrics) == {C.MICROBIOME_METRICS[k][0] for k in values} and len(metrics) >= 5
        for key, v in values.items():
            o = metrics[C.MICROBIOME_METRICS[key][0]]
            assert abs(o["valueQuantity"]["value"] - v) < 1e-6 and o["valueQuantity"]["system"] == C.UCUM
            pct = (report["reference_comparison"]["percentiles"] or {}).get(key) \
                if report["reference_comparison"]["comparable"] else None
            if pct is None:
                assert "component" not in o
            else:
                assert o["component"][0]["valueQuantity"]["value"] == round(pct["percentile"], 1)
        linked = {o["code"]["coding"][0]["code"]: o for o in obs[sample]
                  if o["code"]["coding"][0]["system"] == C.LINKED_TAXON_SYSTEM}
        looked = {t["id"]: t for t in report["taxa"] if t["status"] in ("found", "not detected")}
        assert set(linked) == set(looked) and linked
        for tid, t in looked.items():
            o = linked[tid]
            if t["status"] == "found":
                assert abs(o["valueQuantity"]["value"] - 100 * t["relative_abundance"]) < 1e-4
                assert o["valueQuantity"]["code"] == "%"
            else:
                assert o["valueCodeableConcept"]["coding"][0]["code"] == "260415000"
        for o in obs[sample]:
            Observation.model_validate(o)
            assert o["effectiveDateTime"] == day and o["method"]["text"] == method
            assert o["category"][0]["coding"][0]["code"] == "laboratory"
    assert str(obs[str(dated)]).count("reference-percentile") >= 2  # 16S read counts: compared with the adults
    assert "reference-percentile" not in str(obs[str(undated)])  # shotgun: not comparable, no percentile
    text = json.dumps(bundle, ensure_ascii=False)
    for typed in (SAMPLE_NAME, "Lindqvist", "Stuhlprobe", "Zoë"):
        assert typed not in text


def test_a_second_sample_of_the_same_kind_adds_one_shape_to_validate(engine, people) -> None:  # type: ignore[no-untyped-def]
    _upload(engine, people, dt.date(2026, 9, 10), "16S")
    one = _export(engine, people)
    _upload(engine, people, dt.date(2026, 10, 10), "16S")
    two = _export(engine, people)
    assert len(two["entry"]) - len(one["entry"]) == 1 + len(_results(one)[1][next(iter(_results(one)[0]))])
    # the Specimen's identifier (gutskin's row id) is its own shape; its Observations are shapes seen
    assert len(one_per_shape(two["entry"])) == len(one_per_shape(one["entry"])) + 1


def test_the_import_names_the_results_as_skipped_and_stores_no_sample(engine, people) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic import diary

    _upload(engine, people, dt.date(2026, 9, 10), "16S")
    with transaction(engine) as s:  # a diary day besides: a bundle of results alone is refused (2026-12-07,
        # tests/interop/test_fhir_import_nothing.py)
        diary.put_day(s, people.owner, people.owner_pid, dt.date(2026, 9, 10), diary.DayInput(itch=4))
    bundle = _export(engine, people)
    _, obs = _results(bundle)
    summary = import_bundle(engine, SYSTEM, bundle, patient_ref="p-copy")
    assert summary["days"] == 1
    assert summary["ignored"]["Observation (microbiome result)"] == sum(len(v) for v in obs.values()) > 0
    assert summary["ignored"]["Specimen"] == 1
    with transaction(engine) as s:
        pid = resolve_patient(s, SYSTEM, "p-copy").id
        assert s.scalar(select(func.count()).select_from(MicrobiomeSample).where(MicrobiomeSample.patient_id == pid)) == 0
