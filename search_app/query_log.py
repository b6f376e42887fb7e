"""What people look for and do not find: search counts per normalised query
and day, for the editors' overview at /beheer/zoekvragen.

Private by construction:

- nothing about the visitor is stored: no address, user agent, cookie or
  time of day; only ``(day, kind, query) -> counts``;
- a query is normalised first (case, accents kept, spaces and punctuation at
  the ends folded) and is never stored when it holds an e-mail address, a
  phone number, a postcode with a house number or another long number
  (a citizen service number);
- the overview and the CSV export show a query only once it was searched at
  least ``MIN_SEARCHES`` times in the retention window;
- rows older than the retention window (``EXPERTISEBANK_QUERY_LOG_DAYS``,
  180 by default) are deleted.

SQLite in WAL mode, one upsert per search: safe with several gunicorn
workers. A failure to count never fails a search.

>>> normalise_query("  Mogen  we SO- en sbo-leerlingen mengen?? ")
'mogen we so- en sbo-leerlingen mengen'
>>> normalise_query("mail jan@example.nl over TOS") is None
True
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import logging
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

KINDS = ("zoeken", "vraagbaak")
MIN_SEARCHES = 3
DEFAULT_RETENTION_DAYS = 180
MAX_QUERY_CHARS = 200

_EMAIL = re.compile(r"\S+@\S+\.\w{2,}")
# a postcode followed by a house number: "3511 AB 12", "3511ab12"
_ADDRESS = re.compile(r"\b[1-9]\d{3}\s?[a-z]{2}\b\W{0,3}\d{1,5}", re.IGNORECASE)
# a number of nine digits or more, however written: a phone number ("06-12345678",
# "030 - 123 45 67", "+31 6 12345678"), a citizen service number, an account number
_NUMBER_RUN = re.compile(r"\+?\d(?:[\s().-]{0,3}\d)+")
LONG_NUMBER_DIGITS = 9


def _long_number(text: str) -> bool:
    return any(sum(c.isdigit() for c in m.group()) >= LONG_NUMBER_DIGITS for m in _NUMBER_RUN.finditer(text))


def personal_data(text: str) -> bool:
    """Whether ``text`` holds something that may identify a person.

    >>> personal_data("ouder 06-12345678"), personal_data("3511 AB 12"), personal_data("wet 2014")
    (True, True, False)
    """
    return bool(_EMAIL.search(text) or _ADDRESS.search(text)) or _long_number(text)


def normalise_query(text: str) -> str | None:
    """The query as it is counted, or None when it must not be stored."""
    text = unicodedata.normalize("NFKC", text or "")
    if personal_data(text):
        return None
    text = " ".join(text.lower().split())
    text = text.strip(" .,;:!?¿¡\"'()[]{}")
    if not text or len(text) > MAX_QUERY_CHARS:
        return None
    return text


@dataclass(frozen=True)
class QueryCount:
    query: str
    kind: str
    searches: int
    zero_results: int
    opened: int
    unanswered: int
    last_day: str


_SCHEMA = """
CREATE TABLE IF NOT EXISTS query_counts (
    day TEXT NOT NULL,           -- YYYY-MM-DD, no time of day
    kind TEXT NOT NULL,          -- 'zoeken' or 'vraagbaak'
    query TEXT NOT NULL,         -- normalised, see normalise_query
    searches INTEGER NOT NULL DEFAULT 0,
    zero_results INTEGER NOT NULL DEFAULT 0,
    opened INTEGER NOT NULL DEFAULT 0,
    unanswered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, kind, query)
) WITHOUT ROWID
"""


class QueryLog:
    """Counts per (day, kind, normalised query) in one SQLite file."""

    def __init__(self, path: str | Path, retention_days: int = DEFAULT_RETENTION_DAYS):
        self.path = Path(path)
        self.retention_days = retention_days
        self._pruned_on: str | None = None

    @contextlib.contextmanager
    def _transaction(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=2)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            with db:  # commits, or rolls back on an error
                yield db
        finally:
            db.close()

    @staticmethod
    def _today() -> dt.date:
        return dt.date.today()

    def _add(self, kind: str, query: str, **counts: int) -> bool:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        normalised = normalise_query(query)
        if normalised is None:
            return False
        columns = ", ".join(counts)
        updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in counts)
        try:
            with self._transaction() as db:
                db.execute(
                    f"INSERT INTO query_counts (day, kind, query, {columns}) "
                    f"VALUES (?, ?, ?, {', '.join('?' * len(counts))})"
                    f" ON CONFLICT (day, kind, query) DO UPDATE SET {updates}",
                    (self._today().isoformat(), kind, normalised, *counts.values()),
                )
                self._prune(db)
        except (sqlite3.Error, OSError) as exc:  # counting is never worth a failed search
            log.warning("zoekvraag niet geteld: %s", exc)
            return False
        return True

    def searched(self, kind: str, query: str, *, results: int, answered: bool = True) -> bool:
        """Count one search (the first results page only). False when not stored."""
        return self._add(
            kind,
            query,
            searches=1,
            zero_results=int(results == 0),
            unanswered=int(kind == "vraagbaak" and not answered),
        )

    def opened(self, kind: str, query: str) -> bool:
        """Count a visitor opening one of the results of ``query``."""
        return self._add(kind, query, opened=1)

    def _prune(self, db: sqlite3.Connection) -> None:
        today = self._today().isoformat()
        if self._pruned_on == today:
            return
        oldest = (self._today() - dt.timedelta(days=self.retention_days)).isoformat()
        db.execute("DELETE FROM query_counts WHERE day <= ?", (oldest,))
        self._pruned_on = today

    def overview(self, min_searches: int = MIN_SEARCHES) -> list[QueryCount]:
        """Every query searched at least ``min_searches`` times within the
        retention window, most searched first."""
        if not self.path.exists():
            return []
        oldest = (self._today() - dt.timedelta(days=self.retention_days)).isoformat()
        try:
            with self._transaction() as db:
                self._prune(db)
                rows = db.execute(
                    "SELECT query, kind, SUM(searches), SUM(zero_results), SUM(opened), SUM(unanswered), MAX(day)"
                    " FROM query_counts WHERE day > ? GROUP BY kind, query HAVING SUM(searches) >= ?"
                    " ORDER BY SUM(searches) DESC, query",
                    (oldest, max(min_searches, MIN_SEARCHES)),
                ).fetchall()
        except (sqlite3.Error, OSError) as exc:
            log.warning("zoekvragen niet gelezen: %s", exc)
            return []
        return [QueryCount(*row) for row in rows]


def report(counts: list[QueryCount], limit: int = 50) -> dict[str, list[QueryCount]]:
    """The four lists of the overview."""
    searches = [c for c in counts if c.kind == "zoeken"]
    questions = [c for c in counts if c.kind == "vraagbaak"]
    return {
        "meest_gezocht": counts[:limit],
        "zonder_resultaten": [c for c in searches if c.zero_results == c.searches][:limit],
        "niets_geopend": [c for c in searches if c.zero_results < c.searches and c.opened == 0][:limit],
        "geen_antwoord": [c for c in questions if c.unanswered > 0][:limit],
    }


CSV_COLUMNS = ("zoekvraag", "soort", "aantal", "zonder_resultaten", "geopend", "zonder_antwoord", "laatste_dag")


def as_csv(counts: list[QueryCount]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for c in counts:
        # a query that starts like a formula stays text in a spreadsheet
        query = "'" + c.query if c.query[:1] in "=+-@" else c.query
        writer.writerow((query, c.kind, c.searches, c.zero_results, c.opened, c.unanswered, c.last_day))
    return out.getvalue()
