"""The data that flows through the pipeline, one type per stage.

source file (:class:`SourceFile`) -> extracted text (:class:`ExtractedDocument`
of :class:`Block` s) -> :class:`Passage` s -> index -> :class:`Hit` s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HEADING, PARAGRAPH = "heading", "paragraph"

DOCUMENT_TYPES = ("publicatie", "praktijkvoorbeeld", "verslag", "faq", "nieuws")
SECTORS = ("po", "vo", "so")


class ExtractionError(Exception):
    """A source file that cannot be read; ``reason`` is shown to editors (Dutch)."""

    def __init__(self, reason: str, *, cacheable: bool = True):
        super().__init__(reason)
        self.reason = reason
        # False when another run could succeed with the same bytes: a limit
        # that a setting raises, a shortage of memory, a timeout
        self.cacheable = cacheable

    def __reduce__(self):
        return _extraction_error, (self.reason, self.cacheable)


def _extraction_error(reason: str, cacheable: bool) -> ExtractionError:
    return ExtractionError(reason, cacheable=cacheable)


@dataclass(frozen=True)
class SourceFile:
    """A file in the source folder, with what decides whether to re-index it."""

    path: str  # relative to the source folder, with forward slashes
    abs_path: str
    format: str  # "pdf" | "html"
    content_hash: str  # sha256 of the file's bytes
    catalogue: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    catalogue_hash: str = ""  # hash of its catalogue entry: a changed entry re-indexes
    # (size, mtime_ns, ctime_ns, inode) when the hash was taken; None: changed
    # too recently to be trusted (see indexer.sources.file_signature)
    signature: tuple[int, int, int, int] | None = field(default=None, compare=False)

    @property
    def state(self) -> str:
        return f"{self.content_hash}:{self.catalogue_hash}"


@dataclass
class Block:
    """A heading or a paragraph of extracted text, in reading order."""

    kind: str  # HEADING | PARAGRAPH
    text: str
    level: int = 0  # 1..6 for headings
    page: int | None = None  # 1-based page of a PDF, None for HTML


@dataclass
class ExtractedDocument:
    """The readable content of one source file and what the file says about itself."""

    source: str
    format: str
    title: str
    blocks: list[Block]
    date: str | None = None  # ISO date (YYYY-MM-DD) when known
    author: str | None = None
    description: str | None = None
    language: str | None = None
    page_count: int | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Passage:
    """A retrievable unit: some 50-250 words under one heading path."""

    doc_id: str
    number: int
    text: str
    heading_path: list[str]
    page: int | None = None
    is_question: bool = False
    # sections joined into this passage (passage_splitter.join_short_sections):
    # (character offset in ``text``, their headings below ``heading_path``)
    sections: list[tuple[int, str]] = field(default_factory=list)
    # the date its section states ("juli 2020 - Er is een nieuwe ..."), ISO;
    # None: the document's date applies
    date: str | None = None

    @property
    def id(self) -> str:
        return passage_id(self.doc_id, self.number)

    @property
    def heading(self) -> str | None:
        return " › ".join(self.heading_path) if self.heading_path else None


def passage_id(doc_id: str, number: int) -> str:
    return f"{doc_id}.{number}"


@dataclass
class DocumentRecord:
    """What the index keeps about a whole document (metadata, no passages)."""

    doc_id: str
    source: str
    format: str
    title: str
    type: str
    sectors: list[str]
    date: str | None
    url: str | None
    author: str | None
    description: str | None
    page_count: int | None
    headings: list[tuple[int, str, int | None]]  # (level, text, page)
    passage_count: int
    state: str  # SourceFile.state when indexed
    indexed_at: str
    # the years of the dated items a page collects ("december 2018 - ..."): a
    # page of 2023 that holds news of 2017 and 2018 is found under those years too
    item_years: list[int] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None

    @property
    def years(self) -> tuple[int, ...]:
        """Every year the document speaks for: its own date's and its items'.

        >>> r = DocumentRecord("d", "d.html", "html", "T", "nieuws", [], "2023-12-01", None, None, None,
        ...                    None, [], 3, "", "", item_years=[2017, 2018])
        >>> r.years
        (2017, 2018, 2023)
        """
        own = {self.year} if self.year else set()
        return tuple(sorted(own | set(self.item_years or ())))


@dataclass
class Place:
    """Another document where a hit's content stands too ("ook als PDF, p. 3")."""

    doc_id: str
    passage_id: str
    title: str
    source: str
    type: str
    date: str | None
    page: int | None

    @property
    def format(self) -> str:
        return "pdf" if self.source.lower().endswith(".pdf") else "html"

    def as_json(self) -> dict[str, Any]:
        return {"id": self.doc_id, "passage_id": self.passage_id, "title": self.title, "source": self.source,
                "type": self.type, "format": self.format, "date": self.date, "page": self.page}


@dataclass
class Hit:
    """One search result, in the shape of the JSON API (see :meth:`as_json`)."""

    id: str
    doc_id: str
    title: str
    source: str
    type: str
    date: str | None
    page: int | None
    heading: str | None
    score: float
    snippet: str
    text: str
    sectors: list[str] = field(default_factory=list)
    passage_id: str | None = None
    more: list["Hit"] = field(default_factory=list)  # further passages of this document
    also: list[Place] = field(default_factory=list)  # other documents with the same text
    # the idf-weighted share of the query's words the passage holds (None: not known)
    match_share: float | None = None
    # how likely this passage answers the question (answer_confidence.py; the vraagbaak only)
    confidence: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "type": self.type,
            "date": self.date,
            "page": self.page,
            "heading": self.heading,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "text": self.text,
            "also": [p.as_json() for p in self.also],
            **({"confidence": round(self.confidence, 3)} if self.confidence is not None else {}),
        }


@dataclass
class SearchResponse:
    query: str
    total: int
    took_ms: float
    hits: list[Hit]
    suggestion: str | None = None
    facets: dict[str, dict[str, int]] | None = None
    message: str | None = None  # a Dutch note for the user (e.g. "te algemene vraag")
    # the vraagbaak: whether a passage answers the question well enough
    # (answer_confidence.py); None for a search
    answered: bool | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "hits": [h.as_json() for h in self.hits],
            "suggestion": self.suggestion,
        }
        if self.facets is not None:
            out["facets"] = self.facets
        if self.answered is not None:
            out["answered"] = self.answered
        if self.message:
            out["message"] = self.message
        return out
