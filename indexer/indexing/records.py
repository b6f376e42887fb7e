"""A document's index records: the extracted document split into passages
and its :class:`~indexer.model.DocumentRecord`, the catalogue overriding what
the file says about itself.

In: a :class:`~indexer.model.SourceFile` and its
:class:`~indexer.model.ExtractedDocument`. Out: the record, its passages and
its sectors, ready for a backend's writer.
"""

from __future__ import annotations

import time

from indexer.extract.dates import parse_date
from indexer.model import HEADING, DocumentRecord, ExtractedDocument, Passage, SourceFile
from indexer.passages.splitter import split_passages


def infer_type(doc: ExtractedDocument, passages: list[Passage]) -> str:
    questions = sum(p.is_question for p in passages)
    if questions >= 3 and questions >= 0.5 * len(passages):
        return "faq"
    return "publicatie" if doc.format == "pdf" else "nieuws"


def build_record(
    source: SourceFile, doc: ExtractedDocument, doc_id: str
) -> tuple[DocumentRecord, list[Passage], list[str]]:
    """Passages and the document record, the catalogue overriding the file."""
    passages = split_passages(doc, doc_id)
    cat = source.catalogue
    record = DocumentRecord(
        doc_id=doc_id,
        source=source.path,
        format=doc.format,
        title=cat.get("title") or doc.title,
        type=cat.get("type") or infer_type(doc, passages),
        sectors=list(cat.get("sectors") or []),
        date=parse_date(str(cat["date"])) if cat.get("date") else doc.date,
        url=cat.get("url"),
        author=cat.get("author") or doc.author,
        description=cat.get("description") or doc.description,
        page_count=doc.page_count,
        headings=[(b.level, b.text, b.page) for b in doc.blocks if b.kind == HEADING],
        passage_count=len(passages),
        state=source.state,
        indexed_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
        item_years=sorted({int(p.date[:4]) for p in passages if p.date and p.date[:4].isdigit()}),
    )
    return record, passages, record.sectors
