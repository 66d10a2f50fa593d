"""Microbiome samples of a patient: upload (type and size checked), report, history.

The file is parsed by ``gutskin.microbiome`` from a private temporary copy; the stored row
keeps the chosen sample's profile (plain data), the report (diversity with log base, rank,
depth and method, the named reference comparison and the eczema-linked taxa) and the
sanitized file name. Nothing is stored when parsing fails. The web authorizes, parses
(:func:`parse_upload`, no database) and stores in that order, so parsing holds no write lock.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import os
import re
import tempfile
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.clinic import audit, zones
from gutskin.clinic.access import patient_for_entry, patient_for_read
from gutskin.clinic.actors import Actor
from gutskin.clinic.errors import InvalidInput, NotFound
from gutskin.diary.names import NameRefused, clean_name
from gutskin.store.models import MicrobiomeSample, Patient

# The upload's formats and the file-name suffixes each is accepted under: the one list the server's
# check, its refusal and the upload page's hint and ``accept`` attribute are made from (the page's hint
# lacked .bracken after the server took it, e202e56). The content, not the suffix, says how a file is read
# (microbiome.io.sniff_format).
UPLOAD_FORMATS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("a BIOM table", (".biom", ".json", ".h5", ".hdf5")),
    ("a QIIME 2 table", (".qza",)),
    ("a TSV/CSV table or MetaPhlAn profile", (".tsv", ".csv", ".txt")),
    ("a Kraken 2 report", (".kreport", ".k2report", ".report")),
    ("Bracken output", (".bracken",)),  # as Bracken's manual names it (-o sample.bracken)
    ("a mothur .shared file", (".shared",)),
    ("a sylph-tax profile", (".sylphmpa",)),  # sylph-tax taxprof's MetaPhlAn-style output  # make.shared's output (stability.opti_mcc.shared)
    # pipelines hand their tables out compressed (feature-table.tsv.gz, sample.kreport.gz,
    # merged_abundance_table.txt.bz2): unpacked under the plain-file size limit, then read as plain
    ("any of these compressed (gzip, bzip2, xz) or alone in a zip", (".gz", ".bz2", ".xz", ".zip")),
)
ALLOWED_SUFFIXES = tuple(x for _, suffixes in UPLOAD_FORMATS for x in suffixes)


def upload_formats_words() -> str:
    """"a BIOM table (.biom, .json, .h5, .hdf5), a QIIME 2 table (.qza), ... or Bracken output (.bracken)"."""
    parts = [f"{label} ({', '.join(suffixes)})" for label, suffixes in UPLOAD_FORMATS]
    return ", ".join(parts[:-1]) + " or " + parts[-1]

MAX_BYTES_DEFAULT = 20 * 1024 * 1024
MAX_UPLOAD_CELLS = 5_000_000  # samples × features of an uploaded table made dense (40 MB): a person's profile, or a study table holding it
METHODS = ("16S", "shotgun", "unknown")
KINDS = ("auto", "counts", "relative")
TAXONOMY_SUFFIXES = (".tsv", ".txt", ".csv", ".qza", ".taxonomy")  # mothur: stability.cons.taxonomy


def safe_filename(name: str | None) -> str:
    """Base name only, no path parts or control characters (path traversal is impossible). Letters
    and digits of any script are kept (NFC, as macOS browsers send decomposed names): 'Stuhlprobe
    Zoë.biom' was listed as 'Stuhlprobe Zo_.biom' until 2026-12-06; anything else becomes '_'."""
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", name or "")[-1])
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    # at most 120 bytes of UTF-8 (it names a temporary file: 255 bytes at most on most file
    # systems), cut in the stem so that the suffix, which says the format, stays
    stem, ext = os.path.splitext(base)
    ext = ext if len(ext.encode("utf-8")) <= 16 else ""
    stem = stem.encode("utf-8")[: 120 - len(ext.encode("utf-8"))].decode("utf-8", "ignore").rstrip(" .")
    return (stem + ext if stem else "") or "upload"


_PACKED_SUFFIXES = UPLOAD_FORMATS[-1][1]


def _check_type(name: str, data: bytes, *, shown: str | None = None,
                suffixes: tuple[str, ...] | None = ALLOWED_SUFFIXES) -> None:
    """The plain file's checks: suffix (of ``name``, one of ``suffixes``) and text. ``shown``: how
    the file is named in a refusal (a zip's member: 'tables.zip (feature-table.tsv)'). ``suffixes``:
    a zip's member must have a plain file's suffix; ``None`` for what a .gz/.bz2/.xz unpacked to (its
    outer name was checked)."""
    from gutskin.microbiome.io import why_not_text

    shown = shown or name
    if suffixes is not None and not name.lower().endswith(suffixes):
        raise InvalidInput(f"file: expected {upload_formats_words()}, got {shown!r}")
    head = data[:8]
    is_hdf5 = head.startswith(b"\x89HDF\r\n\x1a\n")
    # a QIIME 2 artifact is a zip (.qza, or renamed .zip: any other zip was unpacked before this check)
    is_zip = name.lower().endswith((".qza", ".zip")) and head.startswith(b"PK\x03\x04")
    if not (is_hdf5 or is_zip):
        try:  # incrementally: a character cut at byte 4096 is not an error (a valid file was refused)
            codecs.getincrementaldecoder("utf-8")().decode(data[:4096], final=False)
        except UnicodeDecodeError:  # UTF-16, a spreadsheet's Windows-1252 CSV: which, and what to do
            raise InvalidInput(f"file: {shown}: {why_not_text(data)}") from None


def _unpack_upload(name: str, data: bytes, max_bytes: int, *, field: str = "file",
                   refused: str | None = None) -> tuple[str, bytes, str, bool] | None:
    """A compressed upload (gzip, bzip2, xz, a zip holding one file; not a QIIME 2 artifact) unpacked:
    (the inner file's name, its bytes, how refusals name it, whether it came from a zip), or ``None`` for
    a plain file. Streamed and refused beyond ``max_bytes``, the limit a plain upload has (a zip bomb is
    refused after ``max_bytes``, never held in memory); what comes out then gets every check a plain
    file gets (microbiome.io.unpack). ``field``: the form field refusals start with (``taxonomy``);
    ``refused``: the refusal of a name without an accepted suffix (default: the table's)."""
    import io

    from gutskin.microbiome.errors import MicrobiomeInputError
    from gutskin.microbiome.io import is_qiime_artifact, compression_of, unpack

    kind = compression_of(data[:16])
    if kind is None or (kind == "zip" and (name.lower().endswith(".qza") or is_qiime_artifact(io.BytesIO(data)))):
        return None
    if field == "file" and not name.lower().endswith(ALLOWED_SUFFIXES):
        raise InvalidInput(refused or f"file: expected {upload_formats_words()}, got {name!r}")
    if field == "taxonomy" and not name.lower().endswith(TAXONOMY_SUFFIXES + _PACKED_SUFFIXES):
        raise InvalidInput(refused or f"taxonomy: got {name!r}")
    with tempfile.TemporaryDirectory(prefix="gutskin-upload-") as tmp:
        packed = os.path.join(tmp, "packed")
        with open(packed, "wb") as fh:
            fh.write(data)
        os.mkdir(os.path.join(tmp, "out"))
        try:
            u = unpack(packed, os.path.join(tmp, "out"), max_bytes=max_bytes, name=name)
        except MicrobiomeInputError as exc:
            raise InvalidInput(f"{field}: {exc}") from None
        with open(u.path, "rb") as fh:
            inner = fh.read(max_bytes + 1)
    return os.path.basename(u.path), inner, u.label, kind == "zip"


def _not_a_diary(name: str, data: bytes) -> None:
    """A diary CSV chosen on the microbiome upload by mistake (a new user has both kinds of file) is
    named as such: it was read as a table of samples and refused as "duplicate sample ID 'p01'",
    which does not say that the file is the other kind (the new-user walk, 2026-12-06)."""
    first = data[:4096].decode("utf-8", "replace").lstrip("\ufeff").splitlines()[:1]
    # a diary separated by semicolons (Excel with a decimal comma, read by the diary import since 2026-12-07)
    # too: it was read as a table and refused "non-numeric value '2026-12-07' for sample 'p1', feature 'date'"
    cells = [c.strip().strip('"').lower() for c in re.split(r"[,;]", first[0])] if first else []
    if cells[:2] == ["patient", "date"]:
        raise InvalidInput(f"file: {name} is a diary CSV (columns patient, date, ...), not a microbiome profile; "
                           "import it on My data (Import a diary)")


def default_age_group(patient: Patient, today: dt.date | None = None) -> str:
    """Infant reference under 3 years of age, adult reference otherwise (the two shipped references).

    ``today`` is the day the stool was collected when it is known: a sample taken at age 1 and
    uploaded at age 4 was compared with the adult reference (the years-of-data walk, 2026-12-06)."""
    from gutskin.microbiome.report import age_group_for

    today = today or dt.date.today()
    return age_group_for(today.year - patient.birth_year) if patient.birth_year is not None else "adult"


@dataclasses.dataclass(frozen=True)
class ParsedSample:
    """One sample of an upload, checked, parsed and reported: plain data, ready to store."""

    filename: str
    source_format: str
    sample_id: str
    is_counts: bool
    profile: dict[str, Any]
    report: dict[str, Any]


def upload_age_group(session: Session, actor: Actor, patient_id: int, age_group: str | None = None,
                     collected_on: dt.date | None = None) -> str:
    """Authorize an upload to ``patient_id`` (a stranger gets ``NotFound`` before any parsing) and
    pick its reference group: the given one, else from the patient's birth year and the age on the
    collection day (today when it is not given). Writes nothing."""
    patient = patient_for_entry(session, actor, patient_id)
    return age_group or default_age_group(patient, collected_on)


def parse_upload(filename: str, data: bytes, *, sample_id: str | None = None, method: str = "unknown",
                 age_group: str = "adult", max_bytes: int = MAX_BYTES_DEFAULT, kind: str = "auto",
                 taxonomy: bytes | None = None, taxonomy_filename: str = "") -> ParsedSample:
    """Check, parse and report an upload without the database.

    ``kind``: ``auto`` (whole numbers everywhere are counts, else relative), ``counts`` or
    ``relative`` (percent or fractions), as :func:`gutskin.microbiome.read_profile` takes it.
    ``taxonomy``: an optional second file naming the table's feature IDs (QIIME 2
    ``taxonomy.tsv``: ``Feature ID``, ``Taxon``, ``Confidence``); ``None``: none (a browser's
    empty file input, with no file name, is passed as ``None``); an empty file is refused.

    The web calls it between two short transactions (authorize, then store), so a big or
    hostile file never holds SQLite's write lock (or the app's SQLite lock) while it is parsed;
    a file that fails here has written nothing.
    """
    from gutskin.microbiome import read_profile, sample_report
    from gutskin.microbiome.errors import MicrobiomeInputError
    from gutskin.microbiome.io import shorten

    name = safe_filename(filename)
    if not data:
        raise InvalidInput("file: the upload is empty")
    if len(data) > max_bytes:
        raise InvalidInput(f"file: larger than {max_bytes // (1024 * 1024)} MB")
    shown, read_name = name, name  # how refusals name the file; the name it is read under
    unpacked = _unpack_upload(name, data, max_bytes)
    if unpacked is not None:  # then the same checks as a plain file, on what came out
        read_name, data, shown, from_zip = unpacked
        _check_type(read_name, data, shown=shown, suffixes=tuple(x for x in ALLOWED_SUFFIXES if x not in _PACKED_SUFFIXES)
                    if from_zip else None)
    else:
        _check_type(name, data)
    _not_a_diary(shown, data)
    if method not in METHODS:
        raise InvalidInput(f"method: expected one of {', '.join(METHODS)}")
    if kind not in KINDS:
        raise InvalidInput(f"kind: expected one of {', '.join(KINDS)}")
    if taxonomy is not None and not taxonomy:
        raise InvalidInput("taxonomy: the file is empty")
    tax_name = safe_filename(taxonomy_filename) if taxonomy else ""
    tax_read, tax_shown = tax_name, tax_name  # the name it is read under; how refusals name it
    if taxonomy:
        if len(taxonomy) > max_bytes:
            raise InvalidInput(f"taxonomy: larger than {max_bytes // (1024 * 1024)} MB")
        expected = ("taxonomy: expected a taxonomy table (.tsv, .txt or .csv), QIIME 2 taxonomy.qza or mothur "
                    ".cons.taxonomy (or one of them compressed: .gz, .bz2, .xz, or alone in a .zip), got {!r}")
        # taxonomy.tsv.gz: unpacked under the same limit, then checked as the plain file
        packed_tax = _unpack_upload(tax_name, taxonomy, max_bytes, field="taxonomy", refused=expected.format(tax_name))
        if packed_tax is not None:
            tax_read, taxonomy, tax_shown, from_zip = packed_tax
            if from_zip and not tax_read.lower().endswith(tuple(x for x in TAXONOMY_SUFFIXES if x != ".qza")):
                raise InvalidInput(expected.format(tax_shown))
        elif not tax_name.lower().endswith(TAXONOMY_SUFFIXES):
            raise InvalidInput(expected.format(tax_name))
        if not (tax_read.lower().endswith(".qza") and taxonomy.startswith(b"PK\x03\x04")):
            try:
                taxonomy.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput("taxonomy: not a UTF-8 text table") from None
    suffix = os.path.splitext(read_name)[1] or ".txt"
    with tempfile.TemporaryDirectory(prefix="gutskin-upload-") as tmp:
        path = os.path.join(tmp, read_name if read_name.lower().endswith(ALLOWED_SUFFIXES) else "profile" + suffix)
        with open(path, "wb") as fh:
            fh.write(data)
        tax_path = None
        if taxonomy:
            os.mkdir(os.path.join(tmp, "taxonomy"))  # its own folder: the two files may share a name
            tax_path = os.path.join(tmp, "taxonomy", tax_read)
            with open(tax_path, "wb") as fh:
                fh.write(taxonomy)
        try:
            # a taxonomy.qza unpacks to no more than a plain taxonomy upload may be: it was the command
            # line's 512 MB, so a 200 kB zip bomb made this process read half a gigabyte (~19 GB of memory)
            profile = read_profile(path, method=method, max_cells=MAX_UPLOAD_CELLS,  # type: ignore[arg-type]
                                   kind=kind, taxonomy=tax_path, taxonomy_max_bytes=max_bytes)  # type: ignore[arg-type]
            profile = dataclasses.replace(profile, source=name)  # never the server's temporary path
            if unpacked is not None:
                profile = dataclasses.replace(profile, notes=(*profile.notes, f"read from {shown}, decompressed"))
            chosen = profile.find_sample(sample_id) if sample_id else (
                profile.sample_ids[0] if len(profile.sample_ids) == 1 else None)
            if chosen is None:
                shown = ", ".join(shorten(x) for x in profile.sample_ids[:10]) + (" …" if len(profile.sample_ids) > 10 else "")
                raise InvalidInput(f"sample_id: the file holds {len(profile.sample_ids)} samples ({shown}); say which is yours")
            if chosen in profile.empty_samples and profile.kind != "counts":  # MetaPhlAn: UNCLASSIFIED 100 %
                raise InvalidInput(f"sample_id: {shorten(chosen)!r} has nothing classified in the file (every "
                                   "abundance is 0: the test named no microbes in it); choose a sample with results")
            if chosen in profile.empty_samples:
                raise InvalidInput(f"sample_id: {shorten(chosen)!r} has no reads in the file (an empty sample "
                                   "or a control); choose a sample with reads")
            if chosen not in profile.sample_ids:
                raise InvalidInput(f"sample_id: {shorten(chosen)!r} is not in the file")
            report = sample_report(profile, chosen, age_group)
            stored_profile = profile.subset([chosen]).to_dict()
        except MicrobiomeInputError as exc:
            text = str(exc).replace(path, shown)
            if tax_path is not None:
                text = text.replace(tax_path, tax_shown)
                if exc.source == tax_path:
                    raise InvalidInput(f"taxonomy: {text}") from None
            raise InvalidInput(f"file: {text}") from None
        except RecursionError:  # JSON nested 100,000 deep: was a 500
            raise InvalidInput("file: nested too deeply to be a BIOM table") from None
        except ArithmeticError:  # values like 1e308 overflow the sums: was a 500
            raise InvalidInput("file: a value is too large to compute with") from None
    try:  # the sample's name is shown to the clinic: no text-direction controls (docs/security.md); it
        clean_name("sample_id", str(chosen))  # keeps the file's own spelling (NFD too), as the report does
    except NameRefused as exc:
        raise InvalidInput(f"{exc} (the sample's name in the file: rename the sample there)") from None
    fmt = "biom" if read_name.lower().endswith((".biom", ".h5", ".hdf5", ".json", ".qza")) else "table"
    return ParsedSample(filename=name, source_format=fmt, sample_id=str(chosen)[:120],
                        is_counts=report["profile"]["kind"] == "counts", profile=stored_profile, report=report)


def store_sample(session: Session, actor: Actor, patient_id: int, parsed: ParsedSample, *, method: str = "unknown",
                 collected_on: dt.date | None = None, child_words: bool = False) -> dict[str, Any]:
    """Store a parsed sample (authorized again: access may have ended while the file was parsed).
    ``child_words``: the answer's plain language names a child's profile (:func:`_out`; the API)."""
    patient = patient_for_entry(session, actor, patient_id)
    if method not in METHODS:
        raise InvalidInput(f"method: expected one of {', '.join(METHODS)}")
    if collected_on is not None and collected_on > dt.date.today() + dt.timedelta(days=1):  # a zone ahead: +1 day, as the diary
        raise InvalidInput(f"collected_on: {collected_on.isoformat()} is in the future; give the day the sample was taken")
    from gutskin.microbiome.report import for_a_child

    # a child of 3 or more is placed among adults: the report says so (age on the collection day, by birth year)
    age = (collected_on or dt.date.today()).year - patient.birth_year if patient.birth_year is not None else None
    # this record's uploads one at a time (PostgreSQL; SQLite's BEGIN IMMEDIATE already is), so the same
    # file sent twice finds the first one's row
    session.execute(select(Patient.id).where(Patient.id == patient_id).with_for_update())
    same = _same_sample(session, patient_id, parsed, method, collected_on)
    if same is not None:  # the same upload sent twice: nothing new is written; the answer shows the stored one
        audit.record(session, actor, patient_id, "read", "microbiome_sample", same.id)
        return _out(same, patient if child_words else None)
    row = MicrobiomeSample(
        patient_id=patient_id, sample_id=parsed.sample_id, collected_on=collected_on, method=method,
        source_format=parsed.source_format, filename=parsed.filename, is_counts=parsed.is_counts,
        profile=parsed.profile, diversity=for_a_child(parsed.report, age),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, patient_id, "create", "microbiome_sample", row.id)
    return _out(row, patient if child_words else None)


#: an upload identical to one stored this long ago or less is the same upload sent twice
DUPLICATE_WINDOW = dt.timedelta(minutes=10)


def _same_sample(session: Session, patient_id: int, parsed: ParsedSample, method: str,
                 collected_on: dt.date | None) -> MicrobiomeSample | None:
    """A sample of the record stored within :data:`DUPLICATE_WINDOW` from the same file (name,
    sample, method, collection day and profile): Upload pressed twice, or Back and Upload again,
    stored the same result twice in the list and in the visit report (concurrency walk, 2026-12-06)."""
    from gutskin.store.models import utcnow

    rows = session.scalars(select(MicrobiomeSample).where(
        MicrobiomeSample.patient_id == patient_id, MicrobiomeSample.sample_id == parsed.sample_id,
        MicrobiomeSample.filename == parsed.filename, MicrobiomeSample.method == method,
        MicrobiomeSample.collected_on.is_(None) if collected_on is None else MicrobiomeSample.collected_on == collected_on,
        MicrobiomeSample.created_at >= utcnow() - DUPLICATE_WINDOW).order_by(MicrobiomeSample.id.desc())).all()
    if not rows:
        return None
    import json

    profile = json.loads(json.dumps(parsed.profile))  # as stored (JSON: tuples read back as lists)
    return next((r for r in rows if r.profile == profile and r.source_format == parsed.source_format), None)


def upload_sample(
    session: Session,
    actor: Actor,
    patient_id: int,
    filename: str,
    data: bytes,
    *,
    sample_id: str | None = None,
    method: str = "unknown",
    collected_on: dt.date | None = None,
    age_group: str | None = None,
    max_bytes: int = MAX_BYTES_DEFAULT,
    kind: str = "auto",
    taxonomy: bytes | None = None,
    taxonomy_filename: str = "",
) -> dict[str, Any]:
    """Parse, report and store one sample of an uploaded profile in the caller's transaction
    (CLI and tests; the web parses outside its transactions: :func:`parse_upload`)."""
    group = upload_age_group(session, actor, patient_id, age_group, collected_on)
    parsed = parse_upload(filename, data, sample_id=sample_id, method=method, age_group=group, max_bytes=max_bytes,
                          kind=kind, taxonomy=taxonomy, taxonomy_filename=taxonomy_filename)
    return store_sample(session, actor, patient_id, parsed, method=method, collected_on=collected_on)


def about_the_child(lines: list[str], name: str) -> list[str]:
    """The report's plain language on a child's profile speaks of the child, as the pages do
    (b5ed260): 'Leo's diversity was not compared ...', 'what causes Leo's flares; discuss results
    with Leo's clinician'. The stored report keeps 'your'."""
    whose = f"{name}'s"
    start = whose[0].upper() + whose[1:]
    return [line.replace("Your diversity", f"{start} diversity").replace("your flares", f"{whose} flares")
            .replace("your clinician", f"{whose} clinician") for line in lines]


def _out(row: MicrobiomeSample, patient: Patient | None = None) -> dict[str, Any]:
    """A sample with its stored report; given ``patient`` (the API's answers) and that profile is a
    child's (``relationship == 'child'``), the report's ``plain_language`` names the child
    (:func:`about_the_child`): until 2026-12-06 the API said 'Your diversity', 'your flares' of a
    child's stool test. The pages put the name in themselves (their caregiver's ``viewing``), and
    the data-rights archive keeps the report as stored."""
    report = row.diversity
    if patient is not None and patient.relationship == "child" and isinstance(report, dict) \
            and report.get("plain_language"):
        report = {**report, "plain_language": about_the_child(list(report["plain_language"]),
                                                              patient.display_name or "the child")}
    return {"id": row.id, "sample_id": row.sample_id, "collected_on": row.collected_on.isoformat() if row.collected_on else None,
            "method": row.method, "filename": row.filename, "uploaded_at": row.created_at.isoformat(timespec="seconds") + "Z",
            "report": report}


def sample_day(collected_on: dt.date | None, uploaded_at: dt.datetime, zone: str | None) -> tuple[dt.date, str]:
    """The day a sample is dated by, and which day that is: the day it was collected when the upload
    said it ("collected"), else the patient's day it was uploaded (``uploaded_at``, naive UTC, on the
    clock of ``zone``, the profile's; UTC when unknown) ("uploaded"). 2026-12-07: samples were ordered
    by collection day with the undated last, so a sample collected years ago showed as the latest over
    every newer upload that did not say its day; an undated upload is at least as new as its upload."""
    if collected_on is not None:
        return collected_on, "collected"
    tz = zones.known(zone)
    when = uploaded_at.replace(tzinfo=dt.UTC)
    return (when.astimezone(tz) if tz is not None else when).date(), "uploaded"


def newest_first(rows: list[Any], zone: str | None) -> list[Any]:
    """``rows`` (each with ``id``, ``collected_on`` and ``created_at``) newest first by :func:`sample_day`;
    on the same day the later upload first. The one order behind "latest sample" everywhere
    (:func:`latest_summary`, :func:`timeline`'s latest, the visit report) and the patient's list."""
    return sorted(rows, key=lambda r: (sample_day(r.collected_on, r.created_at, zone)[0], r.id), reverse=True)


def latest_sample_id(session: Session, patient_id: int) -> int | None:
    """The id of the profile's latest sample (:func:`newest_first`): its day and upload time only."""
    keys = session.execute(select(MicrobiomeSample.id, MicrobiomeSample.collected_on, MicrobiomeSample.created_at)
                           .where(MicrobiomeSample.patient_id == patient_id)).all()
    return newest_first(list(keys), zones.patient_zone(session, patient_id))[0].id if keys else None


def list_samples(session: Session, actor: Actor, patient_id: int, *, child_words: bool = False) -> list[dict[str, Any]]:
    """The profile's samples, newest first by :func:`sample_day` (collected, else uploaded), as
    :func:`latest_summary` and the visit report: it was upload order, so the list under "Your samples"
    mixed the years when an older result was brought in later (walk of 2026-12-06);
    ``child_words`` as in :func:`store_sample`."""
    patient = patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "microbiome_samples")
    rows = session.scalars(select(MicrobiomeSample).where(MicrobiomeSample.patient_id == patient_id)).all()
    zone = patient.time_zone if patient is not None else None
    return [_out(r, patient if child_words else None) for r in newest_first(list(rows), zone)]


def get_sample(session: Session, actor: Actor, patient_id: int, sample_pk: int) -> dict[str, Any]:
    patient_for_read(session, actor, patient_id)
    row = session.get(MicrobiomeSample, sample_pk)
    if row is None or row.patient_id != patient_id:
        raise NotFound("microbiome sample not found")
    audit.record(session, actor, patient_id, "read", "microbiome_sample", row.id)
    return _out(row)


def latest_summary(session: Session, actor: Actor, patient_id: int) -> dict[str, Any] | None:
    """The newest sample's Shannon percentile and reference name (for next to the diary charts)."""
    # the newest sample's id, name, day and stored report only: it read every sample with its
    # taxonomic profile to show one line (the trends and the clinician's patient page;
    # bench.pages_long_record, 2026-12-06). Authorized and audited as list_samples.
    # "newest" is the newest by :func:`sample_day` (collected, else uploaded), as the visit report's
    # section: it was the last uploaded, so a family bringing an older result in showed it as the
    # latest (walk of 2026-12-06); then the last collected, so an old dated result hid every newer
    # upload without a day (2026-12-07)
    patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "microbiome_samples")
    pk = latest_sample_id(session, patient_id)
    if pk is None:
        return None
    row = session.execute(
        select(MicrobiomeSample.id, MicrobiomeSample.sample_id, MicrobiomeSample.collected_on, MicrobiomeSample.diversity,
               MicrobiomeSample.created_at).where(MicrobiomeSample.id == pk)).one()
    return _summary(row, zones.patient_zone(session, patient_id))


def _summary(row: Any, zone: str | None) -> dict[str, Any]:
    s = {"id": row.id, "sample_id": row.sample_id,
         "collected_on": row.collected_on.isoformat() if row.collected_on else None, "report": row.diversity}
    rep = s["report"] if isinstance(s["report"], dict) else {}
    pct = (rep.get("reference_comparison") or {}).get("percentiles", {}).get("shannon") or {}
    day, dated_by = sample_day(row.collected_on, row.created_at, zone)
    return {"id": s["id"], "sample_id": s["sample_id"], "collected_on": s["collected_on"],
            # the day the line names and which day it is: collected, else (not given) uploaded
            "day": day.isoformat(), "dated_by": dated_by,
            "shannon": (rep.get("diversity") or {}).get("values", {}).get("shannon"),
            "percentile": pct.get("percentile"), "statement": pct.get("statement"),
            "reference_name": pct.get("reference_name"),
            # why there is no percentile (a shotgun test, relative abundances, too few reads): the summary
            # read "no reference comparison" and the clinician had to open the report to learn why
            "reason": (rep.get("reference_comparison") or {}).get("reason")}


def timeline(session: Session, actor: Actor, patient_id: int) -> dict[str, Any]:
    """Every sample of the profile, oldest collected first, side by side for the clinician, with
    what may be compared across them (:func:`gutskin.microbiome.compare.compare_reports`: different
    methods, kinds, depths or references are said, not hidden), and the newest as
    :func:`latest_summary` gives it. Authorized and audited as :func:`list_samples` (one read)."""
    from gutskin.microbiome.compare import compare_reports

    patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "read", "microbiome_samples")
    rows = session.execute(
        select(MicrobiomeSample.id, MicrobiomeSample.sample_id, MicrobiomeSample.collected_on, MicrobiomeSample.diversity,
               MicrobiomeSample.created_at)
        .where(MicrobiomeSample.patient_id == patient_id).order_by(MicrobiomeSample.id)).all()
    if not rows:
        return {"latest": None, "rows": [], "caveats": []}
    # collected days ascending, then samples without a day (in upload order)
    dated = sorted(rows, key=lambda r: (r.collected_on is None, r.collected_on or dt.date.min, r.id))
    out = compare_reports([(r.sample_id, r.collected_on.isoformat() if r.collected_on else None,
                            r.diversity if isinstance(r.diversity, dict) else {}) for r in dated])
    for r, shown in zip(dated, out["rows"]):
        shown["id"] = r.id
    zone = zones.patient_zone(session, patient_id)
    return {"latest": _summary(newest_first(list(rows), zone)[0], zone), **out}  # latest_summary's
