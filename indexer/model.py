"""The data that flows through the pipeline, one type per stage.

source file (:class:`SourceFile`) -> extracted text (:class:`ExtractedDocument`
of :class:`Block` s) -> :class:`Passage` s -> index -> :class:`Hit` s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HEADING, PARAGRAPH = "heading", "paragraph"
SORTS = ("relevance", "date")  # the orders a search can ask for

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


class EngineUnavailableError(RuntimeError):
    """The search engine does not answer (an OpenSearch cluster that is down
    or unreachable); the message is Dutch and is shown as it is."""


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
        return {
            "id": self.doc_id,
            "passage_id": self.passage_id,
            "title": self.title,
            "source": self.source,
            "type": self.type,
            "format": self.format,
            "date": self.date,
            "page": self.page,
        }


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
    more: list[Hit] = field(default_factory=list)  # further passages of this document
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


@dataclass(frozen=True)
class RankingConfig:
    """How a query is turned into a ranking.

    ``PRODUCT`` is what the site uses; ``FOUNDATION`` is the first release
    (Dutch analysis, BM25F, coordination, phrases) and ``BASELINE`` plain
    BM25; the evaluation scores all three in one run."""

    name: str
    field_boosts: dict[str, float] = field(default_factory=lambda: {"title": 2.5, "heading": 2.0, "body": 1.0})
    all_words_required: bool = False
    coordination: float = 0.6  # 0: none; 1: score scaled by share of words matched
    part_boost: float = 0.6  # a part of a hyphenated query word, relative to the whole
    bm25_b: float = 0.75
    bm25_k1: float = 1.2
    title_b: float = 0.4
    heading_b: float = 0.4
    compound_boost: float = 0.0  # a match on a compound's part (the "parts" field); 0: off
    synonym_boost: float = 0.0  # an abbreviation or synonym from the thesaurus; 0: off
    typo_boost: float = 0.0  # an index word close to an unknown or rare query word; 0: off
    question_boost: float = 0.0  # a match in an FAQ passage's question; 0: off
    prefer_newer: bool = False  # of two passages that say nearly the same, the newer first
    # one idf per term, from its document frequency in the field where it is
    # most common: a common word stays cheap in a short field (title, heading)
    shared_idf: bool = False
    # coordination weighs each query word by its idf: a rare word that a
    # passage holds outweighs two common ones it lacks
    idf_coordination: bool = False
    context_credit: float = 1.0  # coordination credit of a word matched only in the title or headings


FOUNDATION = RankingConfig("foundation")
BASELINE = RankingConfig("baseline", field_boosts={"body": 1.0}, all_words_required=True, coordination=0.0)
# Boosts chosen on the dev part of the evaluation (docs/ARCHITECTURE.md);
# summing a word's options beat taking the best one (DisjunctionMax) there.
# The title and heading path are shared by every passage under them, so they
# weigh no more than the body; one idf per term, weighted coordination.
PRODUCT = RankingConfig(
    "product",
    field_boosts={"title": 1.0, "heading": 1.0, "body": 1.0},
    coordination=0.8,
    compound_boost=0.7,
    synonym_boost=1.0,
    typo_boost=0.8,
    question_boost=2.0,
    prefer_newer=True,
    shared_idf=True,
    idf_coordination=True,
    context_credit=0.5,
)


@dataclass
class EngineResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] | None = None
    searchable: bool = True  # False: every query word was a stop word


@dataclass
class QueryPlan:
    text: str
    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    excluded_phrases: list[list[str]] = field(default_factory=list)
    is_question: bool = False
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases)

    def all_words(self) -> list[str]:
        return self.words + [w for p in self.phrases for w in p]
