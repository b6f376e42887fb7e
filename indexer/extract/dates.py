"""Dates as documents write them, to ISO ``YYYY-MM-DD``."""

from __future__ import annotations

import re
from datetime import date

DUTCH_MONTHS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "feb": 2,
    "maart": 3,
    "mrt": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "augustus": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}

_ISO_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")
_PDF_RE = re.compile(r"^\s*(?:D:)?(\d{4})(\d{2})?(\d{2})?")
_DMY_RE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")
_WORDS_RE = re.compile(r"\b(?:(\d{1,2})\s+)?([a-z]{3,9})\.?\s+(\d{4})\b", re.IGNORECASE)


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(text: str | None) -> str | None:
    """``2021-12-15T10:00+01:00``, ``D:20230301120000``, ``15-12-2021``,
    ``15 december 2021`` and ``december 2023`` (first of the month)."""
    if not text:
        return None
    text = str(text).strip()
    m = _ISO_RE.match(text)
    if m:
        return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    m = _PDF_RE.match(text)
    if m and (text.startswith("D:") or text[:8].isdigit()):
        return _valid(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    m = _DMY_RE.search(text)
    if m:
        return _valid(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    for m in _WORDS_RE.finditer(text):
        month = DUTCH_MONTHS.get(m.group(2).lower())
        if month:
            return _valid(int(m.group(3)), month, int(m.group(1) or 1))
    return None
