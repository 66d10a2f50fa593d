"""Names of the files a person downloads about one profile."""

from __future__ import annotations

import datetime as dt
import re


def download_name(what: str, external_id: str | None, patient_id: int, day: dt.date, ext: str) -> str:
    """``gutskin-<what>-<profile identifier>-<YYYY-MM-DD>.<ext>``: the profile's pseudonymous
    identifier (``p-…``, never a name) and the day, so the files of two profiles, or of this
    month and last, do not overwrite each other in a downloads folder, and a clinician can tell
    whose file it is. Only ``[A-Za-z0-9._-]`` of an imported identifier is kept (at most 40)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", external_id or str(patient_id))[:40]
    return f"gutskin-{what}-{safe}-{day.isoformat()}.{ext}"
