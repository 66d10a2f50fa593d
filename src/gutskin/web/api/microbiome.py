"""Microbiome samples over the API: upload (multipart) and read."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from gutskin.clinic import microbiome as micro
from gutskin.clinic.errors import InvalidInput
from gutskin.web.api.params import date_param, my_patient_id
from gutskin.web.deps import api_actor, settings_of, unit_of_work

router = APIRouter(tags=["microbiome"])


@router.post("/me/microbiome", status_code=201, summary="Upload a stool-test profile (BIOM, TSV/CSV, MetaPhlAn)")
async def upload(request: Request, file: UploadFile = File(...), sample_id: str = Form(""), method: str = Form("unknown"),
                 collected_on: str = Form(""), age_group: str = Form(""), kind: str = Form("auto"),
                 taxonomy: UploadFile | None = File(None),
                 patient_id: int | None = Query(None, description="One of your patient profiles (a caregiver's child); "
                                                                   "default: your own.")) -> dict:
    """``kind``: auto | counts | relative (docs/microbiome.md); ``taxonomy``: an optional second file
    naming the table's feature IDs (QIIME 2 taxonomy.tsv). Either file may be gzip-, bzip2- or
    xz-compressed or the one file in a zip (feature-table.tsv.gz, sample.kreport.gz); it is unpacked up
    to the upload's size limit and read as the plain file. ``?patient_id=``: a child's profile, as on
    every /me route (until 2026-12-06 it was ignored and the sample went to the caller's own profile)."""
    limit = settings_of(request).upload_max_bytes
    data = await file.read(limit + 1)
    tax_data = await taxonomy.read(limit + 1) if taxonomy is not None else b""
    tax_name = (taxonomy.filename or "") if taxonomy is not None else ""  # no name, no bytes: no file chosen

    def work() -> dict:
        # three steps, so the file is parsed outside any transaction (a big file held SQLite's
        # write lock, and every other request, while it was parsed): authorize, parse, store
        with unit_of_work(request) as s:
            actor = api_actor(request, s)
            pid = my_patient_id(s, actor, patient_id)
            # the diary's rule (exactly YYYY-MM-DD): fromisoformat also read 2025-W14-2 and 20250401 as 1 April
            when = date_param(collected_on, "collected_on") if collected_on.strip() else None
            if age_group and age_group not in ("adult", "infant"):
                raise InvalidInput("age_group: expected adult or infant")
            group = micro.upload_age_group(s, actor, pid, age_group or None, when)  # the age on the collection day
        parsed = micro.parse_upload(file.filename or "", data, sample_id=sample_id or None, method=method,
                                    age_group=group, max_bytes=limit, kind=kind,
                                    taxonomy=tax_data if (tax_data or tax_name) else None, taxonomy_filename=tax_name)
        with unit_of_work(request) as s:
            actor = api_actor(request, s)  # again: a password change meanwhile ends the token
            return micro.store_sample(s, actor, pid, parsed, method=method, collected_on=when, child_words=True)

    return await run_in_threadpool(work)


@router.get("/patients/{patient_id}/microbiome", summary="A patient's microbiome samples and reports")
def samples(patient_id: int, request: Request) -> list:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        return micro.list_samples(s, actor, patient_id, child_words=True)  # a child's profile is spoken of by name
