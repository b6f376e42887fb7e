"""The naive pipeline ``make eval`` compares the product with.

What a developer gets in an afternoon from the same libraries, with no
tuning at all: pdfplumber's ``extract_text`` per page (BeautifulSoup's
``get_text`` for HTML, scripts and styles removed), the text cut into windows
of 120 words, Whoosh's stock Dutch ``LanguageAnalyzer`` (Snowball stemmer and
stop words) on one body field, and the query's analysed words OR-ed together
under Whoosh's default BM25F.

Extracted text is cached by content hash (``cache_dir``) because parsing the
PDFs takes most of its time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import LanguageAnalyzer
from whoosh.fields import ID, STORED, TEXT, Schema

from indexer.sources import document_id

WINDOW = 120  # words per window
CONTEXT = 15  # words of the neighbouring windows kept for matching an expected text only
VERSION = 1


@dataclass
class NaiveHit:
    doc_id: str
    source: str
    text: str  # the window plus CONTEXT words either side (what matching reads)
    heading: str | None = None


def _pdf_text(path: Path) -> str:
    import pdfplumber

    try:
        with pdfplumber.open(path) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    except Exception:  # noqa: BLE001 - the naive pipeline skips what it cannot read
        return ""


def _html_text(path: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_bytes(), "lxml")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    return soup.get_text(" ")


def extract(path: Path, cache_dir: Path | None) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    cached = cache_dir / f"{digest}.v{VERSION}.json" if cache_dir else None
    if cached is not None and cached.is_file():
        return json.loads(cached.read_text(encoding="utf-8"))
    text = _pdf_text(path) if path.suffix.lower() == ".pdf" else _html_text(path)
    if cached is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(text, ensure_ascii=False), encoding="utf-8")
    return text


def windows(text: str, size: int = WINDOW) -> list[tuple[str, str]]:
    """(window, window with CONTEXT words of its neighbours) pairs.

    >>> [w for w, _ in windows("a b c d e", size=2)]
    ['a b', 'c d', 'e']
    """
    words = text.split()
    out = []
    for start in range(0, len(words), size):
        window = " ".join(words[start : start + size])
        context = " ".join(words[max(0, start - CONTEXT) : start + size + CONTEXT])
        out.append((window, context))
    return out


class NaiveIndex:
    def __init__(self, directory: Path):
        self._ix = whoosh_index.open_dir(str(directory))
        self._searcher = self._ix.searcher()
        self._analyzer = self._ix.schema["body"].analyzer

    @classmethod
    def build(cls, source: Path, directory: Path, cache_dir: Path | None = None) -> NaiveIndex:
        schema = Schema(
            doc_id=ID(stored=True),
            source=STORED,
            context=STORED,
            body=TEXT(analyzer=LanguageAnalyzer("nl"), stored=False),
        )
        directory.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(directory), schema)
        writer = ix.writer()
        for path in sorted(p for p in source.rglob("*") if p.suffix.lower() in (".pdf", ".html", ".htm")):
            rel = path.relative_to(source).as_posix()
            for window, context in windows(extract(path, cache_dir)):
                writer.add_document(doc_id=document_id(rel), source=rel, context=context, body=window)
        writer.commit()
        return cls(directory)

    def search(self, text: str, k: int = 10) -> list[NaiveHit]:
        terms = list(dict.fromkeys(t.text for t in self._analyzer(text)))
        if not terms:
            return []
        results = self._searcher.search(wq.Or([wq.Term("body", t) for t in terms]), limit=k)
        return [NaiveHit(hit["doc_id"], hit["source"], hit["context"]) for hit in results]

    def close(self) -> None:
        self._searcher.close()
