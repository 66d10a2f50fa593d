"""Diary CSV interchange: read (validating, streaming) and write.

Format: ../shared/formats/diary-csv.md. One row per patient per day, UTF-8, comma
separated, header required, RFC 4180 quoting. A blank cell is missing, never zero; a day
absent from the file was not logged. Any column beyond the core ones is a factor named
``group.name``.

Reading streams: rows are yielded one by one, so a caller can import a file of millions
of rows in bounded memory. Duplicate ``(patient, date)`` rows are detected with one bit
per calendar day per patient (a bytearray spanning that patient's dates), not a set of
all keys.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, TextIO

from gutskin.diary.dates import iso_date_or_none
from gutskin.diary.factors import FACTOR_NAME_RE, MAX_FACTOR_NAME, VOCABULARY, out_of_range

CORE_COLUMNS: tuple[str, ...] = ("patient", "date", "itch", "sleep_loss", "poscorad", "poem", "flare")
REQUIRED_COLUMNS: tuple[str, ...] = ("patient", "date")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A patient identifier may not start like a spreadsheet formula (OWASP CSV injection), so exports stay safe."""

# Limits of a diary file (2026-12-06; docs/diary-csv.md "Limits"). A header of 600,000 columns and no
# rows was read whole, checked name by name for ~2 s, and answered "0 rows". A file beyond these is
# refused at the header, before any row is read, naming the line and the column where it goes over.
MAX_COLUMNS = 16_384
"""Cells in the header or in a row: the widest sheet Excel and LibreOffice can hold (XFD), so any
sheet they save fits, leftover empty columns of its used range included."""
MAX_FACTOR_COLUMNS = 1_000
"""Factor columns in one file (a day holds at most 200 factors through the API; one person's own
diary file at most 500, ``clinic.diary.MAX_OWN_FACTOR_COLUMNS``)."""
MAX_LINE_CHARS = 131_072
"""Characters in one physical line, the header included: 1,000 factor names of 80 characters and
16,384 empty cells fit; a row of the format is far shorter. Equal to the csv module's cell limit."""


def canonical_identifier(patient: str) -> str:
    """A patient identifier as stored and compared: surrounding spaces removed and Unicode in
    composed form (NFC). A name typed on a Mac (and in files it saves) is decomposed, "Zoe" +
    U+0308 for "Zoë", elsewhere composed: the same person's identifier must be one identifier
    (before 2026-12-06 the two were two patients, and `--patient Zoë` did not find the first)."""
    return unicodedata.normalize("NFC", patient.strip())


def identifier_problem(patient: str) -> str | None:
    """Why ``patient`` cannot be a diary's patient identifier (at most 64 characters, not starting
    like a spreadsheet formula), or ``None`` when it can. Every way in (CSV, FHIR import) applies
    it, so whatever is stored can be exported again."""
    if len(patient) > 64 or patient[:1] in FORMULA_START:
        return f'expected an identifier of at most 64 characters not starting with = + - @, got "{patient[:70]}"'
    return None


class DiaryCsvError(ValueError):
    """A bad diary file: names the file, line, column and what was expected.

    ``line`` 0 means the file as a whole (it cannot be opened); the message then names no line.
    """

    def __init__(self, file: str, line: int, column: str | None, message: str) -> None:
        # the file's own text (a cell, a header name) is shown escaped and clipped: a terminal
        # would act on an escape sequence in it, and a 100,000-character cell made a 100 kB line
        column = None if column is None else _shown(column)
        message = _QUOTED.sub(lambda m: '"' + _shown(m.group(1)) + '"', message)
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        if line <= 0:
            super().__init__(f"{file}: {message}")
            return
        where = f"line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{file}: {where}: {message}")


_QUOTED = re.compile(r'"(.*)"\Z', re.S)  # a message ends with the offending text: got "..."
_SHOWN_MAX = 80


def _shown(text: str) -> str:
    """``text`` for a one-line message: control and other unprintable characters as escapes
    (``\\x1b``), at most ``_SHOWN_MAX`` characters then an ellipsis."""
    clipped = text[:_SHOWN_MAX]
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in clipped)
    return out + ("…" if len(text) > _SHOWN_MAX else "")


@dataclass
class DiaryRow:
    """One patient-day of the diary, as in the interchange format."""

    patient: str
    date: dt.date
    itch: int | None = None
    sleep_loss: int | None = None
    poscorad: float | None = None
    poem: int | None = None
    flare: int | None = None
    factors: dict[str, float] = field(default_factory=dict)


def _int_in(text: str, lo: int, hi: int) -> int | None:
    t = text.strip()
    if t.startswith(("+", "-")):
        sign, digits = t[0], t[1:]
    else:
        sign, digits = "", t
    if not (digits.isascii() and digits.isdigit()):  # '³' and '٣' are digits to str.isdigit, not to the format
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > 18:  # beyond every bound here; int() refuses more than 4300 digits with a bare ValueError
        return None
    value = int(sign + digits)
    return value if lo <= value <= hi else None


_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _number(text: str) -> float | None:
    """A decimal number as CSV writes it; not Python-only spellings float() also takes
    (``1_000``, ``nan``, ``inf``, non-ASCII digits)."""
    t = text.strip()
    if not _NUMBER_RE.fullmatch(t):
        return None
    value = float(t)
    return value if math.isfinite(value) else None


def _parse_date(text: str) -> dt.date | None:
    return iso_date_or_none(text)  # YYYY-MM-DD only (not 2025-W14-2 or 20250401xx)


#: a day written as its midnight, with no time zone, as a spreadsheet or pandas writes a date column
#: holding date-times (2026-12-07T00:00:00, 2026-12-07 00:00): the same day, read as such (2026-12-07)
_MIDNIGHT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]00:00(?::00(?:\.0+)?)?")


#: a day as Excel writes it where the decimal separator is a comma: day.month.year with dots (German,
#: Swiss, Austrian, Nordic, Polish, Czech, Russian, Turkish ...: every locale writing dots puts the day first)
_DOTTED = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


def _dotted_day(text: str) -> dt.date | None:
    m = _DOTTED.fullmatch(text.strip())
    if m is None:
        return None
    try:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None


def _cell_date(text: str, day_first_dots: bool = False) -> dt.date | None:
    """The date column's day: ``YYYY-MM-DD``, or that day's midnight without a zone (since
    2026-12-07: it was refused "without a time", though it names one day and no other). Any other
    time, or a zone (``Z``, ``+01:00``: a local day written in UTC may be the day before), stays
    refused with :func:`_date_hint`."""
    t = text.strip()
    if day_first_dots and _DOTTED.fullmatch(t):  # a semicolon file's 05.12.2026 (since 2026-12-07)
        return _dotted_day(t)
    m = _MIDNIGHT.fullmatch(t)
    return _parse_date(m[1] if m else t)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # not calendar.month_name: that follows the process's locale


def _days_in_month(year: int, month: int) -> int:
    nxt = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


def _date_hint(text: str) -> str:
    """How a spreadsheet's date differs from the format, for the date error (never a guess at the
    day: 01/11/2026 is 1 November in Europe and 11 January in the US)."""
    t = text.strip()
    # the right shape but no day of the calendar (the new patient's walk of 2026-12-07: "2026-10-32"
    # was answered "expected an ISO date YYYY-MM-DD", which it is in form, leaving the reader to find
    # out why): say which part is impossible
    if m := re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", t):
        year, month, day = (int(g) for g in m.groups())
        if not 1 <= month <= 12:
            return f" (there is no month {month}: the month comes second, between the hyphens)"
        if year == 0:
            return " (there is no year 0000)"
        last = _days_in_month(year, month)
        if not 1 <= day <= last:
            return f" ({t} is not a day of the calendar: {_MONTHS[month - 1]} {year} has {last} days)"
    if m := re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", t):  # 2026-10-3, as a sheet may write it
        return f" (the month and the day take two digits each: {m[1]}-{int(m[2]):02d}-{int(m[3]):02d})"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?", t):
        return f" without a time ({t[:10]}; a time other than midnight 00:00 is not read as a day)"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})", t):
        return (f" without a time ({t[:10]}?): a time with a time zone may fall on another day where the "
                "diary was kept (a day written at midnight UTC is the evening before in America); write the "
                "day itself, YYYY-MM-DD")
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(,? \d{1,2}:\d{2}(:\d{2})?( ?[AaPp][Mm])?)?", t):
        return (" (a spreadsheet's day/month/year or month/day/year date cannot be told apart: format the date "
                "column as YYYY-MM-DD, e.g. 2025-04-01, before saving the CSV)")
    # the walk of spreadsheet files (2026-12-06): other ways a sheet saves a date, each told what to
    # do and none read (a guess at a month name's language or a serial number's epoch is no day)
    if re.fullmatch(r"\d{4}[/.]\d{1,2}[/.]\d{1,2}", t):
        return " (write the date with hyphens, YYYY-MM-DD: format the date column as YYYY-MM-DD before saving the CSV)"
    if re.fullmatch(r"[1-9]\d{4}(\.\d+)?", t):
        return (" (a spreadsheet's date serial number: the date column is formatted as a number; format it as "
                "a date YYYY-MM-DD before saving the CSV)")
    if re.search(r"[^\W\d_]{3,}", t) and re.search(r"\d", t):
        return (" (a date with a month name: format the date column as YYYY-MM-DD, e.g. 2025-04-01, before "
                "saving the CSV)")
    return ""


class _SeenDays:
    """Which (patient, day) pairs were seen: one byte per day over each patient's date span."""

    def __init__(self) -> None:
        self._spans: dict[str, tuple[int, bytearray]] = {}

    def add(self, patient: str, day: dt.date) -> bool:
        """Record the pair; return False when it was already there."""
        o = day.toordinal()
        span = self._spans.get(patient)
        if span is None:
            self._spans[patient] = (o, bytearray(b"\x01"))
            return True
        base, bits = span
        if o < base:
            bits[0:0] = bytes(base - o)
            base = o
            self._spans[patient] = (base, bits)
        idx = o - base
        if idx >= len(bits):
            bits.extend(bytes(idx - len(bits) + 1))
        if bits[idx]:
            return False
        bits[idx] = 1
        return True


def _open(source: str | os.PathLike[str] | IO[str]) -> tuple[TextIO, str, bool]:
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        if os.path.isdir(name):
            raise DiaryCsvError(name, 0, None, "is a directory, expected a CSV file")
        try:
            binary = open(name, "rb")
        except FileNotFoundError:
            raise DiaryCsvError(name, 0, None, "no such file") from None
        except OSError as exc:
            raise DiaryCsvError(name, 0, None, f"cannot open file: {exc.strerror or exc}") from None
        try:
            # Undecodable bytes become lone surrogates here and are reported by _lines with the
            # exact line; a strict decoder fails on a whole read-ahead chunk (wrong line number).
            # One open, peeked (a pipe, <(cat f), cannot be opened twice): UTF-16 with a BOM is decoded.
            return diary_stream(binary), name, True
        except OSError as exc:  # the peek is the first read: a file that opens but cannot be read
            binary.close()       # (/proc/self/mem, a failing disk) fails on its first line, as before the peek
            raise DiaryCsvError(name, 1, None, f"cannot read the file: {exc.strerror or exc}") from None
    name = getattr(source, "name", "<stdin>")
    return source, str(name), False  # type: ignore[return-value]


#: Byte-order marks of UTF-16 (Excel's "Unicode Text", Excel for Mac's and LibreOffice's "CSV UTF-16"):
#: such a file is decoded as UTF-16 and read like any other (since 2026-12-07; it was refused). A UTF-32
#: mark (FF FE 00 00) is no UTF-16 one: left to the UTF-8 path, which refuses it.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def diary_encoding(head: bytes) -> str:
    """The codec a diary file starting with ``head`` (its first 4 bytes, or all of a shorter file) is
    read with: ``"utf-16"`` after a UTF-16 byte-order mark (LE or BE; the codec reads the mark and drops
    it), else ``"utf-8-sig"`` (UTF-8 with or without its BOM). UTF-16 without a mark is not guessed:
    it is refused by the reader with what to do."""
    if head.startswith(_UTF16_BOMS) and not head.startswith(b"\xff\xfe\x00\x00"):
        return "utf-16"
    return "utf-8-sig"


def _errors_for(encoding: str) -> str:
    # UTF-8: undecodable bytes as lone surrogates, named with their line by _lines. UTF-16: a bad code
    # unit (a lone surrogate, an odd last byte) as U+FFFD, which _lines refuses on its own line.
    return "replace" if encoding == "utf-16" else "surrogateescape"


def diary_stream(binary: IO[bytes]) -> TextIO:
    """A binary stream (a file opened ``"rb"``, ``sys.stdin.buffer``) as the text the diary reader
    reads: UTF-8 (with or without a BOM) or UTF-16 with a BOM, lines as written (``newline=""``).
    The stream is peeked, never read twice, so a pipe works."""
    buffered = binary if hasattr(binary, "peek") else io.BufferedReader(binary)  # type: ignore[arg-type]
    encoding = diary_encoding(buffered.peek(4)[:4])  # type: ignore[union-attr]
    return io.TextIOWrapper(buffered, encoding=encoding, errors=_errors_for(encoding), newline="")  # type: ignore[arg-type]


class _DecodedText(io.StringIO):
    """An uploaded diary decoded in memory; ``encoding`` says which codec it was (for _lines)."""

    encoding = "utf-8-sig"  # type: ignore[assignment]


def diary_text(data: bytes, name: str) -> TextIO:
    """An uploaded diary's bytes (the web's import) as the reader reads a file of them: UTF-8 with or
    without a BOM, or UTF-16 with a BOM (Excel's "Unicode Text"); errors name the file ``name``."""
    encoding = diary_encoding(data[:4])
    source = _DecodedText(data.decode(encoding, errors=_errors_for(encoding)))
    source.encoding = encoding  # type: ignore[misc]
    source.name = name  # type: ignore[misc]
    return source


_NOT_UTF16 = ('not valid UTF-16: the file starts as UTF-16 text (a spreadsheet\'s "Unicode Text"), but this line '
              'holds bytes that are no UTF-16 character (the file may be cut short or damaged); save it again from '
              'the spreadsheet, as "CSV UTF-8 (Comma delimited)" or "Unicode Text"; nothing was imported')


def _not_utf8(line: str) -> str:
    """What is wrong with a line holding lone surrogates (bytes that were not UTF-8)."""
    raw = line.encode("utf-8", "surrogateescape")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = " ".join(f"0x{b:02x}" for b in raw[exc.start : exc.end])
        # a letter of Windows-1252 (Latin-1): Excel's plain "CSV (Comma delimited)" in Western Europe
        # saves "ä" so; name the letter and the encoding (2026-12-07: only the byte was named)
        letter = raw[exc.start : exc.start + 1].decode("cp1252", "replace")
        seen = (f'; it is "{letter}" in Windows-1252 (Latin-1), the encoding a spreadsheet\'s plain "CSV (Comma '
                'delimited)" uses in Western Europe' if letter.isalpha() else "")
        if seen and raw[exc.start] < 0xA0:  # Š, Œ ... in Windows-1252, more likely a letter of Excel for Mac's
            mac = raw[exc.start : exc.start + 1].decode("mac_roman")  # "CSV (Macintosh)": 0x8a is "ä" there
            seen = (f'; it is "{mac}" in Mac Roman, the encoding of a spreadsheet\'s "CSV (Macintosh)", or "{letter}" '
                    "in Windows-1252")
        return f"not valid UTF-8 (byte {bad}: {exc.reason}{seen}); save the file as CSV UTF-8" + (
            ' (in the spreadsheet, save as "CSV UTF-8 (Comma delimited)")' if seen else "")
    return "not valid UTF-8 (lone surrogate); save the file as CSV UTF-8"


def _lines(fh: TextIO, name: str, count: list[int]) -> Iterator[str]:
    """The file's lines for csv.reader, counted in ``count[0]``; a line that is not UTF-8 raises
    :class:`DiaryCsvError` naming that line."""
    n = 0
    it = iter(fh)
    utf16 = getattr(fh, "encoding", None) == "utf-16"
    while True:
        try:
            # the first line is read at most MAX_LINE_CHARS + 1 characters at a time: a header of
            # megabytes is refused without reading it all (the others are checked once read)
            line = fh.readline(MAX_LINE_CHARS + 1) if n == 0 else next(it)
            if n == 0 and not line:
                return
        except StopIteration:
            return
        except UnicodeDecodeError as exc:  # a stream opened by the caller with a strict decoder
            raise DiaryCsvError(name, n + 1, None, f"not valid UTF-8: {exc.reason}") from None
        except OSError as exc:  # the disk or the network share failed mid-file (EIO): was a traceback
            raise DiaryCsvError(name, n + 1, None, f"cannot read the file: {exc.strerror or exc}") from None
        n += 1
        count[0] = n
        if n == 1 and (kind := _binary_kind(line)):
            raise DiaryCsvError(name, 1, None, kind)
        if n == 1 and (line.startswith(("\udcff\udcfe", "\udcfe\udcff", "\xff\xfe", "\xfe\xff"))
                       or line.count("\x00") * 3 >= len(line) > 0):
            # Excel's and LibreOffice's "Unicode text" (UTF-16, tab-separated): every other byte 0
            # the separator seen between the NULs of UTF-16 text: LibreOffice's "Text CSV" can write UTF-16
            # with commas, which the message called "separated by tabs"
            if line.startswith(("\udcff\udcfe\x00\x00", "\x00\x00\udcfe\udcff")):
                raise DiaryCsvError(name, 1, None, _UTF32)
            raise DiaryCsvError(name, 1, None, _UTF16 if "\t" in line or "," not in line else _UTF16_COMMAS)
        if utf16 and "\ufffd" in line:  # decoded with errors="replace": a bad code unit on this line
            raise DiaryCsvError(name, n, None, _NOT_UTF16)
        if not line.isascii():
            try:
                line.encode("utf-8")
            except UnicodeEncodeError:
                raise DiaryCsvError(name, n, None, _not_utf8(line)) from None
        if len(line) > MAX_LINE_CHARS:
            raise DiaryCsvError(name, n, _cell_at(line), f"the line is longer than {MAX_LINE_CHARS:,} characters, "
                                f"the most a diary CSV line may hold (at most {MAX_FACTOR_COLUMNS:,} factor columns "
                                f"and {MAX_COLUMNS:,} cells); nothing was imported")
        if "\r" in line.rstrip("\r\n"):
            # a stream that splits lines on "\n" only (a web upload's text) gives an old Mac file's
            # lines, ended by a lone "\r", as one: split them as a file opened with newline="" does
            yield from _split_lone_cr(line, n, count)
            n = count[0]
            continue
        yield line


# Files that are not text at all, by their first bytes. Until 2026-12-07 an Excel workbook (.xlsx,
# a ZIP) was called "UTF-16 text" or had its binary first line read as a header ("column PK\x03\x04...:
# expected a core column"), and a PDF or a database as a header with an unknown column.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive, as an Excel (.xlsx) or LibreOffice (.ods) workbook is"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls)"),
    (b"%PDF-", "a PDF document"),
    (b"{\\rtf", "a rich-text (RTF) document"),
    (b"\x1f\x8b", "gzip-compressed"),
    (b"SQLite format 3\x00", "a SQLite database"),
)
_SAVE_AS = 'a diary CSV is UTF-8 text separated by commas (in a spreadsheet, save as "CSV UTF-8 (Comma delimited)")'


def _binary_kind(first_line: str) -> str | None:
    """Why the file's first line shows it is not a text CSV, or None. UTF-16 text (NUL bytes between
    the characters) is left to its own message."""
    raw = first_line.encode("utf-8", "surrogateescape")
    for magic, what in _SIGNATURES:
        if raw.startswith(magic):
            return f"this file is {what}, not a CSV; {_SAVE_AS}"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or first_line.count("\x00") * 3 >= len(first_line):
        return None  # UTF-16
    if "\x00" in first_line:  # no text holds a NUL byte (other control characters are named in the column)
        return f"this file is not text (a NUL byte at character {first_line.index(chr(0)) + 1} of line 1), not a CSV; {_SAVE_AS}"
    return None


# UTF-16 with its byte-order mark is read since 2026-12-07 (diary_encoding); without one, which of its
# two byte orders it is and that it is UTF-16 at all would be a guess from its NUL bytes: refused.
_NO_BOM = (" without a byte-order mark (BOM), so its encoding cannot be told for sure; save it again from the "
           'spreadsheet as "Unicode Text" (which writes the mark) or as "CSV UTF-8 (Comma delimited)"')
_UTF16 = 'not valid UTF-8: this file is UTF-16 (separated by tabs)' + _NO_BOM
_UTF16_COMMAS = 'not valid UTF-8: this file is UTF-16 (comma-separated)' + _NO_BOM
_UTF32 = ('not valid UTF-8: this file is UTF-32 text; a diary CSV is UTF-8 or UTF-16 (in the spreadsheet, save as '
          '"CSV UTF-8 (Comma delimited)")')
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


def _split_lone_cr(line: str, n: int, count: list[int]) -> Iterator[str]:
    parts = [p for p in _LONE_CR.split(line) if p]
    for k, part in enumerate(parts):
        count[0] = n + k
        yield part


def _cell_at(line: str) -> str:
    """The column at which an over-long line reaches :data:`MAX_LINE_CHARS` (1-based position)."""
    return f"{line.count(',', 0, MAX_LINE_CHARS) + 1} (at character {MAX_LINE_CHARS:,})"


_HEADER_WORD = re.compile(r"[^a-z0-9.]+")


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "œ": "oe", "å": "aa"})


def _header_hint(col: str) -> str:
    """What a column another app named its own way probably is, for the header error: ``Itch`` ->
    itch, ``Sleep loss`` -> sleep_loss, ``Dairy`` (a chip's label) or ``dairy`` -> food.dairy,
    ``Notes`` -> not part of the format. Only exact matches are named; no guess at a group."""
    if not col.isascii():  # "food.kä": it was "did you mean food.k?" (2026-12-07); spelled in a-z instead
        plain = "".join(c for c in unicodedata.normalize("NFKD", col.lower().translate(_UMLAUTS))
                        if not unicodedata.combining(c))
        if plain != col.lower() and FACTOR_NAME_RE.match(plain):
            return (f"; a factor name takes only the letters a-z, digits and _, no accents or umlauts: "
                    f"write {plain}")
    key = _HEADER_WORD.sub("_", col.lower()).strip("_")
    if key in CORE_COLUMNS or FACTOR_NAME_RE.match(key):
        return f"; did you mean {key}?"
    if key in ("note", "notes", "comment", "comments"):
        return "; notes are not part of the diary CSV format (delete this column)"
    for factor in VOCABULARY.values():
        if key in (_HEADER_WORD.sub("_", factor.label.lower()).strip("_"), factor.name.split(".", 1)[1]):
            return f"; did you mean {factor.name} ({factor.label})?"
    if key and col.isascii() and re.fullmatch(r"[a-z0-9_]+", key):
        return f"; a factor of your own is named with its group: food, env, life, gut or treat (e.g. food.{key} or env.{key})"
    return ""


#: first header cells of the microbiome tables gutskin reads (BIOM/QIIME 2 TSV ``#OTU ID`` and
#: ``Feature ID``, a taxon-per-row CSV's ``Taxon``/``taxonomy``/``genus``, MetaPhlAn's
#: ``clade_name``, Bracken's ``name``; docs/microbiome.md), lower case without ``#``
MICROBIOME_FIRST_COLUMNS = frozenset({"otu id", "otu_id", "feature id", "feature_id", "featureid", "taxon", "taxonomy",
                                      "taxa", "genus", "clade_name"})


def _refuse_microbiome_table(header: list[str], name: str, at: int) -> None:
    """A gut microbiome table chosen on the diary import is named as the other kind of file, with
    where it goes (it read "column Taxon: expected a core column ..." or "separated by tabs", which
    do not say so; the new-user walk, 2026-12-06). The microbiome upload names a diary CSV the same
    way (:func:`gutskin.clinic.microbiome`'s check)."""
    cell = re.split(r"[\t;]", header[0] if header else "", maxsplit=1)[0].strip().strip('"')
    bracken = "taxonomy_id" in "\t".join(header).lower()  # Bracken's name, taxonomy_id, ... ("name" alone may be a diary's)
    if cell.lstrip("#").strip().lower() in MICROBIOME_FIRST_COLUMNS or bracken:
        raise DiaryCsvError(name, at, cell[:24],
                            "this is a gut microbiome table, not a diary CSV (a diary's header starts patient,date); "
                            "upload it on the Gut microbiome page, or read it with `gutskin microbiome report`; "
                            "nothing was imported")


def _check_header(header: list[str], name: str, at: int = 1) -> list[str]:
    header = [h.strip() for h in header]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    lowered = {h.lower() for h in header}
    if not {"patient", "date"} <= lowered:
        _refuse_microbiome_table(header, name, at)
        # Excel in a locale with a decimal comma (German, French ...) separates by semicolons, and
        # "Unicode text" by tabs: the comma-split header is one cell (or a few, when a name holds a
        # comma), whatever the case of its names ("Patient;Datum" named no separator before 2026-12-06)
        joined = ",".join(header)
        for sep, what in ((";", "semicolons"), ("\t", "tabs")):
            if joined.count(sep) >= 1 and joined.count(sep) >= len(header):
                raise DiaryCsvError(
                    name,
                    at,
                    None,
                    f"the header is separated by {what}, not commas; a diary CSV is comma-separated "
                    '(in a spreadsheet, save as "CSV UTF-8 (Comma delimited)")',
                )
    if len(header) > MAX_COLUMNS:
        raise DiaryCsvError(name, at, f"{MAX_COLUMNS + 1} (of {len(header):,})",
                            f"more than {MAX_COLUMNS:,} columns, the most a spreadsheet holds; nothing was imported")
    seen: set[str] = set()
    factors = 0
    for i, col in enumerate(header):
        if col == "":
            continue  # a column with no name: allowed while it is empty in every row (iter_diary_csv_lines)
        if col in seen:
            raise DiaryCsvError(name, at, col, "duplicate column in the header")
        seen.add(col)
        if col not in CORE_COLUMNS:
            factors += 1
            if factors > MAX_FACTOR_COLUMNS:
                raise DiaryCsvError(name, at, f"{i + 1} ({col})", f"more than {MAX_FACTOR_COLUMNS:,} factor columns; "
                                    "a diary file holds at most that many (split it by factor); nothing was imported")
        if col not in CORE_COLUMNS and not FACTOR_NAME_RE.match(col):
            raise DiaryCsvError(
                name,
                at,
                col,
                "expected a core column (patient, date, itch, sleep_loss, poscorad, poem, flare) "
                "or a factor named group.name in lower case [a-z0-9_]" + _header_hint(col),
            )
        if col not in CORE_COLUMNS and len(col) > MAX_FACTOR_NAME:  # was a ValueError of the store, no line
            raise DiaryCsvError(name, at, col[:24] + "…", f"a factor name has at most {MAX_FACTOR_NAME} "
                                f"characters, this one {len(col)}")
    for req in REQUIRED_COLUMNS:
        if req not in seen:
            raise DiaryCsvError(name, at, req, "required column is missing from the header")
    return header


def iter_diary_csv(source: str | os.PathLike[str] | IO[str]) -> Iterator[DiaryRow]:
    """Yield validated rows of a diary CSV; raise :class:`DiaryCsvError` at the first bad cell.

    Callers that store rows must treat the whole file as one transaction: the error may
    come after many good rows.
    """
    for _line, row in iter_diary_csv_lines(source):
        yield row


def iter_diary_csv_lines(
    source: str | os.PathLike[str] | IO[str], *, factor_columns: list[str] | None = None
) -> Iterator[tuple[int, DiaryRow]]:
    """Like :func:`iter_diary_csv`, with each row's line number in the file (its last line
    when a quoted cell spans several), for errors found later (e.g. a day already stored).

    ``factor_columns``, when given, receives the header's factor columns in file order once
    the header is read (a column may be blank in every row and so appear in no row's
    ``factors``)."""
    fh, name, owned = _open(source)
    try:
        count = [0]
        lines = _lines(fh, name, count)
        # Excel where the decimal separator is a comma (German, French, ...) saves every CSV with
        # semicolons and "3,5", and no setting of Excel saves it otherwise: since 2026-12-07 a file whose
        # header is separated by semicolons is read with ';' and its numbers with a decimal comma
        # (_parse_row); it was refused. Seen on the first line that is not blank.
        ahead: list[str] = []
        for raw_line in lines:
            ahead.append(raw_line)
            if not re.fullmatch(r'[\s,;"\ufeff]*', raw_line):
                break
        # "sep=;" (sep=, or sep=<tab>) as the first line: programs exporting "for Excel" write it, and Excel
        # takes it as the separator, not as a row. Read so since 2026-12-07 (it was the header: "column
        # sep=: expected a core column"); the separator it names is the file's, no guess.
        sep_line = _SEP_LINE.fullmatch(ahead[-1].lstrip("\ufeff")) if ahead else None
        delimiter = sep_line[1] if sep_line else _delimiter(ahead[-1]) if ahead else ","
        decimal_comma = delimiter == ";"
        reader = csv.reader(itertools.chain(ahead, lines), delimiter=delimiter, strict=True)
        try:
            header_row = next(reader)
            # empty rows above the header (a sheet whose table starts lower down saves them as ",,,"):
            # skipped like blank rows between data rows; "patient missing from the header" on line 1
            # until 2026-12-06. Lines keep their physical numbers.
            while not any(c.strip().strip(",;") for c in header_row):  # ",," above a ';' header too
                header_row = next(reader)
            if sep_line:  # the sep= row, then blank rows again
                header_row = next(reader)
                while not any(c.strip().strip(",;") for c in header_row):
                    header_row = next(reader)
        except StopIteration:
            raise DiaryCsvError(name, 1, None, "the file is empty; expected a header row") from None
        except csv.Error as exc:
            raise DiaryCsvError(name, count[0] or 1, None, f"not valid CSV: {exc}") from None
        header_line = reader.line_num
        header = _check_header(header_row, name, header_line)
        # columns with no name in the header, as spreadsheets save the empty columns of their used
        # range (",,," after the last name): allowed when empty in every row; a value under one is an error
        header_width = len(header)
        while header and header[-1] == "":
            header.pop()
        width = len(header)
        nameless = [i for i, c in enumerate(header) if c == ""]
        factor_cols = [(i, c) for i, c in enumerate(header) if c and c not in CORE_COLUMNS]
        if factor_columns is not None:
            factor_columns.extend(c for _, c in factor_cols)
        idx = {c: i for i, c in enumerate(header) if c in CORE_COLUMNS}
        seen = _SeenDays()
        # a tab file (Excel's "Unicode Text" writes numbers as the sheet shows them: 12,5 in Germany) takes
        # the decimal separator of its first number with one; since 2026-12-07 (it kept the point rule)
        tab = _TabDecimals(name, sorted([*((i, c) for c, i in idx.items() if c == "poscorad"), *factor_cols])) \
            if delimiter == "\t" else None
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise DiaryCsvError(name, count[0], None, f"malformed CSV (RFC 4180 quoting): {exc}") from None
            line = reader.line_num
            if len(cells) > MAX_COLUMNS:
                raise DiaryCsvError(name, line, f"{MAX_COLUMNS + 1} (no header)", f"more than {MAX_COLUMNS:,} cells "
                                    f"in a row, the most a spreadsheet holds; nothing was imported")
            if not cells or (not cells[0].strip() and not any(c.strip() for c in cells)):
                continue  # a blank line, or a row of empty cells (",,," as spreadsheets write)
            if len(cells) < width:  # name the first column the row does not reach
                raise DiaryCsvError(name, line, _column_name(header, len(cells)),
                                    f"the row ends before this column: expected {header_width} cells as in the header, got {len(cells)}")
            if len(cells) > width:
                extra = next((i for i in range(width, len(cells)) if cells[i].strip()), None)
                if extra is not None and extra < header_width:
                    raise DiaryCsvError(name, line, f"{extra + 1} (no header)", _NAMELESS.format(
                        n=extra + 1, got=cells[extra].strip()))
                if extra is not None or len(cells) > header_width:
                    # cells under the header's nameless trailing columns are spreadsheet leftovers (a sheet
                    # saves every row as wide as its used range, the header too); a row wider than its
                    # header is not: "p1,2026-12-06,3,3,5," (a decimal comma, unquoted) read poscorad 3 and
                    # the next column 5 silently until 2026-12-06, its last cell being empty
                    at = extra if extra is not None else header_width
                    raise DiaryCsvError(name, line, f"{at + 1} (no header)",
                                        f"expected {header_width} cells as in the header, got {len(cells)}"
                                        + ("" if extra is not None or delimiter != "," else _WIDER))
                cells = cells[:width]
            for i in nameless:
                if cells[i].strip():
                    raise DiaryCsvError(name, line, f"{i + 1} (no header)", _NAMELESS.format(n=i + 1, got=cells[i].strip()))
            yield line, _parse_row(cells, idx, factor_cols, name, line, seen, decimal_comma, tab)
    finally:
        if owned:
            fh.close()


_WIDER = (" (a number written with a decimal comma and no quotes, 3,5, is two cells: write 3.5; "
          "or delete the cells beyond the header)")
_NAMELESS = ('expected an empty cell: header cell {n} is empty, so this column has no name '
             '(name it or delete the column), got "{got}"')


_SEP_LINE = re.compile(r"sep=([,;\t])\r?\n?", re.I)


def _has_core(cells: list[str]) -> bool:
    return {"patient", "date"} <= {c.strip().lstrip("\ufeff").lower() for c in cells}


def _delimiter(first_line: str) -> str:
    """The separator of a file whose header is ``first_line``: ',' (the format's), ';' (Excel where the
    decimal separator is a comma, read with decimal commas) or a tab (Excel's "Unicode Text", a TSV of
    Google Sheets or Numbers; since 2026-12-07, with the decimal separator of its first number:
    :class:`_TabDecimals`). The one whose
    cells hold patient and date; failing that (names in another language, "Patient;Datum"), semicolons
    or tabs that outnumber the comma-separated cells, so the header's error names its columns."""
    cells = next(csv.reader([first_line]), [])
    if _has_core(cells):
        return ","
    for sep in (";", "\t"):
        if _has_core(next(csv.reader([first_line], delimiter=sep), [])):
            return sep
    if _semicolons(cells):
        return ";"
    if ",".join(cells).count("\t") >= max(1, len(cells)):
        return "\t"
    return ","


def _semicolons(header_row: list[str]) -> bool:
    """The header (read with commas) is separated by semicolons: more ';' than cells, no patient and
    date among the comma-separated cells."""
    joined = ",".join(header_row)
    lowered = {h.strip().lstrip("\ufeff").lower() for h in header_row}
    return not {"patient", "date"} <= lowered and joined.count(";") >= max(1, len(header_row))


def _column_name(header: list[str], i: int) -> str:
    """Column ``i`` (0-based) for a message: its name, or its position when the header leaves it unnamed."""
    return header[i] or f"{i + 1} (no header)"


_COMMA_NUMBER = re.compile(r"[+-]?[0-9]*,[0-9]+|[+-]?[0-9]{1,3}(?:[.,' \u00a0\u202f][0-9]{3})+(?:[.,][0-9]+)?")


_DECIMAL_COMMA = re.compile(r"[+-]?(?:[0-9]+,?[0-9]*|,[0-9]+)(?:[eE][+-]?[0-9]+)?")
_POINT_IN_SEMICOLONS = (" with a decimal comma (3,5) and no thousands separator: this file is separated by "
                        "semicolons, as a spreadsheet saves it where the decimal separator is a comma, so a point "
                        "cannot be read (1.200 is 1200 in a German or French sheet and 1.2 elsewhere): write 1,2 or "
                        "1200")

_POINT_IN_TABS = (" with a decimal comma (3,5) and no thousands separator: this tab-separated file writes its numbers "
                  "with a decimal comma, so a point cannot be read (1.200 is 1200 in a German or French sheet and 1.2 "
                  "elsewhere): write 1,2 or 1200")


def _comma_number(text: str) -> float | None:
    """A number of a semicolon-separated file: a decimal comma (3,5), never a point or a thousands
    separator (those are refused by :func:`_number_hint`)."""
    t = text.strip()
    return _number(t.replace(",", ".")) if _DECIMAL_COMMA.fullmatch(t) else None


def _number_hint(raw: str, decimal_comma: bool = False) -> str:
    """For a number written with a comma (a decimal comma, ``3,5``, or a thousands separator,
    ``1,200``; a spreadsheet in a German or French locale writes such cells quoted): what to do.
    Never a guess at which it is."""
    if raw.upper() in ("TRUE", "FALSE", "WAHR", "FALSCH", "VRAI", "FAUX", "YES", "NO"):
        return " (a checkbox or yes/no cell saved as a word: write 1 for yes and 0 for no)"
    if raw.upper() in ("NA", "N/A", "#N/A", "NAN", "NULL", "NONE", "-", "--", "?"):
        # R's write.csv writes NA for a missing value, a spreadsheet #N/A for a failed lookup
        return (" or a blank cell (a missing value is a blank cell, never a word: in R, write.csv(..., na = \"\"); "
                "in a spreadsheet, delete the cell's content)")
    if decimal_comma and _DECIMAL_COMMA.fullmatch(raw):
        return ""  # 3,5 read as 3.5: not an integer, or out of range
    if decimal_comma and re.search(r"[.' \u00a0\u202f]", raw) and re.fullmatch(r"[+-]?[0-9.,' \u00a0\u202f]+", raw):
        return _POINT_IN_SEMICOLONS
    if re.search(r"[,' \u00a0\u202f]", raw) and _COMMA_NUMBER.fullmatch(raw):
        return (" with a point as the decimal separator and no thousands separator (3.5, 1200; a comma or a space in "
                "a number is a decimal or a thousands separator, which cannot be told apart: in the spreadsheet, format the "
                "column as a number with a point, or set the decimal separator to a point, then save the CSV again)")
    return ""


_THOUSANDS_SHAPE = re.compile(r"[+-]?[0-9]{1,3},[0-9]{3}")


def _decimal_separator(text: str, decided: str | None) -> str | None:
    """The decimal separator a tab file's number cell shows: "," (12,5), "." (12.5) or None (12, a
    blank, a word). Until the file has decided, 1,200 shows none: it is 1.2 with a decimal comma or
    1200 with a thousands comma (left to the point rule, which refuses it saying so)."""
    if "," in text and _DECIMAL_COMMA.fullmatch(text):
        return None if decided is None and _THOUSANDS_SHAPE.fullmatch(text) else ","
    if "." in text and _NUMBER_RE.fullmatch(text):
        return "."
    return None


class _TabDecimals:
    """The decimal separator of a tab-separated file, decided by its first number that has one (in
    file order: line, then column); a later number with the other is refused naming both."""

    def __init__(self, name: str, number_cols: list[tuple[int, str]]) -> None:
        self.name = name
        self.cols = number_cols  # poscorad and the factors, by position in the row
        self.sep: str | None = None
        self.first: tuple[int, str, str] | None = None

    def see(self, cells: list[str], line: int) -> None:
        for i, col in self.cols:
            raw = cells[i].strip()
            sep = _decimal_separator(raw, self.sep)
            if sep is None:
                continue
            if self.sep is None:
                self.sep, self.first = sep, (line, col, raw)
            elif sep != self.sep:
                at, first_col, first_raw = self.first  # type: ignore[misc]
                kind = "comma (3,5)" if self.sep == "," else "point (3.5)"
                raise DiaryCsvError(self.name, line, col, (
                    f"expected a number with a decimal {kind} as the file's first number with one, {first_raw} on "
                    f"line {at}, column {first_col}: a tab-separated file is read with the decimal separator of its "
                    "first number, and this one has the other; write every number of the file one way (in the "
                    f'spreadsheet, one number format for every column), got "{raw}"'))


def _parse_row(
    cells: list[str],
    idx: dict[str, int],
    factor_cols: list[tuple[int, str]],
    name: str,
    line: int,
    seen: _SeenDays,
    decimal_comma: bool = False,
    tab: _TabDecimals | None = None,
) -> DiaryRow:
    dots = decimal_comma or tab is not None  # day.month.year: a semicolon or a tab file (05.12.2026)
    if tab is not None:
        tab.see(cells, line)
        decimal_comma = tab.sep == ","
    number = _comma_number if decimal_comma else _number

    def hint(raw: str) -> str:
        said = _number_hint(raw, decimal_comma)
        return _POINT_IN_TABS if tab is not None and said == _POINT_IN_SEMICOLONS else said

    def cell(col: str) -> str:
        i = idx.get(col)
        return "" if i is None else cells[i].strip()

    patient = canonical_identifier(cell("patient"))
    if not patient:
        raise DiaryCsvError(name, line, "patient", "expected a patient identifier, got an empty cell")
    problem = identifier_problem(patient)
    if problem:
        raise DiaryCsvError(name, line, "patient", problem)
    raw_date = cell("date")
    day = _cell_date(raw_date, day_first_dots=dots)
    if day is None:
        if dots and _DOTTED.fullmatch(raw_date):
            raise DiaryCsvError(name, line, "date", f'expected a day of the calendar, day.month.year in this file '
                                f'(or YYYY-MM-DD), got "{raw_date}"')
        if dots and re.fullmatch(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2}", raw_date):
            raise DiaryCsvError(name, line, "date", "expected a date with a four-digit year, day.month.year in this "
                                f'file (05.12.2026) or YYYY-MM-DD: format the date column so, got "{raw_date}"')
        raise DiaryCsvError(name, line, "date", f'expected an ISO date YYYY-MM-DD{_date_hint(raw_date)}, got "{raw_date}"')
    if not seen.add(patient, day):
        raise DiaryCsvError(name, line, "date", f"duplicate row for patient {patient} on {day.isoformat()}")

    def bounded_int(col: str, lo: int, hi: int, what: str) -> int | None:
        raw = cell(col)
        if raw == "":
            return None
        value = _int_in(raw, lo, hi)
        if value is None:
            raise DiaryCsvError(name, line, col, f'expected {what}{hint(raw)}, got "{raw}"')
        return value

    itch = bounded_int("itch", 0, 10, "an integer 0-10")
    sleep = bounded_int("sleep_loss", 0, 10, "an integer 0-10")
    poem = bounded_int("poem", 0, 28, "an integer 0-28")
    flare = bounded_int("flare", 0, 1, "0 or 1")
    poscorad: float | None = None
    raw = cell("poscorad")
    if raw:
        poscorad = number(raw)
        if poscorad is None or not 0 <= poscorad <= 103:
            raise DiaryCsvError(name, line, "poscorad",
                                f'expected a number 0-103{hint(raw)}, got "{raw}"')
    factors: dict[str, float] = {}
    for i, col in factor_cols:
        raw = cells[i].strip()
        if raw == "":
            continue
        value = number(raw)
        if value is None:
            raise DiaryCsvError(name, line, col, f'expected a number{hint(raw)}, got "{raw}"')
        known = VOCABULARY.get(col)
        if known is not None and (problem := out_of_range(known, value)):
            raise DiaryCsvError(name, line, col, f'{problem} ({known.label}), got "{raw}"')
        factors[col] = value
    return DiaryRow(patient, day, itch, sleep, poscorad, poem, flare, factors)


def format_number(value: float | int | None) -> str:
    """Shortest text that reads back to the same value; integers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def header_for(factor_names: Iterable[str]) -> list[str]:
    """The export header: core columns, then factors in the given order."""
    return [*CORE_COLUMNS, *factor_names]


def write_diary_csv(rows: Iterable[DiaryRow], out: TextIO, factor_names: Sequence[str] | None = None) -> int:
    """Write rows in the interchange format; return the number of data rows written.

    ``factor_names`` fixes the factor columns and their order; when omitted the rows are
    read into memory once to collect the names, sorted alphabetically. Rows are written in
    the order given (exports sort by patient, then date). Identifiers are written in composed
    Unicode (NFC), the form the reader gives back.
    """
    if factor_names is None:
        rows = list(rows)
        factor_names = sorted({k for r in rows for k in r.factors})
    for f in factor_names:
        if not FACTOR_NAME_RE.match(f):
            raise ValueError(f"factor name {f!r}: expected group.name in lower case [a-z0-9_]")
    header = header_for(factor_names)
    if len(set(header)) != len(header):
        raise ValueError("factor_names: a name is given twice or is a core column")
    writer = csv.writer(out, lineterminator="\n")
    # csv quotes a cell holding the line terminator "\n" but not a lone "\r", which a reader
    # then refuses ("new-line character seen in unquoted field"): such a row is fully quoted
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    check = _RowCheck(factor_names)
    n = 0
    for r in rows:
        n += 1
        if isinstance(r.patient, str) and not unicodedata.is_normalized("NFC", r.patient):
            # the reader composes identifiers (canonical_identifier): write what it will read, so
            # an identifier stored decomposed before 2026-12-06 still exports
            r = replace(r, patient=unicodedata.normalize("NFC", r.patient))
        cells = [
            r.patient,
            r.date.isoformat(),
            format_number(r.itch),
            format_number(r.sleep_loss),
            format_number(r.poscorad),
            format_number(r.poem),
            format_number(r.flare),
            *(format_number(r.factors.get(f)) for f in factor_names),
        ]
        check(r, cells, n)
        (quoted if "\r" in r.patient else writer).writerow(cells)
    return n


class _RowCheck:
    """What the writer refuses: any row that its own reader would refuse or read back differently.

    Each row's cells are read back with the reader's rules (so the two can never disagree):
    an identifier the format does not allow (empty, over 64 characters, a formula start,
    blanks around it that a reader strips), a value out of its range or not finite, a factor
    not among the written columns (it would be dropped silently) and a second row for the
    same patient and day all raise ``ValueError`` naming the row (1-based) and the field.
    """

    def __init__(self, factor_names: Sequence[str]) -> None:
        self.names = set(factor_names)
        self.idx = {c: i for i, c in enumerate(CORE_COLUMNS)}
        self.factor_cols = [(len(CORE_COLUMNS) + j, f) for j, f in enumerate(factor_names)]
        self.seen = _SeenDays()

    def __call__(self, row: DiaryRow, cells: list[str], n: int) -> None:
        where = f"row {n} (patient {_shown(str(row.patient))!r}, {row.date.isoformat()})"
        extra = sorted(set(row.factors) - self.names)
        if extra:
            raise ValueError(f"{where}: factor {extra[0]}: not among the factor columns written; it would be lost")
        if not isinstance(row.patient, str):
            raise ValueError(f"{where}: patient: expected text, got {type(row.patient).__name__}")
        try:
            back = _parse_row(cells, self.idx, self.factor_cols, "", n, self.seen)
        except DiaryCsvError as exc:
            raise ValueError(f"{where}: {exc.column}: {exc.message}") from None
        if back.patient != row.patient:
            raise ValueError(f"{where}: patient: blanks around the identifier would be lost on reading")


def diary_csv_text(rows: Iterable[DiaryRow], factor_names: Sequence[str] | None = None) -> str:
    """The CSV as a string (for small exports and tests)."""
    buf = io.StringIO()
    write_diary_csv(rows, buf, factor_names)
    return buf.getvalue()


def read_diary_frame(source: str | os.PathLike[str] | IO[str]):  # -> pandas.DataFrame
    """Validated diary as a pandas DataFrame, one row per patient-day, sorted by patient and date.

    Columns: patient (str), date (datetime64), itch, sleep_loss, poscorad, poem, flare and one
    float column per factor column of the header, in header order (a factor blank in every row
    is an all-NaN column: it was asked and never answered); NaN marks a missing value.
    """
    import array

    import numpy as np
    import pandas as pd

    # Column by column, never a dict per row: 900,000 rows (5,000 patients x 180 days) peaked at
    # 0.9 GB as a list of dicts for a 130 MB frame until 2026-12-07; now one float array per
    # numeric column, one shared string per patient and one date object per row.
    nan = float("nan")
    factor_names: list[str] = []
    patients: list[str] = []
    shared: dict[str, str] = {}
    dates: list[dt.date] = []
    numeric = ("itch", "sleep_loss", "poscorad", "poem", "flare")
    core = {c: array.array("d") for c in numeric}
    factors: dict[str, array.array] | None = None
    for _line, r in iter_diary_csv_lines(source, factor_columns=factor_names):
        if factors is None:
            factors = {f: array.array("d") for f in factor_names}
        patients.append(shared.setdefault(r.patient, r.patient))
        dates.append(r.date)
        for c, v in (("itch", r.itch), ("sleep_loss", r.sleep_loss), ("poscorad", r.poscorad),
                     ("poem", r.poem), ("flare", r.flare)):
            core[c].append(nan if v is None else v)
        got = r.factors
        for f, arr in factors.items():
            arr.append(got.get(f, nan))
    if factors is None:
        factors = {f: array.array("d") for f in factor_names}
    data: dict[str, object] = {
        "patient": pd.Series(patients, dtype=object).astype(str),
        "date": pd.to_datetime(pd.Series(dates, dtype=object)),
    }
    for c in numeric:
        data[c] = np.frombuffer(core.pop(c), dtype=float) if len(dates) else np.empty(0, dtype=float)
    for f in factor_names:
        arr = factors.pop(f)
        data[f] = np.frombuffer(arr, dtype=float) if len(dates) else np.empty(0, dtype=float)
    del patients, dates
    frame = pd.DataFrame(data, columns=[*CORE_COLUMNS, *factor_names])
    return frame.sort_values(["patient", "date"], kind="stable").reset_index(drop=True)
